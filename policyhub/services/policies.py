"""Policy use cases: create (text or file), edit as a new version, publish, withdraw, expire."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update

from matcher.facts import extract_facts
from matcher.tokenize import index_tokens, join
from policyhub.extensions import db
from policyhub.models import Department, Policy, PolicyFile, PolicyTarget, PolicyVersion, User, utcnow
from policyhub.models.policy import DRAFT, EXPIRED, PUBLISHED, WITHDRAWN
from policyhub.push import fanout, follows, reconcile
from policyhub.services import approval, audit
from policyhub.services.criteria import extract_criteria, normalise_criteria, targets
from policyhub.services.documents import DocumentError, ExtractedDocument, extract_text
from policyhub.services.errors import Conflict, Forbidden, Invalid, NotFound
from policyhub.timeutil import local_date

__all__ = [
    "EDITABLE_FIELDS",
    "TEXT_FACT_FIELDS",
    "apply_window",
    "PublishResult",
    "Upload",
    "WithdrawResult",
    "can_edit",
    "create_policy",
    "expire_policies",
    "get_policy",
    "publish_policy",
    "update_policy",
    "withdraw_policy",
]

# An edit of these re-matches a published policy (title and body only move the ranking).
_MATCH_FIELDS = {"criteria", "effective_to"}
EDITABLE_FIELDS = ("title", "body", "doc_number", "issued_on", "effective_from", "effective_to",
                   "apply_from", "apply_until", "max_support_wan", "contact", "criteria")
# Fields the engine fills from the text when the editor leaves them empty (matcher.facts reads them).
TEXT_FACT_FIELDS = ("doc_number", "issued_on", "effective_from", "effective_to",
                    "apply_from", "apply_until", "max_support_wan", "contact")
MAX_SUPPORT_WAN = 10_000_000  # 千亿元: anything larger is a typo
MAX_TITLE = 300
MAX_BODY = 1_000_000


@dataclass(frozen=True)
class Upload:
    """A file as received from the editor."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class PublishResult:
    """The policy published and its fan-out job, committed by the caller and run after the commit."""

    policy: Policy
    fanout_job_id: int


@dataclass(frozen=True)
class WithdrawResult:
    policy: Policy
    notifications_cancelled: int = 0


@dataclass
class _Draft:
    values: dict[str, Any] = field(default_factory=dict)
    document: ExtractedDocument | None = None


def get_policy(policy_id: int) -> Policy:
    """The policy with this id, or NotFound."""
    policy = db.session.get(Policy, policy_id)
    if policy is None:
        raise NotFound(f"政策 {policy_id} 不存在")
    return policy


def can_edit(user: User | None, policy: Policy) -> bool:
    """Admins edit every policy; editors only their own department's."""
    if user is None:
        return False
    if user.role == "admin":
        return True
    return user.role == "editor" and user.department_id == policy.department_id


def _require_editor(actor: User, department: Department) -> None:
    if actor.role == "admin":
        return
    if actor.role != "editor":
        raise Forbidden("只有政策编辑或管理员可以管理政策")
    if actor.department_id != department.id:
        raise Forbidden("政策编辑只能管理本部门的政策", fields={"department": "不是本部门"})


def _department_for(actor: User, code: str | None) -> Department:
    if code:
        department = db.session.scalar(select(Department).where(Department.code == code))
        if department is None:
            raise Invalid(f"部门 {code} 不存在", fields={"department": "部门不存在"})
        return department
    if actor.department is None:
        raise Invalid("请指定发文部门", fields={"department": "必填"})
    return actor.department


