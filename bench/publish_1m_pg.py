"""Benchmark: 1,000,000 firms on PostgreSQL, a policy with no restriction published through the HTTP API.

The production shape of scripts/prodshape.py on loopback (gunicorn web workers, ``POLICYHUB_FANOUT=worker``)
with one separate fan-out worker (``flask policies fanout``); no scheduler and no dispatch worker, so the
fan-out worker is the only runner of the job and the alerts stay queued to be counted. N firms are
inserted with COPY (as bench/load_mixed.py's ``seed_firms``), each with one active instant subscription.
Targets (issue 11): the publish request answers in <= 2 s; the fan-out commits N matches and their alerts
in <= 60 s (publish sent → the job says done); a web process stays <= 300 MB resident (VmRSS sampled every
0.1 s for each web worker and for the fan-out worker). Then the database is checked: matches = firms,
alerts = subscriptions, none doubled. Baseline in the same run: a raw COPY of the very match and outbox rows
the fan-out wrote into scratch tables with the same columns, defaults, indexes and constraints.
Prints its figures; not a test.
Run: PYTHONPATH=. .venv/bin/python bench/publish_1m_pg.py [--firms 1000000] [--web-workers 2] [--chunk 5000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from prodshape import ProductionShape  # noqa: E402

PUBLISH_TARGET_S = 2.0
FANOUT_TARGET_S = 60.0
RSS_TARGET_MB = 300.0
TABLES = ("policy_match", "notification")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def seed_firms(database_url: str, n: int) -> float:
    """N enterprises with an instant SMS subscription, inserted with COPY; seconds."""
    started = time.perf_counter()
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        with cur.copy("COPY enterprise (credit_code, name, industry_code, employees, revenue_wan, size, size_source, "
                      "above_scale, region_code, business_scope, qualifications, mobile, email, source, created_at, "
                      "updated_at) FROM STDIN") as copy:
            for i in range(n):
                copy.write_row((f"L{i:017d}", f"压测企业{i}", "3216", 50, 900.0, "small", "derived", False, "371602",
                                "铝型材加工", "[]", f"136{i:08d}", None, "bench", "now()", "now()"))
        cur.execute("INSERT INTO subscription (enterprise_id, channel, active, frequency, topics, consent_at, "
                    "consent_source) SELECT id, 'sms', true, 'instant', '[]', now(), 'bench' FROM enterprise "
                    "WHERE source = 'bench'")
        cur.execute("INSERT INTO department (code, name, approval_required, created_at) "
                    "VALUES ('gxj', '滨州市工业和信息化局', false, now())")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE enterprise")
        conn.execute("VACUUM ANALYZE subscription")
    return time.perf_counter() - started


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


class RssSampler(threading.Thread):
    """The highest VmRSS seen per pid, sampled every 0.1 s until stopped."""

    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak: dict[str, float] = {name: 0.0 for name in pids}
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            for name, pid in self.pids.items():
                value = rss_mb(pid)
                if value is not None and value > self.peak[name]:
                    self.peak[name] = value
            self.stopping.wait(0.1)


def copy_floor(database_url: str, policy_id: int) -> tuple[float, int]:
    """Seconds for a raw COPY of the policy's match + outbox rows into scratch tables (LIKE ... INCLUDING ALL)."""
    folder = Path(tempfile.mkdtemp(prefix="policyhub-floor-"))
    rows = 0
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        plan = []
        for table in TABLES:
            columns = [r[0] for r in cur.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' "
                "ORDER BY ordinal_position", (table,))]
            cols = ", ".join(columns)
            cur.execute(f"DROP TABLE IF EXISTS scratch_{table}")
            cur.execute(f"CREATE TABLE scratch_{table} (LIKE {table} INCLUDING ALL)")
            path = folder / f"{table}.copy"
            with path.open("wb") as out, cur.copy(
                    f"COPY (SELECT {cols} FROM {table} WHERE policy_id = {int(policy_id)}) TO STDOUT") as copy:
                for data in copy:
                    out.write(data)
            plan.append((table, cols, path))
        conn.commit()
        started = time.perf_counter()
        for table, cols, path in plan:
            with path.open("rb") as source, cur.copy(f"COPY scratch_{table} ({cols}) FROM STDIN") as copy:
                while data := source.read(1 << 20):
                    copy.write(data)
        conn.commit()
        seconds = time.perf_counter() - started
        for table, _, _ in plan:
            rows += cur.execute(f"SELECT count(*) FROM scratch_{table}").fetchone()[0]
            cur.execute(f"DROP TABLE scratch_{table}")
        conn.commit()
    for _, _, path in plan:
        path.unlink()
    folder.rmdir()
    return seconds, rows


