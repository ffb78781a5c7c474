"""Load run against the production shape: mixed anonymous, consultation and staff traffic; then the database is checked.

Starts the shape of scripts/prodshape.py on loopback (gunicorn workers, scheduler, dispatch workers,
PostgreSQL, Redis), or uses --url. Closed-loop clients (threads, keep-alive connections) send:
policy search (API and page), policy pages, consultation submissions with X-Forwarded-For spread over
many addresses (as nginx sets it), staff API reads. Bounded by --requests and --seconds. With --firms N,
N enterprises are seeded and a policy matching them all is published while the load runs.
Prints throughput, p50/p95/p99 per kind and overall, status counts; then checks that every accepted
consultation is stored once with its deadline and every alert is queued once. Not a test: it prints.
Run: .venv/bin/python bench/load_mixed.py [--requests 20000] [--seconds 60] [--clients 24] [--firms 100000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from prodshape import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, ProductionShape  # noqa: E402

WORDS = ["补贴", "奖励", "小微企业", "研发", "高新技术", "融资", "人才", "铝", "纺织", "数字化", "专精特新", "税收"]
# kind → weight in the mix
MIX = {"api_search": 30, "page_search": 20, "policy_page": 20, "staff_read": 15, "consultation": 15}


class Client(threading.Thread):
    """One closed-loop client on a keep-alive connection; records (kind, status, seconds, body) per request."""

    def __init__(self, number: int, base_url: str, plan: Plan, stop_at: float, budget: Budget) -> None:
        super().__init__(daemon=True)
        self.rng = random.Random(number)
        self.number = number
        self.plan, self.stop_at, self.budget = plan, stop_at, budget
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.records: list[tuple[str, int, float]] = []
        self.accepted: list[dict] = []
        self.sent_consultations = 0

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                # A worker recycled (max_requests) or closed the keep-alive socket: reconnect once.
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    return 0, b""
        return 0, b""

    def run(self) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        while time.monotonic() < self.stop_at and self.budget.take():
            kind = self.rng.choices(kinds, weights)[0]
            method, path, body, headers = self.plan.build(kind, self.rng, self)
            started = time.perf_counter()
            status, payload = self.request(method, path, body, headers)
            self.records.append((kind, status, time.perf_counter() - started))
            if kind == "consultation" and status == 201:
                self.accepted.append(json.loads(payload))
        self.connection.close()


class Budget:
    """At most `total` requests over all clients."""

    def __init__(self, total: int) -> None:
        self.left, self.lock = total, threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


class Plan:
    """What each kind of request looks like."""

    def __init__(self, policy_ids: list[int], staff_token: str) -> None:
        self.policy_ids, self.staff_token = policy_ids, staff_token
        self.counter, self.lock = 0, threading.Lock()

    def _next(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def build(self, kind: str, rng: random.Random, client: Client) -> tuple[str, str, bytes | None, dict[str, str]]:
        # Each request as if from its own visitor behind nginx (PROXY_FIX=1 trusts one hop).
        address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        headers = {"X-Forwarded-For": address}
        if kind == "api_search":
            return "GET", f"/api/v1/policies?q={quote(rng.choice(WORDS))}", None, headers
        if kind == "page_search":
            return "GET", f"/?q={quote(rng.choice(WORDS))}", None, headers
        if kind == "policy_page":
            return "GET", f"/policies/{rng.choice(self.policy_ids)}", None, headers
        if kind == "staff_read":
            path = rng.choice(["/api/v1/consultations?status=open", "/api/v1/notifications?status=pending",
                               f"/api/v1/policies/{rng.choice(self.policy_ids)}/matches"])
            return "GET", path, None, headers | {"Authorization": f"Bearer {self.staff_token}"}
        number = self._next()
        body = {"question": f"压测咨询 {number}：申请该政策需要准备哪些材料？", "contact_name": "压测",
                "mobile": f"137{number:08d}", "policy_id": rng.choice(self.policy_ids)}
        return "POST", "/api/v1/consultations", json.dumps(body).encode(), headers | {"Content-Type": "application/json"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


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
    parser.add_argument("--mix", default="", help="kind=weight,... to change the mix (e.g. api_search=0)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    args = parser.parse_args()
    for part in filter(None, args.mix.split(",")):
        kind, _, weight = part.partition("=")
        if kind not in MIX:
            parser.error(f"--mix: unknown kind {kind!r}; kinds: {', '.join(MIX)}")
        MIX[kind] = int(weight)

    shape = ProductionShape(database_url=args.database_url, redis_url=args.redis_url,
                            extra_env={"GUNICORN_THREADS": str(args.threads), "GUNICORN_MAX_REQUESTS": "0"})
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

    plan, budget = Plan(policy_ids, staff_token), Budget(args.requests)
    started = time.monotonic()
    clients = [Client(n, shape.base_url, plan, started + args.seconds, budget) for n in range(args.clients)]
    for client in clients:
        client.start()
    publish: dict = {}
    if args.firms:
        publish = publish_during_load(shape, editor_token)
    for client in clients:
        client.join()
    elapsed = time.monotonic() - started

    records = [r for c in clients for r in c.records]
    accepted = [a for c in clients for a in c.accepted]
    report(records, elapsed, args)
    return check_database(shape, before, accepted, publish)


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


def report(records: list[tuple[str, int, float]], elapsed: float, args: argparse.Namespace) -> None:
    by_kind: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter] = defaultdict(Counter)
    for kind, status, seconds in records:
        by_kind[kind].append(seconds)
        statuses[kind][status] += 1
    every = [s for _, _, s in records]
    errors = sum(1 for _, status, _ in records if status == 0 or status >= 500)
    print(f"\n{len(records)} requests in {elapsed:.1f} s by {args.clients} clients: {len(records) / elapsed:.0f} req/s; "
          f"5xx or no answer: {errors}")
    print(f"{'kind':<14}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    for kind in list(MIX) + ["all"]:
        values = every if kind == "all" else by_kind.get(kind, [])
        counts = sum(statuses.values(), Counter()) if kind == "all" else statuses.get(kind, Counter())
        print(f"{kind:<14}{len(values):>7}{percentile(values, .5) * 1000:>9.0f}{percentile(values, .95) * 1000:>9.0f}"
              f"{percentile(values, .99) * 1000:>9.0f}  {dict(sorted(counts.items()))}")


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
