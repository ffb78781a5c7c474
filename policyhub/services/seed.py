"""Demo data: departments, staff logins and the policy texts in data/demo, loaded idempotently."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from matcher._data import DATA_DIR
from policyhub.extensions import db
from policyhub.models import Department, Policy, User
from policyhub.models.base import utcnow
from policyhub.services import departments as departments_service
from policyhub.services import policies as policies_service
from policyhub.services import users as users_service
from policyhub.services.enterprise_import import import_enterprises
from policyhub.services.enterprises import enterprise_by_credit_code
from policyhub.timeutil import local_date

__all__ = ["DEMO_DIR", "DEMO_USERS", "SeedReport", "parse_demo_policy", "seed_demo"]

DEMO_DIR = DATA_DIR / "demo"

# (username, role, department, display name, password): printed by `make run` for the demo only.
DEMO_USERS = (
    ("admin", "admin", None, "系统管理员", "admin-demo-2026"),
    ("editor", "editor", "gxj", "工信局政策编辑", "editor-demo-2026"),
    ("editor-tax", "editor", "tax", "税务局政策编辑", "editor-demo-2026"),
    ("answerer", "answerer", "gxj", "工信局答复人", "answerer-demo-2026"),
    ("supervisor", "supervisor", "yshj", "营商办督办", "supervisor-demo-2026"),
)
_LIST_KEYS = ("industries", "excluded_industries", "sizes", "regions", "qualifications")


@dataclass
class SeedReport:
    departments: int = 0
    users: int = 0
    policies: int = 0
    published: int = 0
    expired: int = 0
    enterprises: int = 0


def parse_demo_policy(text: str) -> dict[str, Any]:
    """A demo policy file (a `key: value` header, a `---` line, the body) as create_policy values."""
    header, sep, body = text.partition("\n---\n")
    if not sep:
        raise ValueError("demo policy file has no '---' line between header and body")
    meta: dict[str, str] = {}
    for line in header.splitlines():
        if line.strip():
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
    criteria: dict[str, Any] = {k: [v for v in meta.get(k, "").split(";") if v] for k in _LIST_KEYS}
    criteria["above_scale_only"] = meta.get("above_scale_only", "false").lower() == "true"

    def day(key: str) -> date | None:
        return date.fromisoformat(meta[key]) if meta.get(key) else None

    return {
        "title": meta["title"],
        "doc_number": meta.get("doc_number") or None,
        "department": meta["department"],
        "issued_on": day("issued_on"),
        "effective_from": day("effective_from"),
        "effective_to": day("effective_to"),
        "criteria": criteria,
        "body": body.strip(),
    }


def _demo_enterprises_loaded(path: Path) -> bool:
    """Whether the demo enterprises are in (their first credit code is), so a re-run leaves them untouched."""
    with open(path, encoding="utf-8", newline="") as f:
        first = next(csv.DictReader(f), None)
    return first is not None and enterprise_by_credit_code(first["credit_code"]) is not None


def seed_demo(demo_dir: Path = DEMO_DIR, now: datetime | None = None) -> SeedReport:
    """Load what is missing of the demo data; running it twice adds nothing the second time."""
    report = SeedReport()
    with open(demo_dir / "departments.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if departments_service.department_by_code(row["code"]) is None:
                departments_service.create_department(None, code=row["code"], name=row["name"],
                                                      email=row.get("email") or None,
                                                      phone=row.get("phone") or None)
                report.departments += 1
    for username, role, department, display_name, password in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            users_service.create_user(username, role, department_code=department, password=password,
                                      display_name=display_name)
            report.users += 1
    # Enterprises first: publishing the policies then matches them in one vectorised pass each.
    enterprises_csv = demo_dir / "enterprises.csv"
    if enterprises_csv.exists() and not _demo_enterprises_loaded(enterprises_csv):
        result = import_enterprises(None, enterprises_csv.name, enterprises_csv.read_bytes(), notify=True)
        if result.errors:
            raise ValueError(f"demo enterprises have errors: {result.errors[:5]}")
        report.enterprises = result.created
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    now = now or utcnow()
    today = local_date(now)
    for path in sorted((demo_dir / "policies").glob("*.txt")):
        values = parse_demo_policy(path.read_text(encoding="utf-8"))
        exists = db.session.scalar(
            select(Policy.id).join(Department).where(Department.code == values["department"],
                                                     Policy.title == values["title"])
        )
        if exists is not None:
            continue
        policy = policies_service.create_policy(admin, values, now=now)
        report.policies += 1
        if policy.effective_to is None or policy.effective_to >= today:
            policies_service.publish_policy(admin, policy, now=now)
            report.published += 1
        else:
            # Shown as it would be after its life: published once, expired by the nightly job.
            policy.status = "published"
            policy.published_at = now
            report.expired += len(policies_service.expire_policies(now))
    db.session.flush()
    return report
