"""Policies API: create (JSON or file), edit, publish, withdraw, list and search, read."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request

from matcher.regions import default_regions
from matcher.taxonomy import Industry, InvalidIndustryCode, default_taxonomy, normalize_code
from policyhub.extensions import db
from policyhub.models import Policy
from policyhub.models.base import utcnow
from policyhub.models.policy import POLICY_STATUSES, PUBLISHED
from policyhub.models.user import User
from policyhub.push import fanout
from policyhub.services import policies as service
from policyhub.services.errors import Invalid, NotFound, ServiceError
from policyhub.services.search import PolicyQuery, apply_open, search_policies
from policyhub.timeutil import local_date
from policyhub.web.api import api
from policyhub.web.api.auth import current_api_user, require_roles
from policyhub.web.api.validation import (
    BadRequest,
    json_body,
    multipart_body,
    query_args,
    query_labels,
    takes_query,
    validate,
)
from policyhub.web.forms import BINZHOU_REGIONS
from policyhub.web.queries import PolicyListQuery
from policyhub.web.schemas import PolicyForm, PolicyIn, WithdrawIn


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


def policy_json(policy: Policy, *, full: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": policy.id,
        "title": policy.title,
        "doc_number": policy.doc_number,
        "department": {"code": policy.department.code, "name": policy.department.name},
        "status": policy.status,
        "version": policy.version,
        "issued_on": policy.issued_on.isoformat() if policy.issued_on else None,
        "effective_from": policy.effective_from.isoformat() if policy.effective_from else None,
        "effective_to": policy.effective_to.isoformat() if policy.effective_to else None,
        "apply_from": policy.apply_from.isoformat() if policy.apply_from else None,
        "apply_until": policy.apply_until.isoformat() if policy.apply_until else None,
        "max_support_wan": policy.max_support_wan,
        "contact": policy.contact,
        "published_at": policy.published_at.isoformat() if policy.published_at else None,
        "updated_at": policy.updated_at.isoformat(),
        "criteria": policy.criteria,
    }
    if full:
        data["facts"] = _facts_json(policy)
        data["body"] = policy.body
        data["files"] = [
            {"filename": f.filename, "format": f.format, "encoding": f.encoding, "size": f.size,
             "sha256": f.sha256, "version": f.version}
            for f in policy.files
        ]
    return data


def _facts_json(policy: Policy) -> dict[str, Any]:
    """What was read from the text: which fields it filled, and the sentence each fact came from."""
    record = policy.facts or {}
    return {"filled_from_text": list(record.get("filled", ())), "read": record.get("read", {}),
            "evidence": list(record.get("evidence", ()))}


def _request_values() -> tuple[dict[str, Any], service.Upload | None]:
    """The policy's fields as given (JSON, or a multipart form with an optional file) and the file's bytes."""
    if request.mimetype != "multipart/form-data":
        return validate(PolicyIn, json_body()).model_dump(exclude_unset=True), None
    form = multipart_body(PolicyForm)
    values = form.model_dump(exclude_unset=True, exclude={"file"})
    if form.file is None:
        return values, None
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = form.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"文件超过 {limit // (1024 * 1024)} MB 上限", fields={"file": "文件过大"})
    return values, service.Upload(filename=form.file.filename, data=data)


def _visible_policy(policy_id: int) -> Policy:
    policy = db.session.get(Policy, policy_id)
    user = current_api_user() if request.headers.get("Authorization") else None
    if policy is None or (policy.status != PUBLISHED and not _is_staff(user)):
        raise NotFound(f"政策 {policy_id} 不存在或未发布")
    return policy


def _is_staff(user: User | None) -> bool:
    return user is not None


@api.post("/policies")
@require_roles("editor")
def create_policy():
    values, upload = _request_values()
    if upload is None and not values.get("body"):
        raise Invalid("请提供正文（body）或上传文件（file）", fields={"body": "必填（或上传 file）"})
    if upload is None and not values.get("title"):
        raise Invalid("请提供标题", fields={"title": "必填"})
    policy = service.create_policy(current_api_user(), values, upload)
    db.session.commit()
    return jsonify(policy_json(policy)), 201


@api.patch("/policies/<int:policy_id>")
@require_roles("editor")
def update_policy(policy_id: int):
    values, upload = _request_values()
    service.update_policy(current_api_user(), service.get_policy(policy_id), values, upload)
    db.session.commit()
    fanout.after_commit_for(policy_id)
    return jsonify(policy_json(service.get_policy(policy_id)))


@api.post("/policies/<int:policy_id>/publish")
@require_roles("editor")
def publish_policy(policy_id: int):
    result = service.publish_policy(current_api_user(), service.get_policy(policy_id))
    db.session.commit()
    job = fanout.after_commit(result.fanout_job_id)
    progress = fanout.fanout_json(job)
    body = policy_json(service.get_policy(policy_id), full=False) | {"fanout": progress}
    if job.state == "done":
        return jsonify(body | {"matched": job.processed, "notifications_queued": job.notifications_queued})
    # Still running (a worker finishes it): followed at GET /api/v1/policies/{id}/fanout.
    return jsonify(body), 202


@api.get("/policies/<int:policy_id>/fanout")
@require_roles("editor", "answerer", "supervisor")
def policy_fanout(policy_id: int):
    service.get_policy(policy_id)
    return jsonify(fanout.fanout_json(fanout.latest_job(policy_id)))


@api.post("/policies/<int:policy_id>/withdraw")
@require_roles("editor")
def withdraw_policy(policy_id: int):
    data = validate(WithdrawIn, json_body() if request.get_data() else {})
    result = service.withdraw_policy(current_api_user(), service.get_policy(policy_id), data.reason)
    db.session.commit()
    return jsonify(policy_json(result.policy, full=False) | {
        "notifications_cancelled": result.notifications_cancelled})


# Chinese names of the search fields, for messages people read (the JSON keys stay the parameter names).
QUERY_FIELD_LABELS = query_labels(PolicyListQuery)
SEARCH_ERROR = "检索条件有误"
MAX_CHOICES = 10


def industry_choices(name: str) -> list[Industry]:
    """GB/T 4754 entries a typed name may mean: the one named exactly, else the 小类 whose names contain it."""
    taxonomy = default_taxonomy()
    hits = taxonomy.search(name)
    exact = [i for i in hits if i.name == "".join(name.split())]
    return exact or [i for i in hits if len(i.code) == 4] or hits


def _industry_arg(query: PolicyListQuery, fields: dict[str, str]) -> str | None:
    raw, name = query.industry or "", query.industry_name or ""
    if raw and name:
        # The page sends the chosen code beside its name; a name typed over it is a new choice.
        try:
            if default_taxonomy().name(normalize_code(raw)) != name:
                raw = ""
        except InvalidIndustryCode:
            pass
    if raw:
        try:
            code, _ = default_taxonomy().check(normalize_code(raw))
            return code
        except InvalidIndustryCode as exc:
            fields["industry"] = str(exc)
            return None
    if not name:
        return None
    choices = industry_choices(name)
    if len(choices) == 1:
        return choices[0].code
    if not choices:
        fields["industry_name"] = f"没有名称含“{name}”的行业，请换个说法（如“铝”“软件”“餐饮”）"
    else:
        shown = "、".join(f"{i.name}（{i.code}）" for i in choices[:MAX_CHOICES])
        fields["industry_name"] = f"“{name}”对应 {len(choices)} 个行业，请选一个：{shown}"
    return None


def _region_arg(query: PolicyListQuery, fields: dict[str, str]) -> str | None:
    regions = default_regions()
    raw = query.region
    if raw:
        if not regions.is_valid(raw):
            fields["region"] = f"区县代码“{raw[:12]}”无效，应为 6 位行政区划代码（如 {next(iter(BINZHOU_REGIONS))}）"
            return None
        return regions.canonical(raw)
    name = "".join((query.region_name or "").split())
    if not name:
        return None
    found = [code for code, county in BINZHOU_REGIONS.items() if county == name or county.startswith(name)]
    if len(found) == 1:
        return found[0]
    fields["region_name"] = f"本市没有名为“{name[:20]}”的区县，应为{'、'.join(BINZHOU_REGIONS.values())}之一"
    return None


def policy_query_from_args(*, staff: bool) -> PolicyQuery:
    """The search the request's query string asks for, validated (the pages)."""
    return policy_query(query_args(PolicyListQuery, SEARCH_ERROR), staff=staff)


