"""Benchmark: three dispatch workers on PostgreSQL delivering N queued emails to a loopback aiosmtpd server.

The production shape of scripts/prodshape.py: N firms (COPY) with an instant email subscription, a policy
with no restriction published through the API and fanned out (``flask policies fanout --once``), so the
outbox holds N real policy alerts. Their ``next_attempt_at`` is put an hour ahead, three
``flask notify dispatch`` workers are started with ``POLICYHUB_MAIL_SERVER`` on the loopback server and
left to settle; then the rows are made due at once and the time until none is pending or sending is taken.
Baseline in the same run, to the same server: one raw ``smtplib`` connection sending N messages of the
rendered size (once before and once after the workers; the mean rate counts).
The server (aiosmtpd, a child process) records each message's ``X-Policyhub-Key``: no key twice, none
missing, and every row ``sent``. Target: the three workers together >= 60% of the raw rate.
Prints its figures; not a test.
Run: PYTHONPATH=. .venv/bin/python bench/dispatch_3_workers.py [--emails 3000] [--workers 3] [--batch 100] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import smtplib
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "notifier"))

from prodshape import ProductionShape  # noqa: E402

TARGET = 0.60
KEY = re.compile(rb"^X-Policyhub-Key: *(.+?)\r?$", re.M | re.I)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- the server, in a child process ----------------------------------------------------------

def serve() -> None:
    """aiosmtpd on loopback; prints its port; on stdin's end prints the keys it received (JSON) and stops."""
    from servers import SmtpRecorder, SmtpServer

    class KeyRecorder(SmtpRecorder):
        def __init__(self) -> None:
            super().__init__(count_only=True)
            self.keys: list[str] = []
            self.raw = 0
            self.sizes: list[int] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            found = KEY.search(envelope.content)
            if found:
                self.keys.append(found.group(1).decode())
                if len(self.sizes) < 50:
                    self.sizes.append(len(envelope.content))
            else:
                self.raw += 1
            return await super().handle_DATA(server, session, envelope)

    handler = KeyRecorder()
    server = SmtpServer(handler).start()
    print(server.port, flush=True)
    try:
        for line in sys.stdin:
            if line.strip() == "report":
                print(json.dumps({"keys": handler.keys, "raw": handler.raw, "sizes": handler.sizes}), flush=True)
    finally:
        server.stop()


class Server:
    def __init__(self) -> None:
        self.child = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
        assert self.child.stdout is not None
        self.port = int(self.child.stdout.readline())

    def report(self) -> dict:
        assert self.child.stdin is not None and self.child.stdout is not None
        self.child.stdin.write("report\n")
        self.child.stdin.flush()
        return json.loads(self.child.stdout.readline())

    def stop(self) -> None:
        assert self.child.stdin is not None
        self.child.stdin.close()
        self.child.wait(timeout=10)


# --- the run ----------------------------------------------------------------------------------

def seed_firms(database_url: str, n: int) -> None:
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        with cur.copy("COPY enterprise (credit_code, name, industry_code, employees, revenue_wan, size, size_source, "
                      "above_scale, region_code, business_scope, qualifications, mobile, email, source, created_at, "
                      "updated_at) FROM STDIN") as copy:
            for i in range(n):
                copy.write_row((f"M{i:017d}", f"投递压测企业{i}", "3216", 50, 900.0, "small", "derived", False,
                                "371602", "铝型材加工", "[]", f"137{i:08d}", f"firm{i}@example.com", "bench", "now()",
                                "now()"))
        cur.execute("INSERT INTO subscription (enterprise_id, channel, active, frequency, topics, consent_at, "
                    "consent_source) SELECT id, 'email', true, 'instant', '[]', now(), 'bench' FROM enterprise "
                    "WHERE source = 'bench'")
        cur.execute("INSERT INTO department (code, name, approval_required, created_at) "
                    "VALUES ('gxj', '滨州市工业和信息化局', false, now())")
        conn.commit()


