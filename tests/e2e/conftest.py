"""End-to-end fixtures: the app as a real server on a loopback port, its peers, Debian's chromium.

The server is ``flask --app wsgi serve`` in a subprocess on a temporary SQLite database with the
scheduler inline (the outbox is dispatched every 5 s); email goes to an aiosmtpd server and SMS to
the loopback JSON gateway, both in this process (tests/notifier/servers.py).  What an administrator
sets up before the story (schema, departments, staff accounts) is done here through the services,
in a "control" app built from the very same POLICYHUB_* settings as the server.

Nothing here downloads a browser: Playwright drives /usr/bin/chromium, and the tests skip when it
is missing.  Screenshots and the server log go to test-output/e2e/ (git-ignored).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = ROOT / "test-output" / "e2e"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
# Set to refresh the README's screenshots from this run (see README "What it looks like").
UPDATE_DOCS = os.environ.get("E2E_UPDATE_SCREENSHOTS") == "1"

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


# --- the loopback peers -------------------------------------------------------------------------


def servers_module():
    """tests/notifier/servers.py loaded by path (tests/ is not a package), shared with tests/conftest.py."""
    name = "notifier_test_servers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "notifier" / "servers.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def smtp():
    server = servers_module().SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gateway():
    kit = servers_module()
    app = kit.GatewayApp()
    server = kit.HttpServer(app).start()
    server.gateway = app
    yield server
    server.stop()


class Mailbox:
    """What the loopback SMTP server received, read the way a person reads their inbox."""

    def __init__(self, smtp) -> None:
        self.smtp = smtp

    def messages(self) -> list[Any]:
        return self.smtp.handler.messages()

    def recipients(self) -> list[str]:
        return [str(m["To"]) for m in self.messages()]

    def wait_for(self, to: str, subject_contains: str = "", *, timeout: float = 30.0):
        """The first message to this address whose subject contains the text; polls until timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.messages():
                if str(message["To"]) == to and subject_contains in str(message["Subject"]):
                    return message
            if time.monotonic() > deadline:
                seen = [(str(m["To"]), str(m["Subject"])) for m in self.messages()]
                raise AssertionError(f"no email to {to} with {subject_contains!r} in its subject reached the SMTP "
                                     f"server within {timeout:.0f} s; it received: {seen}")
            time.sleep(0.2)

    @staticmethod
    def text(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def html(message) -> str:
        return message.get_body(preferencelist=("html",)).get_content()

    @staticmethod
    def link_after(text: str, label: str) -> str:
        """The URL that follows a label in an email's text ("查看政策全文：http://…")."""
        found = re.search(re.escape(label) + r"\s*(https?://\S+)", text)
        assert found, f"no link after {label!r} in:\n{text}"
        return found.group(1)


# --- the server ---------------------------------------------------------------------------------


@dataclass
class Site:
    """The running server and what the story needs to know about it."""

    base_url: str
    env: dict[str, str]
    control: Any  # the control Flask app (same settings), for setup and the CLI
    log_path: Path
    passwords: dict[str, str]
    tokens: dict[str, str]
    departments: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def api(self, method: str, path: str, token: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, self.url(path), headers={"Authorization": f"Bearer {token}"},
                                timeout=30, **kwargs)

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


STAFF = [
    # username, role, department, display name, password
    ("wangmin", "editor", "gxj", "王敏", "editor-e2e-2026"),
    ("liuyang", "answerer", "gxj", "刘洋", "answerer-e2e-2026"),
    ("chenjing", "supervisor", "yshj", "陈静", "supervisor-e2e-2026"),
]
DEPARTMENTS = [
    # code, name, official mailbox (escalations go there)
    ("gxj", "滨州市工业和信息化局", "gxj-ban@binzhou-gov.cn"),
    ("yshj", "滨州市优化营商环境办公室", "yshj@binzhou-gov.cn"),
]


def _setup(control) -> tuple[dict[str, str], dict[str, str]]:
    """The administrator's part: the schema, the departments, the staff accounts."""
    import flask_migrate

    from policyhub.extensions import db
    from policyhub.services.departments import create_department
    from policyhub.services.users import create_user

    with control.app_context():
        flask_migrate.upgrade()
        for code, name, email in DEPARTMENTS:
            create_department(None, code=code, name=name, email=email)
        tokens, passwords = {}, {}
        for username, role, department, display_name, password in STAFF:
            _, tokens[username] = create_user(username, role, department_code=department, password=password,
                                              display_name=display_name)
            passwords[username] = password
        db.session.commit()
        db.session.remove()
    return tokens, passwords


@pytest.fixture(scope="module")
def output_dir() -> Path:
    """test-output/e2e, emptied at the start of the run."""
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir(parents=True)
    return OUTPUT


@pytest.fixture(scope="module")
def site(tmp_path_factory, smtp, gateway, output_dir) -> Iterator[Site]:
    yield from _serve(tmp_path_factory.mktemp("e2e"), output_dir, smtp, gateway, {"POLICYHUB_SECRET_KEY": "e2e"})


def _serve(folder: Path, output: Path, smtp, gateway, settings: dict[str, str]) -> Iterator[Site]:
    """Start the app as `flask serve` on a free port with its own SQLite file, mail to `smtp`, SMS to `gateway`."""
    from policyhub import create_app
    from policyhub.config import from_environment
    from policyhub.extensions import db

    port = servers_module().free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        "POLICYHUB_DATABASE_URL": f"sqlite:///{folder / 'e2e.db'}",
        "POLICYHUB_INSTANCE_PATH": str(folder / "instance"),
        "POLICYHUB_SCHEDULER": "inline",
        "POLICYHUB_MAIL_SERVER": "127.0.0.1",
        "POLICYHUB_MAIL_PORT": str(smtp.port),
        "POLICYHUB_MAIL_DEFAULT_SENDER": "policyhub@binzhou-gov.cn",
        "POLICYHUB_SMS_GATEWAY_URL": gateway.url,
        "POLICYHUB_BASE_URL": base_url,
    } | settings
    control = create_app(from_environment(env))
    tokens, passwords = _setup(control)

    # The server gets a clean environment: none of the developer's own POLICYHUB_* settings.
    server_env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYHUB_")} | env
    server_env["PYTHONUNBUFFERED"] = "1"
    if os.environ.get("POLICYHUB_TEST_TODAY"):
        server_env["POLICYHUB_TEST_TODAY"] = os.environ["POLICYHUB_TEST_TODAY"]
    log_path = output / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*_python_for_server(), "--app", "wsgi", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    site = Site(base_url, env, control, log_path, passwords, tokens,
                departments={code: name for code, name, _ in DEPARTMENTS})
    try:
        _wait_until_healthy(site, process)
        yield site
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        with control.app_context():
            db.engine.dispose()


