"""The web layer: blueprints, error pages, login loading, template helpers."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from policyhub.extensions import db, login_manager
from policyhub.inputs import InputError
from policyhub.models import User
from policyhub.models.base import utcnow
from policyhub.services.errors import Invalid, ServiceError
from policyhub.services.policies import apply_window
from policyhub.timeutil import local_date, to_local

__all__ = ["register_web"]

HTTP_MESSAGES = {
    400: "请求格式有误",
    401: "请先登录或提供有效的 API 令牌",
    403: "没有权限执行此操作",
    404: "找不到请求的内容",
    405: "不支持该请求方法",
    409: "与现有数据冲突",
    413: "上传内容超过 20 MB 上限",
    415: "不支持的内容类型",
    422: "提交的内容有误",
    429: "请求过于频繁，请稍后再试",
}


CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

# Names people read for the criteria fields, edit records and audit actions.
FIELD_LABELS = {
    "industries": "适用行业", "excluded_industries": "排除行业", "sizes": "企业规模", "regions": "适用地区",
    "qualifications": "资质要求", "above_scale_only": "规上/限上", "title": "标题", "body": "正文",
    "doc_number": "文号", "issued_on": "印发日期", "effective_from": "生效日期", "effective_to": "失效日期",
    "apply_from": "申报开始", "apply_until": "申报截止", "max_support_wan": "最高支持（万元）", "contact": "联系方式",
    "criteria": "适用条件", "created": "创建", "file": "原始文件", "department_id": "发文部门",
    "industry_code": "行业", "size": "规模", "region_code": "所在区县", "above_scale": "是否规上",
}
ACTION_LABELS = {
    "policy.create": "创建", "policy.edit": "修改", "policy.publish": "发布", "policy.withdraw": "撤回",
    "policy.expire": "到期失效", "match.not_relevant": "企业反馈无关", "policy.rematch": "重新匹配",
    "policy.submit": "提交审核", "policy.return": "退回修改",
    "user.create": "创建账号", "user.role_change": "变更角色", "user.enable": "启用账号", "user.disable": "停用账号",
    "user.password_reset": "重置密码", "user.token_rotate": "更换接口令牌", "user.locked": "登录失败锁定",
    "department.create": "新建部门", "department.update": "修改部门",
    "calendar.load_year": "载入全年放假安排", "calendar.override": "调整工作日",
    "consultation.submit": "提交咨询", "consultation.answer": "答复咨询", "consultation.escalate": "超期升级",
    "consultation.publish_qa": "发布问答", "consultation.reassign": "转办", "consultation.remind": "到期提醒",
    "consultation.recompute_deadlines": "重算答复期限", "consultation.request_supplement": "请企业补充材料",
    "consultation.supplement": "企业补充材料",
    "enterprise.create": "企业登记", "enterprise.edit": "修改企业信息", "enterprise.delete": "删除企业",
    "enterprise.import": "批量导入企业", "notification.resend": "重新发送", "subscription.unsubscribe": "退订",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _error_body(status: int, code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def register_web(app: Flask) -> None:
    """Attach every blueprint and the app-wide handlers."""
    from policyhub.web.admin import admin
    from policyhub.web.api import api
    from policyhub.web.auth import auth
    from policyhub.web.consultations import consultations
    from policyhub.web.enterprises import enterprises
    from policyhub.web.me import me_pages
    from policyhub.web.notifications import notifications
    from policyhub.web.public import public
    from policyhub.web.staff import staff

    app.register_blueprint(public)
    app.register_blueprint(auth)
    app.register_blueprint(staff)
    app.register_blueprint(enterprises)
    app.register_blueprint(consultations)
    app.register_blueprint(notifications)
    app.register_blueprint(me_pages)
    app.register_blueprint(admin)
    app.register_blueprint(api)

    from policyhub.web import pagecache

    # After the input guard's and the limiter's before_request hooks: a kept answer is still guarded and counted.
    pagecache.init_app(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "warning"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        valid = user_id.isascii() and user_id.isdigit() and len(user_id) <= 10 and int(user_id) < 2**31
        return db.session.get(User, int(user_id)) if valid else None

    @app.get("/healthz")
    def healthz():
        from policyhub.web.health import health_report

        body, status = health_report(app, datetime.now(UTC))
        return jsonify(body), status

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        db.session.rollback()
        if _wants_json():
            return jsonify(exc.to_dict()), exc.status
        return render_template("error.html", status=exc.status, message=exc.message, fields=exc.fields), exc.status

    @app.errorhandler(InputError)
    def input_error(exc: InputError):
        # A value refused by policyhub.inputs that no view turned into its own message: still the field and why.
        return service_error(Invalid("提交的内容有误", fields={exc.field: exc.reason}))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if exc.response is not None and not _wants_json():
            # A page that built its own answer (a refused form given back with what was typed: ratelimits.keep_form).
            return exc.response
        message = HTTP_MESSAGES.get(status, exc.description or "请求失败")
        if status == 400 and exc.description and "CSRF" in exc.description:
            message = "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试"
        if _wants_json():
            fields = {"file": message} if status == 413 else {}
            code = (exc.name or "error").lower().replace(" ", "_")
            response = jsonify(_error_body(status, code, message, fields))
            response.status_code = status
            for name, value in (exc.get_response().headers.items() if status in (405, 429) else []):
                if name.lower() in {"allow", "retry-after"}:
                    response.headers[name] = value
            return response
        return render_template("error.html", status=status, message=message, fields={}), status

    @app.after_request
    def security_headers(response):
        # Every asset is the app's own and no page has inline script or style, so the policy can be strict.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.template_filter("local")
    def local_time(moment, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return to_local(moment).strftime(fmt) if moment else ""

    from policyhub.services.criteria import SIZE_LABELS

    # Globals, not a context processor: imported macros see globals but not the render context.
    app.jinja_env.globals["SIZE_LABELS"] = SIZE_LABELS
    app.jinja_env.globals["FIELD_LABELS"] = FIELD_LABELS
    app.jinja_env.globals["ACTION_LABELS"] = ACTION_LABELS
    from policyhub.web import labels

    for name in labels.__all__:
        app.jinja_env.globals[name] = getattr(labels, name)

    @app.template_global("apply_window")
    def apply_window_now(policy) -> str | None:
        return apply_window(policy, local_date(utcnow()))

    @app.template_filter("industry")
    def industry_label(code: str) -> str:
        from matcher.taxonomy import default_taxonomy

        name = default_taxonomy().name(code)
        return f"{code} {name}" if name else code

    @app.template_filter("region")
    def region_label(code: str) -> str:
        from matcher.regions import default_regions

        return default_regions().label(code) if default_regions().is_valid(code) else code