def _check_text_fields(values: dict[str, Any]) -> None:
    fields: dict[str, str] = {}
    title = values.get("title")
    if "title" in values and (not isinstance(title, str) or not title.strip()):
        fields["title"] = "标题不能为空"
    elif isinstance(title, str) and len(title) > MAX_TITLE:
        fields["title"] = f"标题最多 {MAX_TITLE} 字"
    body = values.get("body")
    if "body" in values and (not isinstance(body, str) or not body.strip()):
        fields["body"] = "正文不能为空"
    elif isinstance(body, str) and len(body) > MAX_BODY:
        fields["body"] = f"正文最多 {MAX_BODY} 字"
    start, end = values.get("effective_from"), values.get("effective_to")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        fields["effective_to"] = "失效日期不能早于生效日期"
    start, end = values.get("apply_from"), values.get("apply_until")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        fields["apply_until"] = "申报截止日期不能早于申报开始日期"
    amount = values.get("max_support_wan")
    if amount is not None and not (isinstance(amount, (int, float)) and 0 <= amount <= MAX_SUPPORT_WAN):
        fields["max_support_wan"] = f"应为 0 到 {MAX_SUPPORT_WAN} 之间的数（万元）"
    contact = values.get("contact")
    if isinstance(contact, str) and len(contact) > 300:
        fields["contact"] = "联系方式最多 300 字"
    if fields:
        raise Invalid("政策信息有误", fields=fields)


def _check_doc_number(department_id: int, doc_number: str | None, policy_id: int | None = None) -> None:
    if not doc_number:
        return
    stmt = select(Policy.id).where(Policy.department_id == department_id, Policy.doc_number == doc_number)
    if policy_id is not None:
        stmt = stmt.where(Policy.id != policy_id)
    if db.session.scalar(stmt) is not None:
        raise Conflict(f"本部门已有文号为 {doc_number} 的政策", fields={"doc_number": "文号已存在"})


def _doc_number_taken(department_id: int, doc_number: str, policy_id: int | None) -> bool:
    stmt = select(Policy.id).where(Policy.department_id == department_id, Policy.doc_number == doc_number)
    if policy_id is not None:
        stmt = stmt.where(Policy.id != policy_id)
    return db.session.scalar(stmt) is not None


