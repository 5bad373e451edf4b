"""vietsearch's web front end: the search page, the JSON API and the production server.

``create_app`` builds the Flask app; nothing is opened until a request needs the index, so the
gunicorn master never holds Whoosh files (see web.worker_index). The web uses only the
library's public face, ``indexer``.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from indexer import load_synonyms
from web import health, openapi, pages, search_api, similar
from web.analytics import register_analytics
from web.auth import register_auth
from web.cluster import init_cluster
from web.document_page import register_document_page
from web.documents import register_documents
from web.errors import register_error_handler
from web.headers import register_headers
from web.limits import DEFAULT_RATE_LIMIT, DEFAULT_WRITE_RATE_LIMIT, register_rate_limits
from web.observability import register_observability
from web.reload import load_settings, register_reload
from web.searches import register_semantic_ratio_setting, register_typos_setting
from web.worker_index import init_index

MAX_BODY_BYTES = 1024 * 1024


def create_app(config: Mapping | None = None) -> Flask:
    """Build the app. Settings: defaults, then ``VIETSEARCH_*`` variables, then ``config``.

    ``INDEX`` is the index folder; without one the embedded sample index is used (and built
    on first use). ``RATE_LIMIT`` and ``WRITE_RATE_LIMIT``: see web.limits; ``API_TOKEN``: see
    web.auth; ``WRITE_TIMEOUT``: see web.documents; ``TYPOS`` (default 1): 0 turns typo
    tolerance off for every search (see web.searches). ``EMBEDDER``: a sentence-transformers
    model folder (web.worker_index); ``SEMANTIC_RATIO``: the default weight of meaning for an
    index with vectors (web.searches). ``METRICS``, ``METRICS_TOKEN``: see
    web.metrics; ``REQUEST_LOG``, ``LOG_CLIENT_ADDRESS``: web.observability; ``ANALYTICS``,
    ``ANALYTICS_FILE``, ``ANALYTICS_DAYS``: web.analytics; ``SETTINGS``: web.settings.
    """
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX=None,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        RATE_LIMIT=DEFAULT_RATE_LIMIT,
        WRITE_RATE_LIMIT=DEFAULT_WRITE_RATE_LIMIT,
    )
    app.config.from_prefixed_env("VIETSEARCH")
    if config:
        app.config.from_mapping(config)
    load_settings(app)  # SETTINGS: a file of reloadable settings, over the above (web.reload)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    init_index(app)
    register_observability(app)  # first: every request gets an id, a log line and its metrics
    init_cluster(app)  # CLUSTER: a node of a replicated cluster (web.cluster)
    # SYNONYMS: more abbreviations (like indexer/language/data/synonyms.txt); bad lines fail here.
    app.extensions["vietsearch_synonyms"] = load_synonyms(app.config.get("SYNONYMS"))
    register_typos_setting(app)
    register_semantic_ratio_setting(app)
    register_rate_limits(app)
    register_auth(app)  # before register_headers: the token is checked before the body size
    register_error_handler(app)
    register_headers(app)
    pages.register_template_helpers(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(search_api.bp)
    app.register_blueprint(similar.bp)  # before /api/documents/<id>: it ends in /similar
    register_documents(app)
    register_document_page(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(openapi.bp)
    register_analytics(app)
    register_reload(app)
    return app
