"""The app factory, configuration order, health check and API error envelope."""

import subprocess
import sys

from policyhub import create_app


def test_config_order_defaults_env_then_test_mapping(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICYHUB_MAIL_SERVER", "mail.example.gov.cn")
    monkeypatch.setenv("POLICYHUB_MAIL_PORT", "2525")
    monkeypatch.setenv("POLICYHUB_DATABASE_URL", "postgresql://someone@db/policyhub")
    app = create_app({"MAIL_PORT": 465, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["MAIL_SERVER"] == "mail.example.gov.cn"  # from the environment
    assert app.config["MAIL_PORT"] == 465  # the test mapping wins
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@db/policyhub"
    assert app.config["SCHEDULER"] == "off"  # a default


def test_default_database_is_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("POLICYHUB_DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path / "inst")})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'policyhub.db'}"
    # Without a configured key a random one is generated once and kept.
    key = app.config["SECRET_KEY"]
    assert len(key) == 64
    assert create_app({"INSTANCE_PATH": str(tmp_path / "inst")}).config["SECRET_KEY"] == key


def test_factory_starts_no_threads_and_opens_no_sockets(tmp_path):
    # A fresh interpreter: threads left by other tests' apps must not blur the answer.
    code = (
        "import socket, threading\n"
        "opened = []\n"
        "real = socket.socket.connect\n"
        "socket.socket.connect = lambda self, *a: opened.append(a) or real(self, *a)\n"
        "from policyhub import create_app\n"
        f"create_app({{'INSTANCE_PATH': {str(tmp_path)!r}, 'SECRET_KEY': 'x'}})\n"
        "print(threading.active_count(), len(opened))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["1", "0"]


def test_healthz_reports_database(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["dialect"] in {"sqlite", "postgresql"}


def test_healthz_reports_unreachable_database(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_json_405_with_allow(client):
    response = client.delete("/api/v1/policies")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.get_json()["error"]["message"]


def test_openapi_lists_the_contract(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/policies", "/policies/{id}/publish", "/departments"} <= set(spec["paths"])


def test_static_assets_are_served_by_the_app(client):
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
        assert b"--red" in response.data
    page = client.get("/").get_data(as_text=True)
    assert "http://" not in page.replace("http://localhost", "") and "https://" not in page
