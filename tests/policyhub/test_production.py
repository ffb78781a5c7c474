"""Production behaviour: overload answers 503 + Retry-After, /healthz names what is degraded, SIGTERM stops cleanly."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from policyhub.extensions import db
from policyhub.models import Notification, SchedulerLease
from policyhub.web.health import health_report
from policyhub.web.overload import OVERLOAD_MESSAGE, OverloadGuard

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def _blocking_app(entered: threading.Event, release: threading.Event):
    def app(environ, start_response):
        entered.set()
        release.wait(5)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"done"]
    return app


def _call(guard, path):
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    result = guard({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, start_response)
    body = b"".join(result)
    getattr(result, "close", lambda: None)()  # as a WSGI server does
    return seen["status"], seen["headers"], body


def test_saturated_process_answers_503_with_retry_after_at_once():
    entered, release = threading.Event(), threading.Event()
    guard = OverloadGuard(_blocking_app(entered, release), limit=1, retry_after_seconds=3)
    busy = threading.Thread(target=_call, args=(guard, "/policies"))
    busy.start()
    assert entered.wait(5)
    started = time.monotonic()
    status, headers, body = _call(guard, "/api/v1/policies")
    assert time.monotonic() - started < 0.5  # refused, not queued
    assert status.startswith("503")
    assert headers["Retry-After"] == "3"
    assert OVERLOAD_MESSAGE in body.decode()
    assert headers["Content-Type"] == "application/json"
    status, headers, body = _call(guard, "/policies")
    assert status.startswith("503") and headers["Content-Type"].startswith("text/html")
    release.set()
    busy.join(5)
    # The slot came back when the first response was closed.
    assert _call(guard, "/policies")[0] == "200 OK"
    assert guard.refused == 2


def test_a_burst_waits_for_a_slot_up_to_the_queue_time_then_is_refused():
    entered, release = threading.Event(), threading.Event()
    guard = OverloadGuard(_blocking_app(entered, release), limit=1, queue_seconds=2.0)
    busy = threading.Thread(target=_call, args=(guard, "/policies"))
    busy.start()
    assert entered.wait(5)
    threading.Timer(0.3, release.set).start()
    started = time.monotonic()
    assert _call(guard, "/policies")[0] == "200 OK"  # served once the slot came back, not refused
    assert 0.2 < time.monotonic() - started < 2.0 and guard.refused == 0
    busy.join(5)
    entered.clear()
    release.clear()
    busy = threading.Thread(target=_call, args=(guard, "/policies"))
    busy.start()
    assert entered.wait(5)
    guard.queue_seconds = 0.3
    started = time.monotonic()
    assert _call(guard, "/policies")[0].startswith("503")
    assert 0.25 < time.monotonic() - started < 1.5 and guard.refused == 1
    release.set()
    busy.join(5)


def test_healthz_is_never_refused_by_the_guard():
    entered, release = threading.Event(), threading.Event()
    guard = OverloadGuard(_blocking_app(entered, release), limit=1)
    busy = threading.Thread(target=_call, args=(guard, "/"))
    busy.start()
    assert entered.wait(5)
    threading.Timer(0.2, release.set).start()
    assert _call(guard, "/healthz")[0] == "200 OK"
    busy.join(5)


def test_app_installs_the_guard_from_settings(make_app):
    app = make_app(MAX_IN_FLIGHT=4, OVERLOAD_RETRY_AFTER_SECONDS=7, OVERLOAD_QUEUE_SECONDS=0.5)
    assert isinstance(app.wsgi_app, OverloadGuard)
    assert (app.wsgi_app.limit, app.wsgi_app.retry_after_seconds, app.wsgi_app.queue_seconds) == (4, 7, 0.5)
    assert not isinstance(make_app().wsgi_app, OverloadGuard)


def test_health_names_scheduler_and_dispatch_lag(make_app):
    app = make_app(HEALTH_REQUIRE_SCHEDULER=True, HEALTH_DISPATCH_LAG_SECONDS=60)
    with app.app_context():
        body, status = health_report(app, NOW)
        assert status == 200
        assert body["scheduler"]["lease"] == "none"
        assert body["degraded"] == ["scheduler"] and body["status"] == "degraded"
        assert body["redis"] == "not_used"
        assert body["dispatch"] == {"lag_seconds": 0.0, "oldest_undelivered_at": None,
                                    "oldest_undelivered_age_seconds": None}

        db.session.add(SchedulerLease(name="scheduler", owner="host:1", expires_at=NOW + timedelta(seconds=30)))
        db.session.add(Notification(kind="consultation_received", channel="sms", idempotency_key="h:1",
                                    recipient="13800000000", status="pending", next_attempt_at=NOW - timedelta(minutes=5),
                                    created_at=NOW - timedelta(minutes=6)))
        db.session.add(Notification(kind="consultation_received", channel="sms", idempotency_key="h:2",
                                    recipient="13800000001", status="sent", next_attempt_at=NOW - timedelta(hours=5),
                                    created_at=NOW - timedelta(hours=5)))
        db.session.commit()
        body, status = health_report(app, NOW)
        assert body["scheduler"]["lease"] == "held" and body["scheduler"]["owner"] == "host:1"
        assert body["dispatch"]["lag_seconds"] == 300.0
        assert body["dispatch"]["oldest_undelivered_age_seconds"] == 360.0
        assert body["degraded"] == ["dispatch"] and status == 200
        # Later, the lease has run out and nobody renewed it.
        body, _ = health_report(app, NOW + timedelta(minutes=2))
        assert body["scheduler"]["lease"] == "expired"
        assert body["degraded"] == ["scheduler", "dispatch"]


def test_health_reports_unreachable_redis(make_app):
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/5", RATELIMIT_ENABLED=True)
    with app.app_context():
        body, status = health_report(app, NOW)
    assert body["redis"] == "unavailable"
    assert "redis" in body["degraded"] and status == 200


def test_healthz_route_serves_the_report(client):
    body = client.get("/healthz").get_json()
    assert {"database", "redis", "scheduler", "dispatch", "degraded", "status"} <= set(body)


@pytest.mark.parametrize(("command", "name"), [(["notify", "dispatch"], "dispatch"), (["policies", "fanout"], "fanout")])
def test_workers_stop_cleanly_on_sigterm(tmp_path, database_url, command, name):
    env = {**os.environ, "POLICYHUB_DATABASE_URL": database_url, "POLICYHUB_SECRET_KEY": "t",
           "POLICYHUB_INSTANCE_PATH": str(tmp_path / "instance"), "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *command, "--interval", "30"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # Once it says it runs, its handler is in place; then it is in its first pass or waiting out the interval.
        ready, _, _ = select.select([worker.stdout], [], [], 120)
        first = worker.stdout.readline() if ready else ""
        assert f"{name} worker running as" in first, first
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=15)
    finally:
        worker.kill()
    assert worker.returncode == 0, output
    assert f"{name} worker stopped" in output


def test_scheduler_leaves_delivery_to_dispatch_workers_when_told(make_app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from policyhub.jobs import JOBS, configure_scheduler

    with_dispatch = configure_scheduler(make_app(), BackgroundScheduler())
    assert {job.id for job in with_dispatch.get_jobs()} == set(JOBS)
    without = configure_scheduler(make_app(SCHEDULER_DISPATCH=False), BackgroundScheduler())
    assert {job.id for job in without.get_jobs()} == set(JOBS) - {"dispatch"}
