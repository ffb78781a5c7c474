"""make prod-smoke: start the production shape on loopback and check it answers, schedules once, and stops cleanly.

3 gunicorn workers, 1 scheduler (and a standby that must wait), 2 dispatch workers, PostgreSQL and
Redis (for the rate limiter). Exits 0 when every check holds, 1 with the failed checks otherwise.
Settings: POLICYHUB_SMOKE_DATABASE_URL (emptied!) and POLICYHUB_SMOKE_REDIS_URL (flushed!).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg
import redis
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from prodshape import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, ProductionShape  # noqa: E402

# Jobs on a daily or 10-minute trigger: in a smoke run each runs exactly once (at start). Delivery
# (the "dispatch" job) is left to the dispatch workers in this shape.
ONCE_JOBS = ("expire_policies", "sla_scan", "digest", "deadline_reminders")
# Jobs on a short interval: the fan-out of published policies (every few seconds), and delivery.
INTERVAL_JOBS = ("dispatch", "fanout")


class Checks:
    """Named checks, printed as they are made; failures collected."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def check(self, name: str, ok: bool, detail: object = "") -> bool:
        print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + str(detail) if detail != '' else ''}", flush=True)
        if not ok:
            self.failed.append(name)
        return ok


def job_runs(log: str) -> Counter:
    """How many times each job finished, from the scheduler's `job NAME done` lines."""
    return Counter(re.findall(r"job (\w+) done", log))