def raw_rate(port: int, count: int, size: int) -> float:
    """Messages a second through one smtplib connection, pre-rendered, of about ``size`` bytes."""
    head = (b"From: noreply@zc.binzhou.gov.cn\r\nTo: raw@example.com\r\nSubject: raw smtplib baseline\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
    data = head + (b"x" * 70 + b"\r\n") * max((size - len(head)) // 72, 1)
    smtp = smtplib.SMTP("127.0.0.1", port, local_hostname="bench", timeout=10)
    try:
        started = time.perf_counter()
        for n in range(count):
            smtp.sendmail("noreply@zc.binzhou.gov.cn", [f"raw{n}@example.com"], data)
        seconds = time.perf_counter() - started
    finally:
        smtp.quit()
    return count / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--emails", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--batch", type=int, default=None, help="POLICYHUB_DISPATCH_BATCH_SIZE (unset: the default)")
    parser.add_argument("--threads", type=int, default=2,
                        help="POLICYHUB_DISPATCH_THREADS, sending threads per worker (default: 2, as deploy/policyhub.env)")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/wt_bench11")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    if args.serve:
        serve()
        return 0
    server = Server()
    extra = {"POLICYHUB_HEALTH_REQUIRE_SCHEDULER": "0", "POLICYHUB_MAIL_SERVER": "127.0.0.1",
             "POLICYHUB_MAIL_PORT": str(server.port), "POLICYHUB_FANOUT_WAIT_SECONDS": "0"}
    if args.batch:
        extra["POLICYHUB_DISPATCH_BATCH_SIZE"] = str(args.batch)
    extra["POLICYHUB_DISPATCH_THREADS"] = str(args.threads)
    shape = ProductionShape(database_url=args.database_url, redis_url=args.redis_url, web_workers=1,
                            dispatch_workers=0, extra_env=extra)
    print(f"bench/dispatch_3_workers.py, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"{args.emails} emails, {args.workers} workers ({args.threads} sending threads each), smtp on 127.0.0.1:{server.port}, logs in {shape.workdir}",
          flush=True)
    try:
        return run(shape, server, args)
    finally:
        print("stopped:", shape.stop_all())
        server.stop()


def run(shape: ProductionShape, server: Server, args: argparse.Namespace) -> int:
    n = args.emails
    shape.reset_database()
    seed_firms(shape.database_url, n)
    token = shape.create_token("bench-editor", "editor", "gxj")
    web = shape.start_web()
    shape.wait_healthy()
    headers = {"Authorization": f"Bearer {token}"}
    policy_id = requests.post(shape.base_url + "/api/v1/policies", headers=headers, timeout=60, json={
        "title": "投递压测：全市企业普惠政策", "body": "本市行政区域内的企业均可申报。", "criteria": {}}).json()["id"]
    requests.post(f"{shape.base_url}/api/v1/policies/{policy_id}/publish", headers=headers,
                  timeout=60).raise_for_status()
    web.stop()
    print(shape.flask("policies", "fanout", "--once").strip())
    with psycopg.connect(shape.database_url) as conn:
        conn.execute("UPDATE notification SET next_attempt_at = now() + interval '1 hour'")
        conn.commit()
        queued = conn.execute("SELECT count(*) FROM notification WHERE status = 'pending' AND channel = 'email'"
                              ).fetchone()[0]
    print(f"queued: {queued} email alerts (load {load()})", flush=True)

    # Warm the server, measure the message size the workers send with a first probe message later.
    raw_before = raw_rate(server.port, n, 3000)
    print(f"raw smtplib before: {raw_before:.0f} msg/s (load {load()})", flush=True)

    workers = [shape.start_dispatch(f"dispatch-{k}") for k in range(1, args.workers + 1)]
    time.sleep(6)  # imported, connected, one idle pass each
    exited = [w.name for w in workers if w.popen.poll() is not None]
    if exited:
        print("\n".join(w.log()[-2000:] for w in workers))
        return 1
    load_before = load()
    with psycopg.connect(shape.database_url, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute("UPDATE notification SET next_attempt_at = now()")
        left, last_print = -1, 0.0
        while time.perf_counter() - started < 600:
            left = conn.execute("SELECT count(*) FROM notification WHERE status IN ('pending', 'sending')"
                                ).fetchone()[0]
            if left == 0:
                break
            if time.perf_counter() - last_print > 5:
                last_print = time.perf_counter()
                print(f"  {last_print - started:5.1f} s: {left} left (load {load()})", flush=True)
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        statuses = dict(conn.execute("SELECT status, count(*) FROM notification GROUP BY status").fetchall())
        keys_db = {k for (k,) in conn.execute("SELECT idempotency_key FROM notification WHERE channel = 'email'")}
        span = conn.execute("SELECT extract(epoch FROM max(sent_at) - min(sent_at)) FROM notification").fetchone()[0]
    load_after = load()
    for w in workers:
        w.stop()
    report = server.report()
    size = int(sum(report["sizes"]) / len(report["sizes"])) if report["sizes"] else 3000
    raw_after = raw_rate(server.port, n, size)
    print(f"raw smtplib after: {raw_after:.0f} msg/s, messages of {size} bytes (load {load()})", flush=True)
    raw = (raw_before + raw_after) / 2
    ours = n / seconds
    received = Counter(report["keys"])
    twice = {k: c for k, c in received.items() if c > 1}
    missing = keys_db - set(received)
    strangers = set(received) - keys_db
    per_worker = {w.name: sum(int(m) for m in re.findall(r"sent: (\d+)", w.log())) for w in workers}
    ratio = ours / raw
    print(f"\nfigures, {n} emails, PostgreSQL, {args.workers} dispatch workers, {os.cpu_count()} cores:")
    print(f"  raw smtplib, one connection:   {raw:7.0f} msg/s  (before {raw_before:.0f}, after {raw_after:.0f})")
    print(f"  {args.workers} dispatch workers together: {ours:7.0f} msg/s  ({n} due → none pending in {seconds:.2f} s; "
          f"first to last sent_at {float(span or 0):.2f} s) = {ratio:.0%} of raw   target >= {TARGET:.0%}: "
          f"{'met' if ratio >= TARGET else 'MISSED'}  (load {load_before} → {load_after})")
    print(f"  per worker: {per_worker}; statuses: {statuses}")
    print(f"  server received {len(report['keys'])} keyed messages ({len(received)} distinct); twice: {len(twice)}; "
          f"missing: {len(missing)}; unknown: {len(strangers)}")
    ok = not twice and not missing and not strangers and statuses.get("sent", 0) == len(keys_db)
    print(f"  check: {'ok' if ok else 'PROBLEM'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
