"""Load run against the production shape: mixed anonymous, consultation and staff traffic; then the database is checked.

Starts the shape of scripts/prodshape.py on loopback (gunicorn workers, scheduler, dispatch workers,
PostgreSQL, Redis). The load itself is locust, headless (bench/locustfile.py: closed-loop users on
keep-alive connections, gevent, so the load tool costs little of the CPU the service needs): policy
search (API and page), policy pages, consultation submissions with X-Forwarded-For spread over many
addresses (as nginx sets it), staff API reads. Bounded by --requests and --seconds. With --firms N,
N enterprises are seeded and a policy matching them all is published while the load runs.
Prints throughput, p50/p95/p99 per kind and overall, status counts; then checks that every accepted
consultation is stored once with its deadline and every alert is queued once. Not a test: it prints.
Needs the load extra: pip install -e '.[load]' (make load does).
Run: .venv/bin/python bench/load_mixed.py [--requests 20000] [--seconds 60] [--clients 24] [--firms 100000]
     [--setting PAGE_CACHE_ENTRIES=0]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from prodshape import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, ProductionShape  # noqa: E402

KINDS = ["api_search", "page_search", "policy_page", "staff_read", "consultation"]


def seed_firms(shape: ProductionShape, n: int) -> None:
    """N enterprises with an instant SMS or email subscription, inserted in bulk."""
    with psycopg.connect(shape.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM enterprise")
        with cur.copy("COPY enterprise (credit_code, name, industry_code, employees, revenue_wan, size, size_source, "
                      "above_scale, region_code, business_scope, qualifications, mobile, email, source, created_at, "
                      "updated_at) FROM STDIN") as copy:
            for i in range(n):
                copy.write_row((f"L{i:017d}", f"压测企业{i}", "3216", 50, 900.0, "small", "derived", False, "371602",
                                "铝型材加工", "[]", f"136{i:08d}", None, "bench", "now()", "now()"))
        cur.execute("INSERT INTO subscription (enterprise_id, channel, active, frequency, topics, consent_at, "
                    "consent_source) SELECT id, 'sms', true, 'instant', '[]', now(), 'bench' FROM enterprise "
                    "WHERE source = 'bench'")
        conn.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--firms", type=int, default=0, help="seed N firms and publish to them during the load")
    parser.add_argument("--threads", type=int, default=12, help="gunicorn threads per worker")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--mix", default="", help="kind=weight,... to change the mix (e.g. api_search=0)")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="a POLICYHUB_NAME setting for the shape's processes (e.g. PAGE_CACHE_ENTRIES=0)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    args = parser.parse_args()
    for part in filter(None, args.mix.split(",")):
        kind, _, weight = part.partition("=")
        if kind not in KINDS or not weight.isascii() or not weight.isdigit():
            parser.error(f"--mix: want kind=weight with kinds {', '.join(KINDS)}; got {part!r}")

    shape = ProductionShape(database_url=args.database_url, redis_url=args.redis_url,
                            extra_env={"GUNICORN_THREADS": str(args.threads), "GUNICORN_WORKERS": str(args.workers),
                                       "GUNICORN_MAX_REQUESTS": "0",
                                       **{f"POLICYHUB_{name}": value for name, _, value in
                                          (setting.partition("=") for setting in args.setting)}})
    print(f"load: shape at {shape.base_url}, logs in {shape.workdir}", flush=True)
    try:
        return run(shape, args)
    finally:
        print("stopped:", shape.stop_all())


def run(shape: ProductionShape, args: argparse.Namespace) -> int:
    shape.reset_database()
    shape.flask("seed", "demo")
    staff_token = shape.create_token("load-supervisor", "supervisor", "yshj")
    editor_token = shape.create_token("load-editor", "editor", "gxj")
    if args.firms:
        started = time.perf_counter()
        seed_firms(shape, args.firms)
        print(f"seeded {args.firms} firms in {time.perf_counter() - started:.1f} s", flush=True)
    shape.start_all()
    # The demo seed queued its own messages: let the dispatch workers deliver them before measuring.
    print(f"backlog left before the load: {shape.wait_delivered()}", flush=True)
    with psycopg.connect(shape.database_url) as conn:
        policy_ids = [r[0] for r in conn.execute("SELECT id FROM policy WHERE status = 'published'")]
        before = conn.execute("SELECT count(*) FROM consultation").fetchone()[0]

    report_path = Path(tempfile.mkdtemp(prefix="policyhub-load-")) / "report.json"
    env = {**shape.env, "LOAD_POLICY_IDS": ",".join(map(str, policy_ids)), "LOAD_STAFF_TOKEN": staff_token,
           "LOAD_MIX": args.mix, "LOAD_MAX_REQUESTS": str(args.requests), "LOAD_REPORT": str(report_path)}
    locust = subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--only-summary",
         "--users", str(args.clients), "--spawn-rate", str(args.clients), "--run-time", f"{args.seconds:.0f}s",
         "--host", shape.base_url, "--stop-timeout", "10", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(report_path.parent / "locust.log").open("w"))
    publish: dict = {}
    if args.firms:
        publish = publish_during_load(shape, editor_token)
    if locust.wait(timeout=args.seconds + 120) != 0 and not report_path.exists():
        print((report_path.parent / "locust.log").read_text(encoding="utf-8")[-3000:])
        return 1
    result = json.loads(report_path.read_text(encoding="utf-8"))
    report(result, args)
    return check_database(shape, before, result["accepted"], publish)


def publish_during_load(shape: ProductionShape, editor_token: str) -> dict:
    """Create and publish a policy that matches every seeded firm, over the API, while the clients run."""
    import requests

    time.sleep(2)
    headers = {"Authorization": f"Bearer {editor_token}"}
    created = requests.post(shape.base_url + "/api/v1/policies", headers=headers, timeout=60, json={
        "title": "压测：铝加工小微企业设备补助", "body": "本市从事铝压延加工的小微企业均可申报。",
        "criteria": {"industries": ["32"], "sizes": ["small", "micro"]}}).json()
    started = time.perf_counter()
    published = requests.post(f"{shape.base_url}/api/v1/policies/{created['id']}/publish", headers=headers, timeout=300)
    body = published.json()
    print(f"publish during load: {published.status_code} in {time.perf_counter() - started:.1f} s: "
          f"{ {k: body.get(k) for k in ('matched', 'notifications_queued', 'fanout')} }", flush=True)
    return {"policy_id": created["id"], "status": published.status_code}


def report(result: dict, args: argparse.Namespace) -> None:
    """Locust's figures per kind and overall, and the status counts the locustfile kept."""
    overall = result["all"]
    seconds = overall["seconds"] or 1e-9
    statuses: dict[str, int] = {}
    for kind in result["kinds"].values():
        for status, count in kind["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    errors = sum(count for status, count in statuses.items() if int(status) == 0 or int(status) >= 500)
    print(f"\n{overall['n']} requests in {seconds:.1f} s by {args.clients} locust users: {overall['n'] / seconds:.0f} "
          f"req/s; 5xx or no answer: {errors}")
    print(f"{'kind':<14}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    for name in KINDS + ["all"]:
        row = overall | {"statuses": statuses} if name == "all" else result["kinds"].get(name)
        if row:
            print(f"{name:<14}{row['n']:>7}{row['p50']:>9.0f}{row['p95']:>9.0f}{row['p99']:>9.0f}  "
                  f"{dict(sorted(row['statuses'].items()))}")


def check_database(shape: ProductionShape, before: int, accepted: list[dict], publish: dict) -> int:
    """Every accepted consultation stored once with the deadline it was given; every alert queued once."""
    problems = []
    with psycopg.connect(shape.database_url) as conn:
        after = conn.execute("SELECT count(*) FROM consultation").fetchone()[0]
        stored = {code: (count, due_at) for code, count, due_at in conn.execute(
            "SELECT tracking_code, count(*), max(due_at) FROM consultation GROUP BY tracking_code")}
        for item in accepted:
            count, due_at = stored.get(item["tracking_code"], (0, None))
            if count != 1 or due_at is None or due_at.isoformat() != item["due_at"].replace("Z", "+00:00"):
                problems.append(f"consultation {item['tracking_code']}: stored {count}, due_at {due_at} vs {item['due_at']}")
        if after - before != len(accepted):
            problems.append(f"{after - before} consultations stored for {len(accepted)} accepted")
        print(f"consultations: {len(accepted)} accepted, {after - before} stored, "
              f"{sum(1 for i in accepted if stored.get(i['tracking_code'], (0,))[0] == 1)} once with their deadline")
        if publish:
            policy_id = publish["policy_id"]
            matched, queued, doubled = conn.execute(
                "SELECT (SELECT count(*) FROM policy_match WHERE policy_id = %(p)s),"
                " (SELECT count(*) FROM notification WHERE policy_id = %(p)s),"
                " (SELECT count(*) FROM (SELECT enterprise_id, channel FROM notification WHERE policy_id = %(p)s"
                "  GROUP BY enterprise_id, channel HAVING count(*) > 1) d)", {"p": policy_id}).fetchone()
            print(f"alerts: {matched} matches, {queued} notifications queued, {doubled} doubled")
            if doubled or queued < matched:
                problems.append(f"alerts: {queued} queued for {matched} matches, {doubled} doubled")
    for problem in problems[:20]:
        print("PROBLEM", problem)
    print("database check:", "ok" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
