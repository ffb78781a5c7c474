"""Start and stop the production shape on loopback: gunicorn web workers, one scheduler, dispatch workers.

Used by scripts/prod_smoke.py (make prod-smoke) and bench/load_mixed.py. PostgreSQL and Redis must
already answer; the database named by --database-url is emptied and migrated, the Redis db flushed.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
import requests

__all__ = ["ROOT", "Process", "ProductionShape", "free_port", "shape_environment"]

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test_prod"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"


def free_port() -> int:
    """A TCP port on loopback nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shape_environment(database_url: str, redis_url: str, instance_path: Path, port: int,
                      extra: dict[str, str] | None = None) -> dict[str, str]:
    """The POLICYHUB_* and GUNICORN_* settings a production host sets (docs/deploy.md), on loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYHUB_", "GUNICORN_"))}
    env.update({
        "POLICYHUB_DATABASE_URL": database_url,
        "POLICYHUB_RATELIMIT_STORAGE_URL": redis_url,
        "POLICYHUB_SECRET_KEY": secrets.token_hex(32),
        "POLICYHUB_INSTANCE_PATH": str(instance_path),
        "POLICYHUB_BASE_URL": f"http://127.0.0.1:{port}",
        # nginx in front: one proxy hop whose X-Forwarded-For is trusted.
        "POLICYHUB_PROXY_FIX": "1",
        "POLICYHUB_HEALTH_REQUIRE_SCHEDULER": "1",
        "POLICYHUB_SCHEDULER_LEASE_POLL_SECONDS": "1",
        # Delivery is the dispatch workers' job; the scheduler runs the rest.
        "POLICYHUB_SCHEDULER_DISPATCH": "0",
        # Production: publishing commits a fan-out job that the dispatch workers and the scheduler run.
        "POLICYHUB_FANOUT": "worker",
        # Messages are captured (no SMTP or SMS gateway configured); let SMS go at any hour here.
        "POLICYHUB_SMS_QUIET_HOURS": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "3",
        "GUNICORN_ACCESSLOG": "",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra or {})
    return env


@dataclass
class Process:
    """One started process and the file its output goes to."""

    name: str
    popen: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait; returns the exit status (a kill after the timeout returns -9)."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)
            return -9


@dataclass
class ProductionShape:
    """The processes of one production host, started on loopback against real PostgreSQL and Redis."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    web_workers: int = 3
    dispatch_workers: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="policyhub-shape-")))
    processes: list[Process] = field(default_factory=list)

    def __post_init__(self) -> None:
        # psycopg and the app both take the short form; the app maps it onto its driver.
        self.database_url = self.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.env = shape_environment(self.database_url, self.redis_url, self.workdir / "instance", self.port,
                                     {"GUNICORN_WORKERS": str(self.web_workers), **self.extra_env})

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def flask(self, *args: str, stdin: str | None = None) -> str:
        """Run `flask --app wsgi ARGS` with the shape's settings; its output (raises when it fails)."""
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                                input=stdin, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def reset_database(self) -> None:
        """Empty the database (its public schema) and the Redis db; then `flask db upgrade`."""
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
        redis.Redis.from_url(self.redis_url).flushdb()
        self.flask("db", "upgrade")

    def create_token(self, username: str, role: str, department: str | None = None) -> str:
        """A staff user's API token (`flask users create`)."""
        args = ["users", "create", username, "--role", role] + (["--department", department] if department else [])
        match = re.search(r"^token: (\S+)$", self.flask(*args), re.M)
        if match is None:
            raise RuntimeError("flask users create printed no token")
        return match.group(1)

    def start(self, name: str, *command: str) -> Process:
        """Start one process with the shape's settings, its output to workdir/NAME.log."""
        log_path = self.workdir / f"{name}.log"
        handle = log_path.open("w")
        popen = subprocess.Popen(list(command), cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        process = Process(name, popen, log_path)
        self.processes.append(process)
        return process

    def start_web(self) -> Process:
        return self.start("web", sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app")

    def start_scheduler(self, name: str = "scheduler") -> Process:
        return self.start(name, sys.executable, "-m", "flask", "--app", "wsgi", "scheduler")

    def start_dispatch(self, name: str) -> Process:
        return self.start(name, sys.executable, "-m", "flask", "--app", "wsgi", "notify", "dispatch", "--interval", "1")

    def start_all(self) -> None:
        """Web, one scheduler, the dispatch workers; returns once /healthz answers."""
        self.start_web()
        self.start_scheduler()
        for number in range(1, self.dispatch_workers + 1):
            self.start_dispatch(f"dispatch-{number}")
        self.wait_healthy()

    def wait_healthy(self, timeout: float = 90.0) -> dict:
        """The /healthz body once the web answers and the scheduler holds its lease."""
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            exited = [p.name for p in self.processes if p.popen.poll() is not None and p.name != "scheduler-standby"]
            if exited:
                last = f"exited early: {exited}"
                break
            try:
                response = requests.get(self.base_url + "/healthz", timeout=2)
                last = response.text
                if response.status_code == 200 and response.json()["status"] == "ok":
                    return response.json()
            except requests.RequestException as exc:
                last = str(exc)
            time.sleep(0.5)
        logs = "\n".join(f"--- {p.name}\n{p.log()[-2000:]}" for p in self.processes)
        raise RuntimeError(f"the shape was not healthy within {timeout:.0f} s: {last}\n{logs}")

    def wait_delivered(self, timeout: float = 300.0) -> int:
        """Wait until no message is due and undelivered (the dispatch workers caught up); how many are left."""
        deadline, left = time.monotonic() + timeout, -1
        while time.monotonic() < deadline:
            with psycopg.connect(self.database_url) as conn:
                left = conn.execute("SELECT count(*) FROM notification WHERE status IN ('pending', 'sending') "
                                    "AND next_attempt_at <= now()").fetchone()[0]
            if left == 0:
                return 0
            time.sleep(1)
        return left

    def web_worker_pids(self) -> list[int]:
        """The gunicorn master's children (its web workers)."""
        web = next(p for p in self.processes if p.name == "web")
        children = Path(f"/proc/{web.popen.pid}/task/{web.popen.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop_all(self) -> dict[str, int]:
        """SIGTERM every process (dispatch and scheduler first, web last); their exit statuses."""
        order = sorted(self.processes, key=lambda p: p.name == "web")
        return {p.name: p.stop() for p in order}

