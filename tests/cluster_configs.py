"""The NATS and HAProxy configurations of cluster mode: one renderer for the tests and the docs.

``python -m tests.cluster_configs`` writes deploy/nats-server.conf and deploy/haproxy.cfg, the
production examples the README explains; the test fixtures render the same text with test
ports, passwords and certificates, and tests/test_cluster_configs.py checks that the files in
deploy/ are current and that ``nats-server -t`` and ``haproxy -c`` accept them.

The NATS side: a JetStream cluster whose one application user may publish to the streams'
subjects and call only the JetStream API requests a node makes (never delete or purge a
stream), over TLS, with mutual TLS between the servers. The HAProxy side: round robin over the
nodes, health checks on /healthz (503 when a node lags or cannot follow the log), and a second
backend of the same nodes, checked with a lag bound of a day, used only when no node is fresh
(the whole NATS cluster down for longer than the lag bound): stale answers beat none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from web.request_id import INCOMING_ID

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


@dataclass(frozen=True)
class Auth:
    """Passwords of the application user, the system account and the routes."""

    user: str = "vietsearch"
    password: str = "test-secret"
    sys_password: str = "sys-secret"
    route_password: str = "route-secret"


@dataclass(frozen=True)
class TlsFiles:
    """PEM files: the CA bundle, a certificate and its key."""

    ca: Path
    cert: Path
    key: Path


def app_permissions(streams: tuple[str, ...] = ("vietsearch",)) -> list[str]:
    """What a node may publish: batches to ``streams``, and the JetStream API requests it makes
    (never STREAM.DELETE, PURGE or UPDATE: a node cannot destroy the log)."""
    api = "$JS.API"
    return [
        *(f"{stream}.>" for stream in streams),
        f"{api}.INFO",
        f"{api}.STREAM.CREATE.*",
        f"{api}.STREAM.INFO.*",
        f"{api}.STREAM.MSG.GET.*",
        f"{api}.DIRECT.GET.*",
        f"{api}.CONSUMER.CREATE.*.>",
        f"{api}.CONSUMER.MSG.NEXT.*.*",
        f"{api}.CONSUMER.DELETE.*.*",
    ]


def _quoted(items: list[str]) -> str:
    return ", ".join(f'"{x}"' for x in items)


def _tls_block(tls: TlsFiles, verify: bool, indent: str = "") -> str:
    lines = [
        "tls {",
        f'  ca_file: "{tls.ca}"',
        f'  cert_file: "{tls.cert}"',
        f'  key_file: "{tls.key}"',
        f"  verify: {str(verify).lower()}",
        "  timeout: 2",
        "}",
    ]
    return "".join(f"{indent}{line}\n" for line in lines)


def _cluster_block(host: str, port: int, routes: list[str], auth: Auth, tls: TlsFiles | None):
    """Routes: mutual TLS with the cluster's CA when TLS is on, else a route password."""
    if tls:
        auth_lines = _tls_block(tls, verify=True, indent="  ")
    else:
        routes = [
            r.replace("nats-route://", f"nats-route://route:{auth.route_password}@") for r in routes
        ]
        auth_lines = f'  authorization {{ user: "route", password: "{auth.route_password}" }}\n'
    return (
        f"cluster {{\n  name: vietsearch\n  listen: {host}:{port}\n{auth_lines}"
        f"  routes: [{_quoted(routes)}]\n}}\n"
    )