def check(database_url: str, policy_id: int) -> tuple[list[str], dict[str, int]]:
    with psycopg.connect(database_url) as conn:
        counts = dict(zip(("firms", "subscriptions", "matches", "alerts", "doubled_matches", "doubled_alerts"),
                          conn.execute(
            "SELECT (SELECT count(*) FROM enterprise),"
            " (SELECT count(*) FROM subscription WHERE active AND frequency = 'instant'),"
            " (SELECT count(*) FROM policy_match WHERE policy_id = %(p)s),"
            " (SELECT count(*) FROM notification WHERE policy_id = %(p)s),"
            " (SELECT count(*) FROM (SELECT enterprise_id FROM policy_match WHERE policy_id = %(p)s"
            "  GROUP BY enterprise_id HAVING count(*) > 1) d),"
            " (SELECT count(*) FROM (SELECT enterprise_id, channel FROM notification WHERE policy_id = %(p)s"
            "  GROUP BY enterprise_id, channel HAVING count(*) > 1) d)", {"p": policy_id}).fetchone(), strict=True))
    problems = []
    if counts["matches"] != counts["firms"]:
        problems.append(f"{counts['matches']} matches for {counts['firms']} firms")
    if counts["alerts"] != counts["subscriptions"]:
        problems.append(f"{counts['alerts']} alerts for {counts['subscriptions']} subscriptions")
    if counts["doubled_matches"] or counts["doubled_alerts"]:
        problems.append(f"doubled: {counts['doubled_matches']} matches, {counts['doubled_alerts']} alerts")
    return problems, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=None, help="POLICYHUB_FANOUT_CHUNK_SIZE (unset: the default)")
    parser.add_argument("--wait", type=float, default=None,
                        help="POLICYHUB_FANOUT_WAIT_SECONDS: how long the publish request waits for the worker "
                             "(unset: the default, 2 s)")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up on the fan-out after this long")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/wt_bench11")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    extra = {"POLICYHUB_HEALTH_REQUIRE_SCHEDULER": "0", "GUNICORN_MAX_REQUESTS": "0"}
    if args.wait is not None:
        extra["POLICYHUB_FANOUT_WAIT_SECONDS"] = str(args.wait)
    if args.chunk:
        extra["POLICYHUB_FANOUT_CHUNK_SIZE"] = str(args.chunk)
    shape = ProductionShape(database_url=args.database_url, redis_url=args.redis_url, web_workers=args.web_workers,
                            dispatch_workers=0, extra_env=extra)
    print(f"bench/publish_1m_pg.py, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"{args.firms} firms, {args.web_workers} web workers, fan-out wait "
          f"{'default' if args.wait is None else args.wait}, logs in {shape.workdir}", flush=True)
    try:
        return run(shape, args)
    finally:
        print("stopped:", shape.stop_all())


