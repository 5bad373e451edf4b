"""Every route that changes data needs the token, wherever it is registered (web.auth).

The check runs for the whole app, not for one blueprint: these tests walk the app's URL map,
so a route added later is covered the day it is added.
"""

import re
import shutil

import pytest
from flask import Blueprint

from tests.test_web_writes import AUTH, NEW, make_client
from web.auth import READ_METHODS, open_to_all


@pytest.fixture
def index_dir(corpus_index, tmp_path):
    path = tmp_path / "index"
    shutil.copytree(corpus_index, path)
    return path


def changing_routes(app) -> list[tuple[str, str]]:
    """(method, URL) for every rule and method of the app that is not a read."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = re.sub(r"<[^>]+>", "x", rule.rule)
        routes += [(method, url) for method in sorted(rule.methods - READ_METHODS)]
    return routes


def test_the_app_has_routes_that_change_data(index_dir):
    methods = {method for method, _ in changing_routes(make_client(index_dir).application)}
    assert {"POST", "PUT", "DELETE"} <= methods


@pytest.mark.parametrize("token, status", [(None, 403), ("kiem-tra-7f3a9c", 401)])
def test_every_route_that_changes_data_refuses_a_request_without_the_token(
    index_dir, token, status
):
    client = make_client(index_dir, API_TOKEN=token)
    for method, url in changing_routes(client.application):
        reply = client.open(url, method=method, data=NEW)
        assert reply.status_code == status, (method, url, reply.get_data(as_text=True))


def test_a_route_added_in_a_new_blueprint_is_covered_too(index_dir):
    client = make_client(index_dir)
    extra = Blueprint("extra", __name__)
    extra.add_url_rule("/api/extra", "change", lambda: "changed", methods=["POST"])
    extra.add_url_rule("/api/ping", "ping", open_to_all(lambda: "pong"), methods=["POST"])
    client.application.register_blueprint(extra)
    assert client.post("/api/extra").status_code == 401
    assert client.post("/api/extra", headers=AUTH).get_data(as_text=True) == "changed"
    assert client.post("/api/ping").get_data(as_text=True) == "pong"
