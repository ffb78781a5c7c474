"""Enterprises API: register, read, edit, list (masked), bulk import, and the size classifier."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from sqlalchemy import func, or_, select

from matcher.sizes import size_class
from policyhub.extensions import db
from policyhub.models import Enterprise
from policyhub.services import enterprises as service
from policyhub.services.enterprise_import import import_enterprises
from policyhub.services.enterprise_input import EnterpriseIn, EnterprisePatch, parse_profile
from policyhub.services.errors import Invalid, NotFound
from policyhub.services.identifiers import mask_email, mask_mobile
from policyhub.web.api import api
from policyhub.web.api.auth import current_api_user, require_roles
from policyhub.web.api.validation import json_body, multipart_body, takes_query
from policyhub.web.queries import EnterpriseListQuery, ImportQuery, SizeClassQuery
from policyhub.web.schemas import EnterpriseImportForm

STAFF = ("editor", "answerer", "supervisor")


def enterprise_json(enterprise: Enterprise, *, masked: bool) -> dict[str, Any]:
    return {
        "id": enterprise.id,
        "credit_code": enterprise.credit_code,
        "name": enterprise.name,
        "industry_code": enterprise.industry_code,
        "employees": enterprise.employees,
        "revenue_wan": enterprise.revenue_wan,
        "assets_wan": enterprise.assets_wan,
        "size": enterprise.size,
        "size_source": enterprise.size_source,
        "declared_size": enterprise.declared_size,
        "size_flag": enterprise.size_flag,
        "above_scale": enterprise.above_scale,
        "region_code": enterprise.region_code,
        "business_scope": enterprise.business_scope,
        "qualifications": enterprise.qualifications or [],
        "mobile": mask_mobile(enterprise.mobile) if masked and enterprise.mobile else enterprise.mobile,
        "email": mask_email(enterprise.email) if masked and enterprise.email else enterprise.email,
        "channels": enterprise.channels,
        "subscriptions": [
            {"channel": s.channel, "active": s.active, "frequency": s.frequency, "topics": s.topics,
             "consent_at": s.consent_at.isoformat(), "consent_source": s.consent_source}
            for s in enterprise.subscriptions
        ],
        "updated_at": enterprise.updated_at.isoformat(),
    }


def _get(enterprise_id: int) -> Enterprise:
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(f"企业 {enterprise_id} 不存在")
    return enterprise


@api.post("/enterprises")
@require_roles(*STAFF)
def create_enterprise():
    enterprise, warnings = service.create_enterprise(current_api_user(), parse_profile(EnterpriseIn, json_body()),
                                                      source="api")
    db.session.commit()
    return jsonify(enterprise_json(enterprise, masked=False) | {"warnings": warnings}), 201  # what they just gave


@api.get("/enterprises/<int:enterprise_id>")
@require_roles(*STAFF)
def get_enterprise(enterprise_id: int):
    return jsonify(enterprise_json(_get(enterprise_id), masked=not service.sees_contacts(current_api_user())))


@api.patch("/enterprises/<int:enterprise_id>")
@require_roles(*STAFF)
def update_enterprise(enterprise_id: int):
    enterprise, warnings = service.update_enterprise(current_api_user(), _get(enterprise_id),
                                                      parse_profile(EnterprisePatch, json_body()))
    db.session.commit()
    return jsonify(enterprise_json(enterprise, masked=False) | {"warnings": warnings})


@api.delete("/enterprises/<int:enterprise_id>")
@require_roles("editor")
def delete_enterprise(enterprise_id: int):
    cancelled = service.delete_enterprise(current_api_user(), _get(enterprise_id))
    db.session.commit()
    return jsonify(deleted=enterprise_id, notifications_cancelled=cancelled)


@api.get("/enterprises")
@require_roles(*STAFF)
@takes_query(EnterpriseListQuery)
def list_enterprises(query: EnterpriseListQuery):
    page, per_page = query.page, query.per_page
    stmt = select(Enterprise)
    if query.q:
        stmt = stmt.where(or_(Enterprise.name.contains(query.q, autoescape=True),
                              Enterprise.credit_code == query.q.upper()))
    if query.size:
        stmt = stmt.where(Enterprise.size.is_(None) if query.size == "unknown" else Enterprise.size == query.size)
    if query.flagged:
        stmt = stmt.where(Enterprise.size_flag.is_not(None))
    if query.region:
        stmt = stmt.where(Enterprise.region_code == query.region)
    if query.industry:
        code = query.industry
        stmt = stmt.where(Enterprise.industry_code.startswith(code) if code.isdigit() else
                          Enterprise.industry_code.in_(_section_codes(code)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = db.session.scalars(stmt.order_by(Enterprise.id).limit(per_page).offset((page - 1) * per_page))
    return jsonify(items=[enterprise_json(e, masked=True) for e in items], total=total, page=page,
                   per_page=per_page)


def _section_codes(section: str) -> list[str]:
    from matcher.taxonomy import default_taxonomy

    taxonomy = default_taxonomy()
    return [i.code for i in taxonomy if i.level == 4 and taxonomy.section_of(i.code) == section]


@api.post("/enterprises/import")
@require_roles(*STAFF)
@takes_query(ImportQuery)
def import_file(query: ImportQuery):
    form = multipart_body(EnterpriseImportForm)
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = form.file.read(limit + 1)
    if len(data) > limit:
        error = Invalid(f"文件超过 {limit // (1024 * 1024)} MB 上限", fields={"file": "文件过大"}, code="too_large")
        error.status = 413
        raise error
    report = import_enterprises(current_api_user(), form.file.filename, data, notify=_notify_flag(query.notify, form.notify))
    db.session.commit()
    return jsonify(report.as_dict())


def _notify_flag(given: str | None, form_value: str | None) -> bool:
    """?notify= (or the form's field): whether an import tells the firms; yes unless asked not to, as before."""
    raw = (given if given is not None else str(form_value if form_value is not None else "1")).strip().lower()
    if raw in ("1", "true", "yes", "on", ""):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise Invalid("notify 应为 true 或 false", fields={"notify": "应为 true 或 false"})


@api.get("/size-class")
@takes_query(SizeClassQuery, "参数有误")
def size_class_endpoint(query: SizeClassQuery):
    result = size_class(query.industry_code, query.employees, query.revenue_wan, query.assets_wan)
    return jsonify(
        size=result.size, row=result.row, row_name=result.row_name, missing=list(result.missing),
        reason=result.reason,
        indicators={name: {"value": reading.value, "tier": reading.tier}
                    for name, reading in result.indicators.items()},
    )