def nats_config(
    *,
    name: str,
    host: str,
    client_port: int,
    cluster_port: int,
    http_port: int,
    store_dir: Path,
    routes: list[str],
    auth: Auth,
    tls: TlsFiles | None,
    streams: tuple[str, ...] = ("vietsearch",),
) -> str:
    """The nats-server configuration of one server of the cluster."""
    client_tls = _tls_block(tls, verify=False) if tls else ""
    return f"""# vietsearch: NATS server {name} (rendered by tests/cluster_configs.py)
server_name: {name}
listen: {host}:{client_port}
# Monitoring (/healthz, /jsz) has no authentication: keep it on loopback.
http: 127.0.0.1:{http_port}
{client_tls}
# An acknowledged batch is stored by a quorum of the stream's servers; nats-server 2.9 fsyncs
# on a timer, not before acknowledging (2.10 and later: add sync_interval: always here). It
# survives kill -9 or the loss of any one server, not a power cut of two at once.
jetstream {{
  store_dir: "{store_dir}"
  max_memory_store: 256MB
  max_file_store: 8GB
}}

# Batches up to 1 MB of JSON, as the API accepts, plus headers.
max_payload: 8MB

{_cluster_block(host, cluster_port, routes, auth, tls)}
accounts {{
  VIETSEARCH {{
    jetstream: enabled
    users: [{{
      user: "{auth.user}", password: "{auth.password}"
      permissions: {{
        publish: {{ allow: [{_quoted(app_permissions(streams))}] }}
        subscribe: {{ allow: ["_INBOX.>"] }}
      }}
    }}]
  }}
  SYS {{ users: [{{ user: "sys", password: "{auth.sys_password}" }}] }}
}}
system_account: SYS
"""


@dataclass(frozen=True)
class CheckTimings:
    """Health checks every ``inter_ms``; out after ``fall`` failures, in after ``rise``."""

    inter_ms: int = 2000
    fall: int = 3
    rise: int = 2
    fastinter_ms: int = 500


FAST = CheckTimings(inter_ms=200, fall=2, rise=2, fastinter_ms=100)


HAPROXY_RETRY_AFTER_S = 2
REQUEST_ID_PATTERN = f"^{INCOMING_ID.pattern}$"  # the ids a node keeps, and so HAProxy
# HAProxy's "option httplog" format, spelled out so that the request id can follow it.
HTTP_LOG_FORMAT = (
    "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc "
    "%ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r"
)
HAPROXY_ERRORS = (
    (502, "bad_gateway", "A vietsearch node failed to answer; try again."),
    (503, "unavailable", "No vietsearch node can answer now; try again in a few seconds."),
    (504, "gateway_timeout", "No vietsearch node answered in time; try again."),
)