def _facts_from_text(title: str, body: str, *, current: dict[str, Any], given: set[str],
                     refill: set[str], department_id: int, policy_id: int | None = None,
                     ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read the text's facts; return the values to set and the facts record to store.

    A field is filled from the text when the editor left it empty, or when it was filled from the text
    before (`refill`) and the editor does not set it now. What the editor sets is never overwritten.
    """
    facts = extract_facts(title, body)
    read = facts.to_dict()
    evidence = read.pop("evidence")
    values: dict[str, Any] = {}
    filled: list[str] = []
    for name in TEXT_FACT_FIELDS:
        if name in given:
            continue
        if current.get(name) is not None and name not in refill:
            continue
        value = getattr(facts, name)
        if name == "doc_number" and value and _doc_number_taken(department_id, value, policy_id):
            value = None  # another policy of the department holds it: the editor decides
        if value is None and name not in refill:
            continue
        values[name] = value
        if value is not None:
            filled.append(name)
    for first, last in (("effective_from", "effective_to"), ("apply_from", "apply_until")):
        start, end = values.get(first, current.get(first)), values.get(last, current.get(last))
        if start and end and end < start:  # a misread pair is dropped, not stored inconsistent
            for name in (first, last):
                if name in filled:
                    values[name] = None if name in refill else current.get(name)
                    filled.remove(name)
    return values, {"read": read, "evidence": evidence, "filled": filled}


def _read_upload(upload: Upload) -> ExtractedDocument:
    try:
        return extract_text(upload.filename, upload.data)
    except DocumentError as exc:
        error = Invalid(exc.message, fields={"file": exc.message}, code=exc.code)
        error.status = exc.status
        raise error from exc


def _title_from(document: ExtractedDocument) -> str:
    if document.title and document.title.strip():
        return document.title.strip()[:MAX_TITLE]
    first_line = next((line.strip() for line in document.text.splitlines() if line.strip()), "")
    return first_line[:MAX_TITLE]


def _reindex(policy: Policy) -> None:
    policy.title_tokens = join(index_tokens(policy.title))
    policy.body_tokens = join(index_tokens(policy.body))
    db.session.execute(delete(PolicyTarget).where(PolicyTarget.policy_id == policy.id))
    rows = [{"policy_id": policy.id, "kind": k, "value": v} for k, v in dict.fromkeys(targets(policy.criteria))]
    if rows:
        db.session.execute(PolicyTarget.__table__.insert(), rows)


def _snapshot(policy: Policy, actor: User | None, changed: list[str]) -> None:
    db.session.add(PolicyVersion(
        policy=policy, version=policy.version, title=policy.title, body=policy.body,
        doc_number=policy.doc_number, issued_on=policy.issued_on, effective_from=policy.effective_from,
        effective_to=policy.effective_to, apply_from=policy.apply_from, apply_until=policy.apply_until,
        max_support_wan=policy.max_support_wan, contact=policy.contact, criteria=policy.criteria,
        changed_fields=changed,
        edited_by_id=actor.id if actor else None, edited_at=policy.updated_at,
    ))


def _store_file(policy: Policy, upload: Upload, document: ExtractedDocument, actor: User | None) -> None:
    db.session.add(PolicyFile(
        policy=policy, version=policy.version, filename=upload.filename[-255:], format=document.format,
        encoding=document.encoding, size=len(upload.data), sha256=hashlib.sha256(upload.data).hexdigest(),
        data=upload.data, uploaded_by_id=actor.id if actor else None,
    ))


def create_policy(actor: User, values: dict[str, Any], upload: Upload | None = None,
                  now: datetime | None = None) -> Policy:
    """Create a draft from text or an uploaded file; criteria given override the extracted ones."""
    department = _department_for(actor, values.pop("department", None))
    _require_editor(actor, department)
    document = _read_upload(upload) if upload is not None else None
    if document is not None:
        values["body"] = document.text
        if not (values.get("title") or "").strip():
            values["title"] = _title_from(document)
    values.setdefault("title", "")
    values.setdefault("body", "")
    _check_text_fields(values)
    doc_number = (values.get("doc_number") or "").strip() or None
    _check_doc_number(department.id, doc_number)
    extracted = extract_criteria(values["title"], values["body"], department=department.name)
    criteria = normalise_criteria(values.get("criteria"), base=extracted)
    given = {name: values.get(name) for name in TEXT_FACT_FIELDS}
    given["doc_number"] = doc_number
    read, facts = _facts_from_text(values["title"], values["body"], current={},
                                   given={k for k, v in given.items() if v is not None}, refill=set(),
                                   department_id=department.id)
    given.update(read)
    now = now or utcnow()
    policy = Policy(
        title=values["title"].strip(), body=values["body"], department=department, **given,
        facts=facts, status=DRAFT, criteria=criteria, version=1,
        created_by=actor, created_at=now, updated_at=now,
    )
    db.session.add(policy)
    db.session.flush()
    _reindex(policy)
    _snapshot(policy, actor, ["created"])
    if upload is not None and document is not None:
        _store_file(policy, upload, document, actor)
    db.session.flush()
    audit.record(actor, "policy.create", "policy", policy.id, title=policy.title, version=1,
                 source=document.format if document else "text")
    return policy


def update_policy(actor: User, policy: Policy, values: dict[str, Any], upload: Upload | None = None,
                  now: datetime | None = None) -> Policy:
    """Apply an edit as a new version; a file replaces the body."""
    if not can_edit(actor, policy):
        raise Forbidden("只能修改本部门的政策")
    if policy.status in (WITHDRAWN, EXPIRED):
        raise Conflict(f"{policy.status_label}的政策不能修改", code="wrong_status")
    if "department" in values:
        department = _department_for(actor, values.pop("department"))
        _require_editor(actor, department)
        if department.id != policy.department_id:
            values["department_id"] = department.id
    document = _read_upload(upload) if upload is not None else None
    if document is not None:
        values["body"] = document.text
    _check_text_fields(values)
    merged_from = values.get("effective_from", policy.effective_from)
    merged_to = values.get("effective_to", policy.effective_to)
    if merged_from and merged_to and merged_to < merged_from:
        raise Invalid("政策信息有误", fields={"effective_to": "失效日期不能早于生效日期"})
    if "doc_number" in values:
        values["doc_number"] = (values["doc_number"] or "").strip() or None
    _check_doc_number(values.get("department_id", policy.department_id),
                      values.get("doc_number", policy.doc_number), policy.id)
    if "criteria" in values:
        values["criteria"] = normalise_criteria(values["criteria"], base=policy.criteria)
    _refresh_facts(policy, values)
    changed = [k for k, v in values.items() if k != "facts" and getattr(policy, k) != v]
    if document is not None and "body" not in changed:
        changed.append("file")
    if not changed:
        return policy
    for key, value in values.items():
        setattr(policy, key, value.strip() if key == "title" else value)
    policy.version += 1
    policy.updated_at = now or utcnow()
    db.session.flush()
    _reindex(policy)
    _snapshot(policy, actor, changed)
    if upload is not None and document is not None:
        _store_file(policy, upload, document, actor)
    db.session.flush()
    audit.record(actor, "policy.edit", "policy", policy.id, version=policy.version, changed=changed)
    if policy.status == PUBLISHED and changed:
        follows.queue_change_notices(policy, withdrawn=False, now=policy.updated_at)
    if policy.status == PUBLISHED and set(changed) & _MATCH_FIELDS:
        # Who the policy concerns may have changed: newly covered firms are told, dropped ones cancelled,
        # by a fan-out job the caller runs after its commit (``fanout.after_commit``).
        if reconcile.is_live(policy, policy.updated_at):
            job = fanout.schedule(policy, "edit", now=policy.updated_at)
            audit.record(actor, "policy.rematch", "policy", policy.id, version=policy.version, fanout_job=job.id)
        else:
            # Edited into the past: nobody may be told any more, at once.
            outcome = reconcile.reconcile_policy(policy, now=policy.updated_at)
            fanout.cancel_unfinished(policy, now=policy.updated_at)
            audit.record(actor, "policy.rematch", "policy", policy.id, version=policy.version,
                         deactivated=outcome.deactivated, notifications_cancelled=outcome.notifications_cancelled)
    return policy


def _refresh_facts(policy: Policy, values: dict[str, Any]) -> None:
    """Re-read the facts when the text changes; fields the editor sets now stop following the text."""
    record = dict(policy.facts or {})
    # A page re-submits every field: only a value that differs from the stored one is the editor's.
    edited = {k for k in values if k in TEXT_FACT_FIELDS and values[k] != getattr(policy, k)}
    filled = set(record.get("filled", ())) - edited
    title, body = values.get("title", policy.title), values.get("body", policy.body)
    if title == policy.title and body == policy.body:
        if filled != set(record.get("filled", ())):
            record["filled"] = sorted(filled)
            values["facts"] = record
        return
    current = {name: values.get(name, getattr(policy, name)) for name in TEXT_FACT_FIELDS}
    read, facts = _facts_from_text(title, body, current=current,
                                   given=edited, refill=filled,
                                   department_id=values.get("department_id", policy.department_id),
                                   policy_id=policy.id)
    values.update(read)
    values["facts"] = facts


def apply_window(policy: Policy, today: date) -> str | None:
    """The 申报 window in words for `today` (申报中，还剩 N 天 / 已截止), or None when the policy states none."""
    start, end = policy.apply_from, policy.apply_until
    if start is None and end is None:
        return None
    span = f"{start.isoformat() if start else '即日起'} 至 {end.isoformat() if end else '另行通知'}"
    if start and today < start:
        return f"{span}（尚未开始，{(start - today).days} 天后开始）"
    if end and today > end:
        return f"{span}（已截止）"
    if end:
        left = (end - today).days
        return f"{span}（申报中，{'今天截止' if left == 0 else f'还剩 {left} 天'}）"
    return f"{span}（申报中）"


def publish_policy(actor: User, policy: Policy, now: datetime | None = None) -> PublishResult:
    """Publish a draft (or re-publish a withdrawn policy): visible, searchable, then matched."""
    if approval.approval_required(policy):
        approval.check_publish(actor, policy)  # a reviewer of the department, the submitted version
    elif not can_edit(actor, policy):
        raise Forbidden("只能发布本部门的政策")
    now = now or utcnow()
    # Two publishes of one policy at once: the second waits for the first's commit and sees it published.
    db.session.execute(select(Policy.id).where(Policy.id == policy.id).with_for_update())
    db.session.refresh(policy)
    if policy.status == PUBLISHED:
        raise Conflict("政策已发布", code="wrong_status")
    if policy.status == EXPIRED:
        raise Conflict("政策已失效，不能发布", code="wrong_status")
    if policy.effective_to and policy.effective_to < local_date(now):
        raise Conflict("政策有效期已过，不能发布；请先修改失效日期", code="expired",
                       fields={"effective_to": "早于今天"})
    trigger = "republish" if policy.status == WITHDRAWN else "publish"
    policy.status = PUBLISHED
    policy.review_state = None
    policy.published_at = now
    policy.withdrawn_at = None
    policy.withdraw_reason = None
    policy.updated_at = now
    db.session.flush()
    # The state change and the fan-out job commit together; matching and alerts run after the commit.
    job = fanout.schedule(policy, trigger, now=now)
    audit.record(actor, "policy.publish", "policy", policy.id, version=policy.version, fanout_job=job.id,
                 trigger=trigger)
    return PublishResult(policy, job.id)


def withdraw_policy(actor: User, policy: Policy, reason: str = "", now: datetime | None = None) -> WithdrawResult:
    """Withdraw a published policy: it leaves the public list at once."""
    if not can_edit(actor, policy):
        raise Forbidden("只能撤回本部门的政策")
    if policy.status != PUBLISHED:
        raise Conflict(f"只有已发布的政策可以撤回（当前：{policy.status_label}）", code="wrong_status")
    if len(reason) > 500:
        raise Invalid("撤回原因最多 500 字", fields={"reason": "最多 500 字"})
    now = now or utcnow()
    policy.status = WITHDRAWN
    policy.withdrawn_at = now
    policy.withdraw_reason = reason or None
    policy.updated_at = now
    db.session.flush()
    fanout.cancel_unfinished(policy, now=now)
    outcome = reconcile.reconcile_policy(policy, now=now)
    cancelled = outcome.notifications_cancelled
    follows.queue_change_notices(policy, withdrawn=True, reason=reason, now=now)
    audit.record(actor, "policy.withdraw", "policy", policy.id, reason=reason, notifications_cancelled=cancelled)
    return WithdrawResult(policy, cancelled)


def expire_policies(now: datetime | None = None) -> list[int]:
    """Mark published policies whose validity ended before today (Shanghai) as expired."""
    now = now or utcnow()
    today = local_date(now)
    ids = list(db.session.scalars(
        select(Policy.id).where(Policy.status == PUBLISHED, Policy.effective_to < today)
    ))
    if ids:
        db.session.execute(
            update(Policy).where(Policy.id.in_(ids)).values(status=EXPIRED, expired_at=now, updated_at=now)
        )
        for policy_id in ids:
            policy = db.session.get(Policy, policy_id)
            db.session.refresh(policy)
            fanout.cancel_unfinished(policy, now=now)
            outcome = reconcile.reconcile_policy(policy, now=now)
            audit.record(None, "policy.expire", "policy", policy_id, on=today.isoformat(),
                         notifications_cancelled=outcome.notifications_cancelled)
    return ids
