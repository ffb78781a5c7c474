"""Benchmark: the SLA dashboard and /api/v1/sla/summary over 100,000 consultations (target <= 300 ms each).

Seeds a SQLite database (or POLICYHUB_BENCH_DATABASE_URL) with N consultations across 16 departments
(open, at risk, overdue, answered on time and late, spread over 90 days), then times, in one run:
  - GET /api/v1/sla/summary and GET /staff/sla through the app (median of 7 requests each);
  - a naive baseline: load every row and compute the same figures in Python.
Run: .venv/bin/python bench/sla_dashboard.py [N]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import flask_migrate
from sqlalchemy import insert, select

from policyhub import create_app
from policyhub.extensions import db
from policyhub.models import Consultation, Department, User, utcnow
from policyhub.services.users import create_user, issue_token

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def seed(n: int, seed_value: int = 2019) -> None:
    rng = random.Random(seed_value)
    now = utcnow()
    departments = [Department(code=f"d{i:02d}", name=f"滨州市第{i}局") for i in range(16)]
    db.session.add_all(departments)
    db.session.flush()
    create_user("boss", "supervisor", department_code="d00", password="bench-password")
    rows = []
    for i in range(n):
        submitted = now - timedelta(minutes=rng.randint(0, 90 * 24 * 60))
        due = submitted + timedelta(days=rng.choice((2, 3, 4)))
        answered = rng.random() < 0.85 and submitted + timedelta(hours=2) < now
        answered_at = submitted + timedelta(hours=rng.randint(1, 120)) if answered else None
        if answered_at and answered_at > now:
            answered_at = now
        rows.append({
            "tracking_code": f"ZX{i:08d}", "question": "请问申报条件是什么？", "contact_name": "张",
            "mobile": "13800001234", "department_id": rng.choice(departments).id,
            "status": "answered" if answered else "open", "submitted_at": submitted, "clock_started_at": submitted,
            "due_at": due, "due_provisional": False, "answer": "答复" if answered else None, "answered_at": answered_at,
            "on_time": (answered_at <= due) if answered else None, "published_as_qa": False,
        })
        if len(rows) == 10_000:
            db.session.execute(insert(Consultation), rows)
            rows = []
    if rows:
        db.session.execute(insert(Consultation), rows)
    db.session.commit()


def naive_summary(now) -> dict:
    """The same headline figures by loading every row into Python."""
    figures = {"open": 0, "at_risk": 0, "overdue": 0, "on_time": 0, "late": 0}
    start = now - timedelta(days=30)
    for c in db.session.scalars(select(Consultation)):
        if c.status == "open":
            if c.due_at < now:
                figures["overdue"] += 1
            elif c.due_at <= now + timedelta(hours=24):
                figures["at_risk"] += 1
            else:
                figures["open"] += 1
        elif c.answered_at and start <= c.answered_at < now:
            figures["on_time" if c.on_time else "late"] += 1
    return figures


def timed(fn, runs: int = 7) -> float:
    fn()  # warm caches, as a running server would have them
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("POLICYHUB_BENCH_DATABASE_URL") or f"sqlite:///{folder}/sla.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS)
            started = time.perf_counter()
            seed(n)
            print(f"seeded {n} consultations in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})")
            token = issue_token(db.session.scalar(select(User).where(User.username == "boss")))
            db.session.commit()
            baseline_ms = timed(lambda: naive_summary(utcnow()), runs=3)
            db.session.remove()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        summary = client.get("/api/v1/sla/summary", headers=headers).get_json()
        assert summary["departments"], summary
        summary_ms = timed(lambda: client.get("/api/v1/sla/summary", headers=headers))
        client.post("/login", data={"username": "boss", "password": "bench-password"})
        assert b'id="overdue"' in client.get("/staff/sla").data
        page_ms = timed(lambda: client.get("/staff/sla"))
        csv_ms = timed(lambda: client.get("/staff/sla.csv"), runs=3)
        with app.app_context():
            db.engine.dispose()
    print(f"figures: open {summary['open']}, at risk {summary['at_risk']}, overdue {summary['overdue']}, "
          f"on time {summary['answered_on_time']}, late {summary['answered_late']}, "
          f"rate {summary['compliance_rate']}")
    print(f"GET /api/v1/sla/summary   median {summary_ms:7.1f} ms   target <= 300 ms: "
          f"{'met' if summary_ms <= 300 else 'MISSED'}")
    print(f"GET /staff/sla (page)     median {page_ms:7.1f} ms   target <= 300 ms: {'met' if page_ms <= 300 else 'MISSED'}")
    print(f"GET /staff/sla.csv (30 d) median {csv_ms:7.1f} ms")
    print(f"baseline: load all rows, count in Python  {baseline_ms:7.1f} ms  "
          f"(summary is {baseline_ms / summary_ms:.1f}x faster)")


if __name__ == "__main__":
    main()