def run(shape: ProductionShape, args: argparse.Namespace) -> int:
    shape.reset_database()
    seeded_s = seed_firms(shape.database_url, args.firms)
    print(f"seeded {args.firms} firms + subscriptions with COPY in {seeded_s:.1f} s (load {load()})", flush=True)
    token = shape.create_token("bench-editor", "editor", "gxj")
    shape.start_web()
    worker = shape.start("fanout", sys.executable, "-m", "flask", "--app", "wsgi", "policies", "fanout",
                         "--interval", "0.2")
    shape.wait_healthy()
    headers = {"Authorization": f"Bearer {token}"}
    created = requests.post(shape.base_url + "/api/v1/policies", headers=headers, timeout=60, json={
        "title": "压测：全市企业普惠政策", "body": "本市行政区域内的企业均可申报。", "criteria": {}})
    created.raise_for_status()
    policy_id = created.json()["id"]
    web_pids = shape.web_worker_pids()
    sampler = RssSampler({**{f"web-{pid}": pid for pid in web_pids}, "fanout-worker": worker.popen.pid})
    sampler.start()
    time.sleep(0.5)
    load_before = load()
    started = time.perf_counter()
    published = requests.post(f"{shape.base_url}/api/v1/policies/{policy_id}/publish", headers=headers, timeout=300)
    request_s = time.perf_counter() - started
    body = published.json()
    print(f"publish request: {published.status_code} in {request_s:.2f} s (load {load_before}): "
          f"{ {k: body.get(k) for k in ('status', 'matched', 'notifications_queued')} }", flush=True)
    state, progress, last_print = None, {}, 0.0
    while time.perf_counter() - started < args.timeout:
        progress = requests.get(f"{shape.base_url}/api/v1/policies/{policy_id}/fanout", headers=headers,
                                timeout=30).json()
        progress = progress.get("fanout", progress)
        state = progress.get("state")
        if state not in ("queued", "running"):
            break
        if time.perf_counter() - last_print > 10:
            last_print = time.perf_counter()
            print(f"  {last_print - started:5.0f} s: {state}, {progress.get('processed')} of {progress.get('total')}"
                  f", {progress.get('notifications_queued')} alerts (load {load()})", flush=True)
        time.sleep(0.1)
    fanout_s = time.perf_counter() - started
    load_after = load()
    sampler.stopping.set()
    sampler.join()
    print(f"fan-out: {state} after {fanout_s:.1f} s (load {load_after}); job: processed {progress.get('processed')}, "
          f"alerts {progress.get('notifications_queued')}, chunks {progress.get('chunks')}, "
          f"started {progress.get('started_at')}, finished {progress.get('finished_at')}", flush=True)
    problems, counts = check(shape.database_url, policy_id)
    print(f"database: {counts}")
    floor_s, floor_rows = copy_floor(shape.database_url, policy_id)
    print(f"raw COPY floor: {floor_rows} rows (same match + outbox rows into scratch tables LIKE ... INCLUDING ALL) "
          f"in {floor_s:.1f} s (load {load()})")

    web_peak = max((v for k, v in sampler.peak.items() if k.startswith("web-")), default=0.0)
    worker_peak = sampler.peak["fanout-worker"]
    met = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    print(f"\nfigures, {args.firms} firms, PostgreSQL, {os.cpu_count()} cores:")
    print(f"  publish request answers:        {request_s:7.2f} s    target <= {PUBLISH_TARGET_S:.0f} s: "
          f"{met(request_s <= PUBLISH_TARGET_S)}  (load {load_before})")
    print(f"  fan-out committed ({state}):       {fanout_s:7.1f} s    target <= {FANOUT_TARGET_S:.0f} s: "
          f"{met(state == 'done' and fanout_s <= FANOUT_TARGET_S)}  (load {load_after}); "
          f"= {fanout_s / floor_s:.1f}x the raw COPY floor of {floor_s:.1f} s")
    print(f"  peak VmRSS web workers:         {web_peak:7.0f} MB   target <= {RSS_TARGET_MB:.0f} MB: "
          f"{met(web_peak <= RSS_TARGET_MB)}  ({', '.join(f'{k} {v:.0f}' for k, v in sampler.peak.items())})")
    print(f"  peak VmRSS fan-out worker:      {worker_peak:7.0f} MB   target <= {RSS_TARGET_MB:.0f} MB: "
          f"{met(worker_peak <= RSS_TARGET_MB)}")
    print(f"  database check: {'ok' if not problems else '; '.join(problems)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
