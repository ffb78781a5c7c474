"""Benchmark: publish a policy that matches ~100,000 enterprises, through to commit (target <= 5 s on SQLite).

Seeds N enterprises (default 300,000; a third of them small/micro aluminium firms with an SMS or email
subscription), then times publish_policy() + commit: criteria to
matches (vectorised), match rows and outbox rows written with executemany. Beside it, in the same run,
a straightforward per-enterprise loop: the matcher's rules one enterprise at a time and one ORM object
per match and per message, on a second policy with the same criteria.
Run: .venv/bin/python bench/publish_100k.py [N]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

import flask_migrate
from sqlalchemy import func, insert, select

from matcher.criteria import Criteria, EnterpriseProfile
from matcher.evaluate import rule_verdict
from policyhub import create_app
from policyhub.extensions import db
from policyhub.models import Department, Enterprise, Notification, PolicyMatch, Subscription, User, utcnow
from policyhub.services.policies import create_policy, publish_policy, withdraw_policy
from policyhub.services.users import create_user

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
CRITERIA = {"industries": ["32"], "sizes": ["small", "micro"], "regions": ["371600"]}
BODY = "一、支持对象\n本市行政区域内从事铝冶炼、铝压延加工的小微企业。\n二、支持标准\n按设备投资额的 10% 给予补助。"


def seed(n: int) -> None:
    rng = random.Random(4754)
    db.session.add(Department(code="gxj", name="滨州市工业和信息化局"))
    db.session.flush()
    create_user("editor", "editor", department_code="gxj")
    now = utcnow()
    regions = ["371602", "371603", "371621", "371622", "371623", "371625", "371681"]
    batch, subs = [], []
    for i in range(n):
        target = i % 3 == 0
        batch.append({
            "credit_code": f"B{i:017d}", "name": f"滨州测试企业{i}", "industry_code": rng.choice(
                ["3216", "3252"] if target else ["1771", "2614", "5211", "6513"]),
            "employees": rng.randint(5, 200), "revenue_wan": rng.uniform(50, 1800), "size": (
                "small" if target else rng.choice(["large", "medium", "small", "micro"])),
            "size_source": "derived", "above_scale": False, "region_code": rng.choice(regions),
            "business_scope": "铝型材、铝板带的生产加工销售" if target else "纺织品、化工产品销售",
            "qualifications": [], "mobile": f"138{i:08d}", "email": f"e{i}@example.com", "source": "bench",
            "created_at": now, "updated_at": now,
        })
        if len(batch) == 20_000:
            _flush(batch, subs, rng, now)
    _flush(batch, subs, rng, now)
    db.session.commit()


def _flush(batch: list, subs: list, rng: random.Random, now) -> None:
    if not batch:
        return
    ids = db.session.execute(insert(Enterprise).returning(Enterprise.id), batch).scalars().all()
    db.session.execute(insert(Subscription), [
        {"enterprise_id": i, "channel": rng.choice(["sms", "email"]), "active": True, "frequency": "instant",
         "topics": [], "consent_at": now, "consent_source": "bench"} for i in ids])
    batch.clear()


def _profile(e: Enterprise) -> EnterpriseProfile:
    return EnterpriseProfile(id=e.id, name=e.name, industry_code=e.industry_code, size=e.size,
                             region_code=e.region_code, qualifications=frozenset(e.qualifications or ()),
                             above_scale=e.above_scale, business_scope=e.business_scope or "",
                             employees=e.employees, revenue_wan=e.revenue_wan, assets_wan=e.assets_wan)


def naive_publish(policy_id: int) -> int:
    """One enterprise at a time: the rules, then an ORM object per match and per message."""
    criteria = Criteria.from_dict(CRITERIA)
    now = utcnow()
    count = 0
    for enterprise in db.session.scalars(select(Enterprise)).yield_per(5000):
        verdict = rule_verdict(_profile(enterprise), criteria)
        if verdict is None:
            continue
        db.session.add(PolicyMatch(policy_id=policy_id, enterprise_id=enterprise.id, eligibility=verdict,
                                   score=0.0, reasons=[], missing=[], created_at=now))
        for subscription in enterprise.subscriptions:
            db.session.add(Notification(kind="policy_match", channel=subscription.channel,
                                        idempotency_key=f"naive:{policy_id}:{enterprise.id}:{subscription.channel}",
                                        policy_id=policy_id, enterprise_id=enterprise.id,
                                        recipient=enterprise.mobile if subscription.channel == "sms" else enterprise.email,
                                        subject="", body_text="惠企政策提醒", next_attempt_at=now, created_at=now))
        count += 1
    db.session.commit()
    return count


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/publish.db", "INSTANCE_PATH": folder,
                          "SECRET_KEY": "bench"})
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS)
            started = time.perf_counter()
            seed(n)
            print(f"seeded {n} enterprises in {time.perf_counter() - started:.1f} s")
            editor = db.session.scalar(select(User))
            fast = create_policy(editor, {"title": "滨州市支持小微铝企业技术改造的若干措施", "body": BODY,
                                          "criteria": CRITERIA})
            slow = create_policy(editor, {"title": "对照：逐个企业匹配", "body": BODY, "criteria": CRITERIA})
            db.session.commit()
            started = time.perf_counter()
            result = publish_policy(editor, fast)
            db.session.commit()
            publish_s = time.perf_counter() - started
            rows = db.session.scalar(select(func.count(Notification.id)))
            # The lifecycle on the same policy: withdraw cancels every alert, republish revives them all.
            started = time.perf_counter()
            withdrawn = withdraw_policy(editor, fast)
            db.session.commit()
            withdraw_s = time.perf_counter() - started
            started = time.perf_counter()
            again = publish_policy(editor, fast)
            db.session.commit()
            republish_s = time.perf_counter() - started
            started = time.perf_counter()
            naive = naive_publish(slow.id)
            naive_s = time.perf_counter() - started
    print(f"publish → committed: {result.matched} matches, {result.notifications_queued} outbox rows "
          f"({rows} in table) in {publish_s:.2f} s   target <= 5 s: {'met' if publish_s <= 5 else 'MISSED'}")
    print(f"withdraw → committed: {withdrawn.notifications_cancelled} alerts cancelled in {withdraw_s:.2f} s; "
          f"republish → committed: {again.notifications_queued} alerts revived in {republish_s:.2f} s")
    print(f"per-enterprise loop (rules + ORM objects): {naive} matches in {naive_s:.2f} s  "
          f"→ publish is {naive_s / publish_s:.1f}x faster")


if __name__ == "__main__":
    main()
