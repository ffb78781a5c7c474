"""The pieces of make prod-smoke (scripts/), checked without starting the shape: settings, config, job counting."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the class is made
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "scripts"))


def test_shape_sets_what_a_production_host_sets(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYHUB_MAIL_SERVER", "smtp.example.gov.cn")  # the caller's own settings do not leak in
    shape = _load("prodshape")
    env = shape.shape_environment("postgresql://postgres@127.0.0.1:5432/x", "redis://127.0.0.1:6379/5",
                                  tmp_path, 8123, {"GUNICORN_WORKERS": "3"})
    assert env["POLICYHUB_RATELIMIT_STORAGE_URL"] == "redis://127.0.0.1:6379/5"
    assert env["POLICYHUB_PROXY_FIX"] == "1"
    assert env["GUNICORN_BIND"] == "127.0.0.1:8123" and env["GUNICORN_WORKERS"] == "3"
    assert env["POLICYHUB_HEALTH_REQUIRE_SCHEDULER"] == "1"
    assert "POLICYHUB_MAIL_SERVER" not in env
    assert len(env["POLICYHUB_SECRET_KEY"]) == 64
    made = shape.ProductionShape(database_url="postgresql+psycopg://postgres@127.0.0.1/x", workdir=tmp_path)
    assert made.database_url == "postgresql://postgres@127.0.0.1/x"
    assert made.base_url == f"http://127.0.0.1:{made.port}"


def test_job_runs_are_counted_from_the_scheduler_log():
    smoke = _load("prod_smoke")
    log = ("2026-12-02 12:00:00,001 INFO policyhub.jobs: job sla_scan done\n"
           "2026-12-02 12:00:00,002 INFO policyhub.jobs: job dispatch done\n"
           "2026-12-02 12:00:05,002 INFO policyhub.jobs: job dispatch done\n"
           "another scheduler holds the lease; waiting\n")
    assert smoke.job_runs(log) == {"sla_scan": 1, "dispatch": 2}
    assert smoke.job_runs("another scheduler holds the lease; waiting\n") == {}
    assert set(smoke.ONCE_JOBS) | set(smoke.INTERVAL_JOBS) == set(__import__("policyhub.jobs", fromlist=["JOBS"]).JOBS)


def test_gunicorn_reads_the_repository_config(tmp_path):
    env = {**os.environ, "GUNICORN_WORKERS": "3", "GUNICORN_BIND": "127.0.0.1:8123", "GUNICORN_THREADS": "6"}
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--print-config", "wsgi:app"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    config = dict(re.split(r"\s+=\s+", line, maxsplit=1) for line in result.stdout.splitlines() if " = " in line)
    assert config["workers"].strip() == "3"
    assert config["worker_class"].strip() == "gthread"
    assert config["threads"].strip() == "6"
    assert "127.0.0.1:8123" in config["bind"]


def test_make_and_ci_run_the_smoke():
    assert "prod-smoke:" in (ROOT / "Makefile").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make prod-smoke" in ci and "redis-cli" in ci