def policy_query(query: PolicyListQuery, *, staff: bool) -> PolicyQuery:
    """The search a parsed query string asks for, its codes and names checked; shared by the API and the pages.

    Industry and county may be given by code (industry, region) or by name (industry_name, region_name).
    """
    fields: dict[str, str] = {}
    industry = _industry_arg(query, fields)
    region = _region_arg(query, fields)
    statuses: tuple[str, ...] = (PUBLISHED,)
    if query.status:
        if not staff and query.status != PUBLISHED:
            fields["status"] = "公开检索只含已发布的政策"
        else:
            statuses = (query.status,)
    elif staff:
        statuses = POLICY_STATUSES
    if fields:
        raise Invalid(f"{SEARCH_ERROR}：" + "、".join(QUERY_FIELD_LABELS.get(name, name) for name in fields), fields=fields)
    return PolicyQuery(q=query.q, department=query.department, industry=industry, region=region, size=query.size,
                       issued_from=query.issued_from, issued_to=query.issued_to, statuses=statuses,
                       public=not staff, page=query.page, per_page=query.per_page)


@api.get("/policies")
@takes_query(PolicyListQuery, SEARCH_ERROR)
def list_policies(query: PolicyListQuery):
    result = search_policies(policy_query(query, staff=_is_staff(current_api_user())), now=utcnow())
    # snippet: HTML-escaped text around the best passage, the query words in <mark>; null without a query.
    today = local_date(utcnow())
    # apply_open: the 申报 window is open today (apply_from/apply_until as in the policy; no window stated: false).
    return jsonify(items=[{**policy_json(p, full=False), "snippet": result.snippets.get(p.id),
                           "apply_open": apply_open(p, today)} for p in result.items],
                   total=result.total, suggestions=result.suggestions,
                   page=result.page, per_page=result.per_page)


@api.get("/policies/<int:policy_id>")
def get_policy(policy_id: int):
    return jsonify(policy_json(_visible_policy(policy_id)))


@api.get("/policies/<int:policy_id>/versions")
@require_roles("editor", "answerer", "supervisor")
def policy_versions(policy_id: int):
    policy = service.get_policy(policy_id)
    return jsonify(items=[
        {"version": v.version, "title": v.title, "changed_fields": v.changed_fields,
         "edited_by": v.edited_by.username if v.edited_by else None, "edited_at": v.edited_at.isoformat()}
        for v in policy.versions
    ], total=len(policy.versions))


__all__ = ["BadRequest", "policy_json", "policy_query_from_args"]