def _python_for_server() -> list[str]:
    """`python -m flask`, on the suite's own day when POLICYHUB_TEST_TODAY moved the clock."""
    if not os.environ.get("POLICYHUB_TEST_TODAY"):
        return [sys.executable, "-m", "flask"]
    return [sys.executable, "-c", "import sys; from tests.timeshift import start_from_environment; "
            "start_from_environment(); from flask.cli import main; sys.argv[0] = 'flask'; main()"]


def _wait_until_healthy(site: Site, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}:\n{site.log_tail()}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(site.url("/healthz"), timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"the server did not answer /healthz within {timeout:.0f} s:\n{site.log_tail()}")
        time.sleep(0.1)


# --- the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Story:
    """Pages for each person in the story; steps that screenshot at their end and explain a failure.

    A failing step raises an AssertionError naming the step, the page's address and its visible
    text (and the server log's tail), with a screenshot saved next to the others.
    """

    def __init__(self, browser, site: Site, output_dir: Path, mailbox: Mailbox, gateway) -> None:
        self.browser = browser
        self.site = site
        self.output_dir = output_dir
        self.mail = mailbox
        self.gateway = gateway.gateway  # the SMS gateway app: .requests, .sent
        self.contexts: list[Any] = []
        self.dialogs: list[str] = []  # any alert/confirm/prompt is a script that should never have run
        self.current: Any = None  # the page the step is looking at
        self.shots: dict[str, Path] = {}
        self._count = 0

    def page(self, *, phone: bool = False):
        """A new browser context (its own cookies: one person) with one page."""
        if phone:
            context = self.browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                               locale="zh-CN", timezone_id="Asia/Shanghai")
        else:
            context = self.browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()

        def on_dialog(dialog) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message} (on {page.url})")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        self.current = page
        return page

    def login(self, page, username: str) -> None:
        page.goto(self.site.url("/login"))
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(self.site.passwords[username])
        page.get_by_role("button", name="登录").click()
        # Each role lands on its own work: editors on 政策管理, answerers on the inbox, supervisors on the dashboard.
        page.wait_for_url(re.compile(r"/staff/(consultations|sla)?$"))

    def shot(self, page, name: str) -> Path:
        """A full-page screenshot, numbered in story order."""
        self._count += 1
        path = self.output_dir / f"{self._count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.shots[name] = path
        return path

    @contextlib.contextmanager
    def step(self, title: str, shot: str | None = None) -> Iterator[None]:
        """One step of the story: on success a screenshot of the current page, on failure an explanation."""
        try:
            yield
            assert not self.dialogs, f"a script ran and opened a dialog: {self.dialogs}"
        except Exception as exc:
            raise AssertionError(self._explain(title, exc)) from exc
        if shot and self.current is not None:
            self.shot(self.current, shot)

    def _explain(self, title: str, exc: Exception) -> str:
        page = self.current
        where, text, saved = "(no page)", "", ""
        if page is not None and not page.is_closed():
            where = page.url
            try:
                text = page.locator("body").inner_text(timeout=2_000)
            except Exception as inner:  # the page itself may be what broke
                text = f"(could not read the page: {inner})"
            try:
                path = self.output_dir / f"FAILED-{re.sub(r'[^0-9a-z]+', '-', title.lower()).strip('-')[:40]}.png"
                page.screenshot(path=str(path), full_page=True)
                saved = f"\nscreenshot: {path}"
            except Exception:
                pass
        text = text if len(text) <= 3000 else text[:3000] + " …"
        return (f"step {title!r} failed: {type(exc).__name__}: {exc}\n"
                f"page: {where}{saved}\n--- what the page showed ---\n{text}\n"
                f"--- server log (tail) ---\n{self.site.log_tail()}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    def publish_screenshots(self, wanted: dict[str, str], max_bytes: int = 300_000) -> None:
        """Copy the chosen screenshots to docs/screenshots/ (only when E2E_UPDATE_SCREENSHOTS=1).

        Colours are reduced to a 256-colour palette so that each PNG stays small in the repository.
        """
        if not UPDATE_DOCS:
            return
        from PIL import Image

        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name, target in wanted.items():
            destination = DOCS_SCREENSHOTS / target
            with Image.open(self.shots[name]) as image:
                image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
                    destination, optimize=True)
            size = destination.stat().st_size
            assert size <= max_bytes, f"{destination} is {size} bytes (at most {max_bytes})"