def wait_for(predicate, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def consultation(number: int, address: str) -> tuple[dict, dict]:
    body = {"question": f"冒烟测试咨询第 {number} 号：申报材料需要盖章吗？", "contact_name": "测试",
            "mobile": f"139{number:08d}"}
    return body, {"X-Forwarded-For": address}


def run(shape: ProductionShape, checks: Checks) -> None:
    shape.reset_database()
    print(shape.flask("seed", "demo").splitlines()[0], flush=True)
    editor = shape.create_token("smoke-editor", "editor", "gxj")
    staff = {"Authorization": f"Bearer {shape.create_token('smoke-supervisor', 'supervisor', 'yshj')}"}

    shape.start_all()
    health = shape.wait_healthy()
    checks.check("healthz: database, Redis and scheduler lease well",
                 health["database"] == "ok" and health["redis"] == "ok" and health["scheduler"]["lease"] == "held",
                 {k: health[k] for k in ("database", "redis", "degraded")})
    checks.check("3 gunicorn workers", len(shape.web_worker_pids()) == shape.web_workers, shape.web_worker_pids())

    base = shape.base_url
    for path in ("/", "/?q=%E8%A1%A5%E8%B4%B4", "/api/v1/policies?q=%E8%A1%A5%E8%B4%B4"):
        response = requests.get(base + path, timeout=10)
        checks.check(f"GET {path} answers", response.status_code == 200, response.status_code)
    items = requests.get(base + "/api/v1/policies", timeout=10).json()["items"]
    if checks.check("published demo policies listed", bool(items), len(items)):
        response = requests.get(f"{base}/policies/{items[0]['id']}", timeout=10)
        checks.check("policy page answers", response.status_code == 200, response.status_code)

    standby = shape.start_scheduler("scheduler-standby")
    checks.check("a second scheduler waits for the lease",
                 bool(wait_for(lambda: "another scheduler holds the lease" in standby.log(), 60)))

    # One client address behind the proxy: 5 per minute however the requests spread over the 3 workers,
    # because the counter lives in Redis; another address is not affected.
    statuses = [requests.post(base + "/api/v1/consultations", json=body, headers=headers, timeout=10).status_code
                for body, headers in (consultation(n, "198.51.100.7") for n in range(6))]
    checks.check("the limiter counts one address across workers (Redis)", statuses == [201] * 5 + [429], statuses)
    body, headers = consultation(99, "198.51.100.8")
    other = requests.post(base + "/api/v1/consultations", json=body, headers=headers, timeout=10)
    checks.check("another address is not limited", other.status_code == 201, other.status_code)
    keys = redis.Redis.from_url(shape.redis_url).dbsize()
    checks.check("rate-limit counters are in Redis", keys > 0, f"{keys} keys")

    created = requests.post(base + "/api/v1/policies", headers={"Authorization": f"Bearer {editor}"}, timeout=30,
                            json={"title": "冒烟测试：全市企业通用的申报提醒", "body": "本市各类企业均可申报。",
                                  "criteria": {"industries": [], "sizes": []}})
    checks.check("editor creates a policy", created.status_code == 201, created.text[:200])
    policy_id = created.json().get("id")
    published = requests.post(f"{base}/api/v1/policies/{policy_id}/publish", timeout=60,
                              headers={"Authorization": f"Bearer {editor}"})
    checks.check("publish answers at once", published.status_code in (200, 202), published.text[:200])

    def fanout_done() -> dict | None:
        # In this production shape the fan-out runs in the dispatch workers and the scheduler, not the request.
        progress = requests.get(f"{base}/api/v1/policies/{policy_id}/fanout", timeout=10,
                                headers={"Authorization": f"Bearer {editor}"}).json()
        return progress if progress.get("state") == "done" else None

    progress = wait_for(fanout_done, 120) or {}
    queued = progress.get("notifications_queued")
    checks.check("the workers' fan-out queues alerts", bool(queued), progress)

    def delivery() -> dict[str, int]:
        with psycopg.connect(shape.database_url) as conn:
            rows = conn.execute("SELECT status, count(*), max(attempts) FROM notification WHERE policy_id = %s "
                                "GROUP BY status", (policy_id,)).fetchall()
        return {status: count for status, count, _ in rows} | {"max_attempts": max((r[2] for r in rows), default=0)}

    done = wait_for(lambda: (lambda d: d if set(d) <= {"sent", "cancelled", "max_attempts"} and d.get("sent") else None)(
        delivery()), 300)
    summary = delivery()
    checks.check("dispatch workers deliver every alert once", bool(done) and summary["max_attempts"] == 1, summary)
    staff_read = requests.get(f"{base}/api/v1/notifications?policy_id={policy_id}", headers=staff, timeout=10)
    checks.check("staff API reads delivery rows", staff_read.status_code == 200
                 and staff_read.json()["total"] == sum(v for k, v in summary.items() if k != "max_attempts"),
                 staff_read.status_code)

    primary = next(p for p in shape.processes if p.name == "scheduler")
    runs = job_runs(primary.log())
    checks.check("the scheduler ran each job once", all(runs[name] == 1 for name in ONCE_JOBS) and not runs["dispatch"],
                 dict(runs))
    checks.check("the standby ran no job", not job_runs(standby.log()), dict(job_runs(standby.log())))

    status = primary.stop()
    checks.check("SIGTERM stops the scheduler and releases the lease",
                 status == 0 and "lease released" in primary.log(), status)
    checks.check("the standby takes over", bool(wait_for(lambda: "scheduler running as" in standby.log(), 30)))
    checks.check("the standby runs the jobs", bool(wait_for(lambda: job_runs(standby.log())["sla_scan"] == 1, 30)))

    statuses = shape.stop_all()
    checks.check("every process stops cleanly on SIGTERM", all(code == 0 for code in statuses.values()), statuses)
    for process in shape.processes:
        if process.name.startswith("dispatch"):
            checks.check(f"{process.name} finished its batch and stopped", "dispatch worker stopped" in process.log())


def main() -> int:
    shape = ProductionShape(database_url=os.environ.get("POLICYHUB_SMOKE_DATABASE_URL", DEFAULT_DATABASE_URL),
                            redis_url=os.environ.get("POLICYHUB_SMOKE_REDIS_URL", DEFAULT_REDIS_URL))
    checks = Checks()
    print(f"prod-smoke: {shape.base_url}, logs in {shape.workdir}", flush=True)
    try:
        run(shape, checks)
    except Exception as exc:  # a step that could not run is a failed check, with the logs to see why
        checks.check("smoke run completed", False, repr(exc))
    finally:
        shape.stop_all()
    if checks.failed:
        for process in shape.processes:
            print(f"--- {process.name} (last lines)\n{process.log()[-1500:]}")
        print(f"prod-smoke: {len(checks.failed)} checks failed: {', '.join(checks.failed)}")
        return 1
    print("prod-smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
