"""The enterprise's own API: sign in with a code, then its profile, policies, near misses, follows, preferences."""

from __future__ import annotations

from flask import g, jsonify, request, session

from policyhub.extensions import db, limiter
from policyhub.models import Enterprise, utcnow
from policyhub.services import enterprises as enterprises_service
from policyhub.services import me as me_service
from policyhub.services import signin
from policyhub.services.enterprise_input import EnterprisePatch, parse_profile
from policyhub.services.errors import Forbidden, Invalid, ServiceError
from policyhub.services.users import user_for_token
from policyhub.web.api import api
from policyhub.web.api.enterprises import enterprise_json
from policyhub.web.api.validation import json_body, takes_query, validate
from policyhub.web.queries import EligibilityQuery
from policyhub.web.schemas import CodeRequestIn, MyPreferencesIn, SessionIn

__all__ = ["SESSION_COOKIE_KEY", "current_enterprise", "require_enterprise"]

SIGN_IN_LIMIT_PER_ADDRESS = "10 per minute;60 per hour"
ELIGIBILITY_LIMIT_PER_ADDRESS = "30 per minute;300 per hour"
SESSION_COOKIE_KEY = "enterprise_token"


class EnterpriseUnauthorized(ServiceError):
    status = 401
    code = "unauthorized"


def current_enterprise() -> Enterprise | None:
    """The signed-in enterprise: the bearer token of the API, else the page session's token."""
    if "me" in g:
        return g.me
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    # The API is exempt from CSRF, so the page cookie counts there only for reads; pages check CSRF themselves.
    cookie_counts = request.blueprint != "api" or request.method in ("GET", "HEAD")
    if not token and cookie_counts:
        token = session.get(SESSION_COOKIE_KEY, "") if isinstance(session.get(SESSION_COOKIE_KEY), str) else ""
    g.me = signin.enterprise_for_token(token, now=utcnow()) if token else None
    return g.me


def require_enterprise() -> Enterprise:
    """The signed-in enterprise, or 401 naming what to send."""
    enterprise = current_enterprise()
    if enterprise is None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip() and user_for_token(token.strip()) is not None:
            raise Forbidden("工作人员令牌不能用于企业接口，请以企业身份登录", fields={"Authorization": "不是企业令牌"})
        raise EnterpriseUnauthorized("请先登录（Authorization: Bearer <企业令牌>）",
                                     fields={"Authorization": "缺少或无效的企业令牌"})
    return enterprise


@api.post("/me/code")
@limiter.limit(SIGN_IN_LIMIT_PER_ADDRESS)
def me_code():
    contact = validate(CodeRequestIn, json_body())
    signin.request_code(contact.model_dump(exclude_none=True), now=utcnow())
    db.session.commit()
    return jsonify(status="sent", message="如信息与登记一致，验证码将发送至登记的手机或邮箱，5 分钟内有效"), 202


@api.post("/me/session")
@limiter.limit(SIGN_IN_LIMIT_PER_ADDRESS)
def me_session():
    try:
        token, enterprise = signin.open_session(validate(SessionIn, json_body()).model_dump(), now=utcnow())
    except signin.SignInRefused:
        db.session.commit()  # the wrong try counts
        raise
    db.session.commit()
    return jsonify(token=token, enterprise={"id": enterprise.id, "name": enterprise.name},
                   expires_in=int(signin.SESSION_TTL.total_seconds()))


@api.get("/me")
def me_profile():
    return jsonify(enterprise_json(require_enterprise(), masked=False))


@api.patch("/me")
def me_update():
    enterprise = require_enterprise()
    body = json_body()
    # Contacts sign the firm in; changing them is a staff task so a stolen session cannot take the door over.
    locked = {name: "请联系工作人员修改" for name in ("credit_code", "mobile", "email") if name in body}
    if locked:
        raise Invalid("该字段不能自行修改", fields=locked)
    enterprise, warnings = enterprises_service.update_enterprise(None, enterprise, parse_profile(EnterprisePatch, body),
                                                                now=utcnow())
    db.session.commit()
    return jsonify(enterprise_json(enterprise, masked=False) | {"warnings": warnings})


@api.get("/me/policies")
def me_policies():
    items = me_service.my_policies(require_enterprise(), now=utcnow())
    return jsonify(items=items, total=len(items))


@api.get("/me/near-misses")
def me_near_misses():
    items = me_service.my_near_misses(require_enterprise(), now=utcnow())
    return jsonify(items=items, total=len(items))


@api.put("/me/follows/<int:policy_id>")
def me_follow(policy_id: int):
    created = me_service.follow(require_enterprise(), policy_id, now=utcnow())
    db.session.commit()
    return jsonify(policy_id=policy_id, followed=True, created=created)


@api.delete("/me/follows/<int:policy_id>")
def me_unfollow(policy_id: int):
    removed = me_service.unfollow(require_enterprise(), policy_id)
    db.session.commit()
    return jsonify(policy_id=policy_id, followed=False, removed=removed)


@api.get("/me/preferences")
def me_preferences():
    return jsonify(me_service.preferences(require_enterprise()))


@api.put("/me/preferences")
def me_set_preferences():
    enterprise = require_enterprise()
    wanted = validate(MyPreferencesIn, json_body())
    answer = me_service.set_preferences(enterprise, wanted.model_dump(exclude_unset=True), now=utcnow())
    db.session.commit()
    return jsonify(answer)


@api.get("/eligibility")
@limiter.limit(ELIGIBILITY_LIMIT_PER_ADDRESS)
@takes_query(EligibilityQuery, "计算条件有误")
def eligibility(query: EligibilityQuery):
    return jsonify(me_service.calculate(query.model_dump(exclude_unset=True), now=utcnow()))
