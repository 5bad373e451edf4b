"""The documented configurations of cluster mode (deploy/) are current and accepted as they are
by Debian's nats-server and haproxy."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.cluster_configs import DEPLOY, production_haproxy_config, production_nats_config
from tests.conftest import debian_program
from tests.nats_servers import make_tls


@pytest.mark.parametrize(
    "name, render",
    [("nats-server.conf", production_nats_config), ("haproxy.cfg", production_haproxy_config)],
)
def test_the_files_in_deploy_are_what_the_renderer_makes(name, render):
    assert (DEPLOY / name).read_text(encoding="utf-8") == render(), (
        "run: python -m tests.cluster_configs"
    )


def test_nats_server_accepts_the_documented_configuration(tmp_path):
    binary = debian_program("nats-server", "nats-server")
    tls = make_tls(tmp_path / "certs")
    text = (DEPLOY / "nats-server.conf").read_text(encoding="utf-8")
    for path, made in (("ca.pem", tls.ca), ("server.pem", tls.cert), ("server-key.pem", tls.key)):
        text = text.replace(f"/etc/nats/tls/{path}", str(made))
    (tmp_path / "nats.conf").write_text(text.replace("/var/lib/nats", str(tmp_path / "store")))
    env = os.environ | {"VIETSEARCH_NATS_PASSWORD": "a", "NATS_SYS_PASSWORD": "b"}
    checked = subprocess.run(
        [binary, "-t", "-c", str(tmp_path / "nats.conf")], env=env, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    assert "configuration file" in (checked.stdout + checked.stderr).lower()


def test_haproxy_accepts_the_documented_configuration():
    binary = debian_program("haproxy", "haproxy")
    checked = subprocess.run(
        [binary, "-c", "-f", str(DEPLOY / "haproxy.cfg")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    assert "Configuration file is valid" in checked.stdout + checked.stderr