def haproxy_config(
    *,
    bind: str,
    backends: list[tuple[str, str]],
    timings: CheckTimings,
    stats_socket: str | None = None,
) -> str:
    """haproxy.cfg: ``backends`` are (name, host:port) of vietsearch nodes."""
    t = timings
    checks = (
        f"inter {t.inter_ms}ms fastinter {t.fastinter_ms}ms downinter {t.inter_ms}ms "
        f"fall {t.fall} rise {t.rise}"
    )
    servers = "\n".join(f"    server {n} {a} check" for n, a in backends)
    fallbacks = "\n".join(f"    server {n}-stale {a} backup track stale/{n}" for n, a in backends)
    sock = f"    stats socket {stats_socket} mode 600 level admin\n" if stats_socket else ""
    errors = "\n".join(
        f"    http-error status {status} content-type application/json lf-string "
        f'\'{{"error": {{"code": "{code}", "message": "{message}"}}, '
        f'"request_id": "%[var(txn.request_id)]"}}\''
        f" hdr Retry-After {HAPROXY_RETRY_AFTER_S} hdr X-Request-Id %[var(txn.request_id)]"
        for status, code, message in HAPROXY_ERRORS
    )
    return f"""# vietsearch: HAProxy in front of the nodes (rendered by tests/cluster_configs.py)
global
    maxconn 2000
    log stdout format raw local0 info
{sock}
defaults
    mode http
    # One line per request on stdout: HAProxy's "option httplog" fields (which node took it,
    # or <NOSRV>; the time of each step; retries; how it ended, %tsc), then the request id
    # that the node's own log line and every JSON error carry. Checks are not logged.
    log global
    option dontlognull
    log-format "{HTTP_LOG_FORMAT} %{{+Q}}[var(txn.request_id)]"
    timeout connect 2s
    timeout client 30s
    # Longer than a node's own bounds (write timeout 5 s + applying, after_seq 2 s): the node
    # answers 503 or 202 itself first.
    timeout server 15s
    timeout check 3s
    # Connections that failed are tried again on another node; so are searches (GET) whose node
    # died under them. A write that was sent is never sent again: its client decides, with
    # its Idempotency-Key (see backend rules below). "redispatch 1": every retry goes to
    # another node (plain "redispatch" moves only the last one, so a node killed a moment ago,
    # not yet marked down, took the first retry too).
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout 502 504
    # One request per connection to a node (clients keep theirs alive): a node closes a
    # connection idle for 5 s, and a write sent on it at that moment got no answer (it was
    # never retried, as writes are not), its client told only that the connection dropped.
    option http-server-close
    # HAProxy's own answers (no node took the request, or none answered in time) in the API's
    # JSON error shape, not its HTML pages: a client of the API reads every error the same way.
{errors}

frontend vietsearch
    bind {bind}
    # Every request goes on with one X-Request-Id: the client's own when a node would keep it
    # (1-64 letters, digits or _.:/+=@-), else HAProxy's. HAProxy's own errors carry it as
    # every node's do, so that a failed request can be found in every log it reached.
    unique-id-format %{{+X}}o%ci-%cp-%Ts-%rt-%pid
    acl plain_request_id req.hdr(x-request-id) -m reg {REQUEST_ID_PATTERN}
    http-request set-var(txn.request_id) req.hdr(x-request-id) if plain_request_id
    http-request set-var(txn.request_id) unique-id unless {{ var(txn.request_id) -m found }}
    http-request set-header X-Request-Id %[var(txn.request_id)]
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    http-request disable-l7-retry unless METH_GET || METH_HEAD
    # init-addr: start even while a node's name does not resolve yet (it is DOWN until it does)
    default-server {checks} init-addr libc,none
{servers}
    # No node fresh enough (the write log unreachable for longer than their lag bound)? Any
    # node that is up answers rather than none: the backups, up when "stale" finds them up.
    # In this backend, not another one chosen per request, so that a search already sent
    # here when the last fresh node failed is retried on them, not answered 503 "No server".
    option allbackups
{fallbacks}

# Only checks: which nodes answer at all, whatever their lag.
backend stale
    option httpchk GET /healthz?max_lag=86400
    http-check expect status 200
    default-server {checks} init-addr libc,none
{servers}
"""


PRODUCTION_AUTH = Auth(
    password="$VIETSEARCH_NATS_PASSWORD",
    sys_password="$NATS_SYS_PASSWORD",
    route_password="$NATS_ROUTE_PASSWORD",
)
PRODUCTION_TLS = TlsFiles(
    Path("/etc/nats/tls/ca.pem"),
    Path("/etc/nats/tls/server.pem"),
    Path("/etc/nats/tls/server-key.pem"),
)


def production_nats_config(name: str = "nats1") -> str:
    """deploy/nats-server.conf: server ``name`` of nats1..nats3, passwords from the environment."""
    routes = [f"nats-route://nats{i}:6222" for i in (1, 2, 3) if f"nats{i}" != name]
    text = nats_config(
        name=name,
        host="0.0.0.0",
        client_port=4222,
        cluster_port=6222,
        http_port=8222,
        store_dir=Path("/var/lib/nats"),
        routes=routes,
        auth=PRODUCTION_AUTH,
        tls=PRODUCTION_TLS,
    )
    # nats-server reads $NAME from the environment only when it is not quoted.
    for variable in ("$VIETSEARCH_NATS_PASSWORD", "$NATS_SYS_PASSWORD"):
        text = text.replace(f'"{variable}"', variable)
    return text


def production_haproxy_config() -> str:
    """deploy/haproxy.cfg: nodes vs1..vs3 on port 8080, production check pace."""
    nodes = [(f"vs{i}", f"vs{i}:8080") for i in (1, 2, 3)]
    return haproxy_config(bind=":80", backends=nodes, timings=CheckTimings())


if __name__ == "__main__":
    DEPLOY.mkdir(exist_ok=True)
    (DEPLOY / "nats-server.conf").write_text(production_nats_config(), encoding="utf-8")
    (DEPLOY / "haproxy.cfg").write_text(production_haproxy_config(), encoding="utf-8")
