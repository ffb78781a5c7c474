"""Benchmark: publish a policy matching 70,000 of 100,000 firms, committed, against the raw insert floor (target <= 1.5x).

Seeds N enterprises (default 100,000; 70% small aluminium firms the policy concerns, each with one SMS or
email subscription), forgets any match index (decisions read the committed profiles from the database,
so the first publish after a restart has nothing to build), then times
the publish as the embedded default runs it: the publish transaction (state change + fan-out job), then
the fan-out in committed chunks (match rows + outbox rows). In the same run, the floor: the very rows it
wrote, read back and inserted with bare sqlite3 ``executemany`` into the same two tables (same columns,
indexes and unique constraints) of a fresh database file on the same disk, one commit.
Run: PYTHONPATH=. .venv/bin/python bench/publish_floor.py [N] [CHUNK]  (PYTHONPATH: this checkout's policyhub)
"""

from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import flask_migrate
from sqlalchemy import insert, select

from policyhub import create_app
from policyhub.extensions import db
from policyhub.models import Department, Enterprise, Subscription, User, utcnow
from policyhub.push import fanout
from policyhub.services.policies import create_policy, publish_policy
from policyhub.services.users import create_user

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
CRITERIA = {"industries": ["32"], "sizes": ["small", "micro"], "regions": []}
BODY = "一、支持对象\n本市行政区域内从事铝冶炼、铝压延加工的小微企业。\n二、支持标准\n按设备投资额的 10% 给予补助。"
TARGET = 1.5
TABLES = ("policy_match", "notification")


def seed(n: int, share: float) -> None:
    rng = random.Random(4754)
    db.session.add(Department(code="gxj", name="滨州市工业和信息化局"))
    db.session.flush()
    create_user("editor", "editor", department_code="gxj")
    now = utcnow()
    batch: list[dict] = []
    for i in range(n):
        target = rng.random() < share
        batch.append({
            "credit_code": f"B{i:017d}", "name": f"滨州测试企业{i}",
            "industry_code": rng.choice(["3216", "3252"] if target else ["1771", "2614", "5211", "6513"]),
            "employees": rng.randint(5, 90), "revenue_wan": rng.uniform(50, 1800),
            "size": "small" if target else rng.choice(["large", "medium", "small", "micro"]),
            "size_source": "derived", "above_scale": False, "region_code": "371602",
            "business_scope": "铝型材、铝板带的生产加工销售" if target else "纺织品、化工产品销售",
            "qualifications": [], "mobile": f"138{i:08d}", "email": f"e{i}@example.com", "source": "bench",
            "created_at": now, "updated_at": now,
        })
        if len(batch) == 20_000 or i == n - 1:
            ids = db.session.execute(insert(Enterprise).returning(Enterprise.id), batch).scalars().all()
            db.session.execute(insert(Subscription), [
                {"enterprise_id": e, "channel": rng.choice(["sms", "email"]), "active": True,
                 "frequency": "instant", "topics": [], "consent_at": now, "consent_source": "bench"} for e in ids])
            batch.clear()
    db.session.commit()


def insert_floor(source: str, folder: str, policy_id: int) -> tuple[float, int]:
    """Seconds for bare sqlite3 executemany + commit of the policy's match and outbox rows; how many rows."""
    src = sqlite3.connect(source)
    target_path = Path(folder) / "floor.db"
    dst = sqlite3.connect(target_path)
    rows: dict[str, tuple[str, list[tuple]]] = {}
    for table in TABLES:
        for (sql,) in src.execute("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
                                  "ORDER BY type DESC", (table,)):
            dst.execute(sql)  # the table first ('table' > 'index'), then its indexes
        columns = [c[1] for c in src.execute(f"PRAGMA table_info({table})") if c[1] != "id"]
        data = src.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE policy_id = ?", (policy_id,)).fetchall()
        rows[table] = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", data)
    dst.commit()
    src.close()
    started = time.perf_counter()
    for sql, data in rows.values():
        dst.executemany(sql, data)
    dst.commit()
    seconds = time.perf_counter() - started
    dst.close()
    return seconds, sum(len(d) for _, d in rows.values())


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    chunk = int(sys.argv[2]) if len(sys.argv) > 2 else 5000  # the default POLICYHUB_FANOUT_CHUNK_SIZE
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/publish.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "INSTANCE_PATH": folder,
                          "SECRET_KEY": "bench", "FANOUT": "inline", "FANOUT_CHUNK_SIZE": chunk})
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS)
            started = time.perf_counter()
            seed(n, 0.7)
            print(f"seeded {n} enterprises in {time.perf_counter() - started:.1f} s")
            editor = db.session.scalar(select(User))
            policy = create_policy(editor, {"title": "滨州市支持小微铝企业技术改造的若干措施", "body": BODY,
                                            "criteria": CRITERIA})
            db.session.commit()
            started = time.perf_counter()
            result = publish_policy(editor, policy)
            db.session.commit()
            request_s = time.perf_counter() - started
            job = fanout.after_commit(result.fanout_job_id)
            publish_s = time.perf_counter() - started
            matched, queued, chunks, policy_id = job.processed, job.notifications_queued, job.chunks, policy.id
            # The same again in a process that has published before: what a long-running worker sees.
            second = create_policy(editor, {"title": "对照：索引已建好", "body": BODY, "criteria": CRITERIA})
            db.session.commit()
            started = time.perf_counter()
            warm_job_id = publish_policy(editor, second).fanout_job_id
            db.session.commit()
            warm = fanout.after_commit(warm_job_id)
            warm_s = time.perf_counter() - started
            warm_counts = (warm.processed, warm.notifications_queued)
            db.session.remove()
            db.engine.dispose()
        floor_s, rows = insert_floor(path, folder, policy_id)
    ratio = publish_s / floor_s
    print(f"publish transaction (state change + fan-out job): {request_s * 1000:.0f} ms")
    print(f"publish → fan-out committed (first after a start, {chunks} chunks of {chunk}): {matched} matches + "
          f"{queued} outbox rows in {publish_s:.2f} s")
    print(f"raw insert floor (bare sqlite3 executemany, same {rows} rows, same disk): {floor_s:.2f} s")
    print(f"ratio {ratio:.1f}x   target <= {TARGET}x: {'met' if ratio <= TARGET else 'MISSED'}")
    print(f"second publish in the same process: {warm_counts[0]} matches + {warm_counts[1]} outbox rows "
          f"in {warm_s:.2f} s = {warm_s / floor_s:.1f}x the floor")


if __name__ == "__main__":
    main()