@pytest.fixture
def story(browser, site, output_dir, smtp, gateway) -> Iterator[Story]:
    story = Story(browser, site, output_dir, Mailbox(smtp), gateway)
    yield story
    story.close()


# --- the enterprise's own door (test_story_door.py) ------------------------------------------------


@pytest.fixture(scope="module")
def door_output() -> Path:
    """test-output/e2e/door, emptied at the start of its module (the other story's files stay)."""
    path = OUTPUT / "door"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope="module")
def door_site(tmp_path_factory, smtp, gateway, door_output) -> Iterator[Site]:
    """The server as ``site`` starts it, with SMS quiet hours off: the door story's welcome and alert are
    SMS, and must arrive at whatever hour the story runs (sign-in codes ignore quiet hours anyway)."""
    yield from _serve(tmp_path_factory.mktemp("e2e-door"), door_output, smtp, gateway,
                      {"POLICYHUB_SECRET_KEY": "e2e-door", "POLICYHUB_SMS_QUIET_HOURS": "false"})


@pytest.fixture
def door_story(browser, door_site, door_output, smtp, gateway) -> Iterator[Story]:
    """A Story on the door's server, its screenshots in test-output/e2e/door/."""
    story = Story(browser, door_site, door_output, Mailbox(smtp), gateway)
    yield story
    story.close()
