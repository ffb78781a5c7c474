"""Fixtures: an app per test on SQLite (always) and PostgreSQL (when configured), and factories."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from policyhub import create_app
from policyhub.extensions import db

PG_URL = os.environ.get("POLICYHUB_TEST_DATABASE_URL")


def pytest_configure(config: pytest.Config) -> None:
    from tests.timeshift import start_from_environment

    moved_to = start_from_environment()
    if moved_to is not None:
        config.stash[_MOVED_TO] = moved_to


def pytest_report_header(config: pytest.Config) -> str | None:
    moved_to = config.stash.get(_MOVED_TO, None)
    return f"clock moved to {moved_to.isoformat()} (POLICYHUB_TEST_TODAY)" if moved_to else None


_MOVED_TO = pytest.StashKey()


def _config(tmp_path, url: str, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SCHEDULER": "off",
        "MAIL_SERVER": None,
        **extra,
    }


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """A SQLite database migrated once; each test gets a copy (much faster than migrating each time)."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    app = create_app(_config(folder, f"sqlite:///{path}"))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return str(path)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory) -> str:
    """The PostgreSQL test database, emptied and migrated once per session."""
    if not PG_URL:
        pytest.skip("POLICYHUB_TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    folder = tmp_path_factory.mktemp("pg")
    app = create_app(_config(folder, PG_URL))
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        db.engine.dispose()
    return PG_URL


def _truncate_all(app: Flask) -> None:
    with app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def make_app(database_url, tmp_path) -> Iterator[Callable[..., Flask]]:
    """Build an app on the test database with extra config (e.g. CSRF on)."""
    apps: list[Flask] = []

    def build(**extra: Any) -> Flask:
        app = create_app(_config(tmp_path, database_url, **extra))
        if not apps and app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            _truncate_all(app)
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app) -> Iterator[None]:
    """An app context for calling services directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def make_department(app) -> Callable[..., int]:
    def make(code: str = "gxj", name: str = "滨州市工业和信息化局") -> int:
        from policyhub.services.departments import create_department, department_by_code

        with app.app_context():
            existing = department_by_code(code)
            if existing is not None:
                return existing.id
            department = create_department(None, code=code, name=name)
            db.session.commit()
            return department.id

    return make


@pytest.fixture
def make_user(app, make_department) -> Callable[..., str]:
    """Create a staff user; returns its API token."""

    def make(username: str = "editor", role: str = "editor", department: str | None = "gxj",
             password: str | None = "correct-horse-battery") -> str:
        from policyhub.services.users import create_user

        if department:
            make_department(department, f"部门{department}")
        with app.app_context():
            _, token = create_user(username, role, department_code=department, password=password)
            db.session.commit()
            return token

    return make


@pytest.fixture
def bearer() -> Callable[[str], dict[str, str]]:
    return lambda token: {"Authorization": f"Bearer {token}"}


@pytest.fixture
def editor_token(make_user) -> str:
    return make_user("editor", "editor", "gxj")


@pytest.fixture
def make_policy(client, editor_token, bearer) -> Callable[..., dict]:
    """Create (and optionally publish) a policy through the API; returns its JSON."""

    def make(title: str = "滨州市支持高端铝业发展的若干措施", body: str = "对本市铝加工企业给予技术改造补贴。",
             publish: bool = True, token: str | None = None, **fields: Any) -> dict:
        headers = bearer(token or editor_token)
        response = client.post("/api/v1/policies", json={"title": title, "body": body, **fields}, headers=headers)
        assert response.status_code == 201, response.get_json()
        policy = response.get_json()
        if publish:
            published = client.post(f"/api/v1/policies/{policy['id']}/publish", headers=headers)
            assert published.status_code == 200, published.get_json()
            policy = client.get(f"/api/v1/policies/{policy['id']}").get_json()
        return policy

    return make


def docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None, title: str | None = None) -> bytes:
    """A real .docx made with python-docx."""
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(lines: list[str]) -> bytes:
    """A real PDF with a Chinese text layer (reportlab's built-in CID font, nothing to download)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setFont("STSong-Light", 12)
    for i, line in enumerate(lines):
        pdf.drawString(72, 760 - 20 * i, line)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


@pytest.fixture
def documents() -> dict[str, Callable[..., bytes]]:
    """Makers of real upload files."""
    return {"docx": docx_bytes, "pdf": pdf_bytes}


def credit_code(seq: int, region: str = "371626") -> str:
    """A valid 统一社会信用代码 (GB 32100-2015) built from a sequence number, for test data."""
    from policyhub.services.identifiers import credit_code_check_char, org_code_check_char

    body = f"{seq:08d}"
    first17 = "91" + region + body + org_code_check_char(body)
    return first17 + credit_code_check_char(first17)


@pytest.fixture
def make_enterprise(client, bearer, make_user) -> Callable[..., dict]:
    """Register an enterprise through the API; returns its JSON."""
    tokens: list[str] = []

    def make(seq: int = 1, **fields: Any) -> dict:
        if not tokens:
            tokens.append(make_user("registrar", "editor", "gxj"))
        body = {"credit_code": credit_code(seq), "name": f"滨州测试铝业有限公司{seq}", "industry_code": "3252",
                "employees": 120, "revenue_wan": 1500, **fields}
        response = client.post("/api/v1/enterprises", json=body, headers=bearer(tokens[0]))
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def new_credit_code() -> Callable[..., str]:
    """The credit_code() maker, for tests that need codes of their own."""
    return credit_code


def _servers_module():
    """tests/notifier/servers.py (loopback SMTP and HTTP servers), loaded by path: tests/ is not a package."""
    import importlib.util
    import sys
    from pathlib import Path

    name = "notifier_test_servers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / "notifier" / "servers.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def loopback():
    """The loopback server kit: SmtpServer, SmtpRecorder, HttpServer, GatewayApp, Reply."""
    return _servers_module()


@pytest.fixture
def smtp_server(loopback):
    """A real aiosmtpd server on 127.0.0.1, recording what it receives."""
    server = loopback.SmtpServer().start()
    yield server
    server.stop()
