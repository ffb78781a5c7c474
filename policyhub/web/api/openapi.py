"""The API's own OpenAPI 3.1 description, served at /api/v1/openapi.json.

Every request body is the JSON Schema of the pydantic model its view parses it with (policyhub.web.schemas,
the enterprise models), multipart forms included; every response body that of its model in
policyhub.web.api.responses. Query parameters are the fields of the model each view parses its query string with
(web.api.validation.takes_query, the models in policyhub.web.queries). What is written here is per operation:
summary, roles and the error statuses. Path parameters and query models are read from the URL rules and their
views, so the document cannot name a path the app does not serve nor a parameter its view does not read
(tests/policyhub/test_openapi.py checks both directions, that every body and query is a model's, and validates
the document).
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, jsonify
from pydantic import BaseModel

from policyhub.inputs import MAX_DB_INT
from policyhub.web.api import api, responses
from policyhub.web.api.validation import query_model
from policyhub.web.schemas import (
    AnswerForm,
    AnswerIn,
    CodeRequestIn,
    ConsultationIn,
    DepartmentIn,
    EnterpriseImportForm,
    EnterpriseIn,
    EnterprisePatch,
    MyPreferencesIn,
    OverrideIn,
    PolicyForm,
    PolicyIn,
    RatingIn,
    ReassignIn,
    SessionIn,
    SupplementForm,
    SupplementIn,
    SupplementRequestIn,
    WithdrawIn,
)

__all__ = ["build_document", "document_path", "openapi", "query_parameters"]

PREFIX = "/api/v1"
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_ERROR_TEXT = {
    "400": "请求格式有误（如 JSON 无法解析或嵌套过深）", "401": "缺少或无效的 API 令牌", "403": "角色无权执行",
    "404": "不存在或无权查看", "409": "与现有数据冲突", "413": "上传超过大小上限", "415": "不支持的内容类型",
    "422": "字段有误（fields 逐项说明）", "429": "请求过于频繁",
}

INT_ID = {"type": "integer", "minimum": 0, "maximum": MAX_DB_INT}


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The query parameters of an operation, one per field of the model its view parses the query string with.

    A parameter left out is the field's default, so a null branch or default says nothing here; the field's title
    (its Chinese name) and description are the parameter's description.
    """
    schema = model.model_json_schema(by_alias=True)
    if "$defs" in schema:
        raise ValueError(f"{model.__name__}: a query parameter cannot refer to another schema")
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        title, description = prop.pop("title", ""), prop.pop("description", "")
        text = description if description.startswith(title) else "：".join(filter(None, (title, description)))
        if "anyOf" in prop:
            branches = [branch for branch in prop.pop("anyOf") if branch != {"type": "null"}]
            prop.update(branches[0] if len(branches) == 1 else {"anyOf": branches})
        if prop.get("default", "") in (None, ""):
            prop.pop("default", None)
        param: dict[str, Any] = {"name": name, "in": "query", "schema": prop}
        if text:
            param["description"] = text
        if name in required:
            param["required"] = True
        params.append(param)
    return params


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _model(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    """A $ref to the model's JSON Schema, added to the components."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in {**schema.pop("$defs", {}), model.__name__: schema}.items():
        if schemas.setdefault(name, definition) != definition:
            raise ValueError(f"two different models are named {name}: the document would show one of them")
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operations(schemas: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path below /api/v1) → the operation, without its path parameters."""

    def m(model: type[BaseModel]) -> dict[str, Any]:
        return _model(model, schemas)

    policy_body = {"required": True, "content": _json(m(PolicyIn)) | {"multipart/form-data": {"schema": m(PolicyForm)}}}
    staff = ("editor", "answerer", "supervisor")
    return {
        ("get", "/openapi.json"): {"summary": "本文档", "ok": m(responses.OpenAPIDocument)},
        ("post", "/departments"): {"summary": "新建部门", "roles": ("admin",), "status": 201, "errors": (409,),
                                   "body": {"required": True, "content": _json(m(DepartmentIn))},
                                   "ok": m(responses.Department)},
        ("get", "/departments"): {"summary": "部门列表", "ok": m(responses.DepartmentPage)},
        ("post", "/policies"): {"summary": "新建政策草稿（JSON 或上传文件）", "roles": ("editor",), "status": 201,
                                "errors": (409, 413, 415), "body": policy_body, "ok": m(responses.Policy)},
        ("get", "/policies"): {
            "summary": "检索政策（匿名仅已发布；带令牌的工作人员可按状态检索）", "optional_auth": True,
            "ok": m(responses.PolicySearchPage)},
        ("get", "/policies/{id}"): {"summary": "政策详情（未发布的仅工作人员可见）", "optional_auth": True,
                                           "ok": m(responses.Policy)},
        ("patch", "/policies/{id}"): {"summary": "修改政策（生成新版本）", "roles": ("editor",),
                                             "errors": (409, 413, 415), "body": policy_body, "ok": m(responses.Policy)},
        ("post", "/policies/{id}/publish"): {
            "summary": "发布并匹配推送（推送在后台分批完成；未在短时间内完成时答复 202）", "roles": ("editor",),
            "errors": (409,), "ok": m(responses.Policy),
            "accepted": m(responses.PolicyPublishing)},
        ("get", "/policies/{id}/fanout"): {"summary": "发布推送进度", "roles": staff, "ok": m(responses.Fanout)},
        ("post", "/policies/{id}/withdraw"): {
            "summary": "撤回", "roles": ("editor",), "errors": (409,),
            "body": {"required": False, "content": _json(m(WithdrawIn))}, "ok": m(responses.Policy)},
        ("get", "/policies/{id}/versions"): {"summary": "版本记录", "roles": staff,
                                                    "ok": m(responses.PolicyVersionPage)},
        ("get", "/policies/{id}/matches"): {"summary": "政策匹配的企业（按得分排序）", "roles": staff,
                                                   "ok": m(responses.MatchPage)},
        ("post", "/enterprises"): {"summary": "登记企业", "roles": staff, "status": 201, "errors": (409,),
                                   "body": {"required": True, "content": _json(m(EnterpriseIn))},
                                   "ok": m(responses.Enterprise)},
        ("get", "/enterprises"): {
            "summary": "企业列表（联系方式脱敏）", "roles": staff,
            "ok": m(responses.EnterprisePage)},
        ("get", "/enterprises/{id}"): {"summary": "企业详情", "roles": staff, "ok": m(responses.Enterprise)},
        ("patch", "/enterprises/{id}"): {
            "summary": "修改企业信息（重新测算规模并重新匹配）", "roles": staff,
            "body": {"required": True, "content": _json(m(EnterprisePatch))}, "ok": m(responses.Enterprise)},
        ("delete", "/enterprises/{id}"): {
            "summary": "删除企业（取消其未发送的推送）", "roles": ("editor",),
            "ok": m(responses.EnterpriseDeleted)},
        ("get", "/enterprises/{id}/matches"): {"summary": "企业匹配的政策", "roles": staff,
                                                          "ok": m(responses.MatchPage)},
        ("post", "/enterprises/import"): {
            "summary": "批量导入（CSV 或 XLSX，按信用代码新增或更新）", "roles": staff, "errors": (413,),
            "body": {"required": True, "content": {"multipart/form-data": {"schema": m(EnterpriseImportForm)}}},
            "ok": m(responses.ImportReport)},
        ("get", "/size-class"): {
            "summary": "按统计上大中小微型企业划分办法（2017）测算规模",
            "ok": m(responses.SizeClass)},
        ("post", "/consultations"): {"summary": "提交咨询（2 个工作日内答复）", "status": 201, "errors": (409, 429),
                                     "body": {"required": True, "content": _json(m(ConsultationIn))},
                                     "ok": m(responses.Consultation)},
        ("get", "/consultations"): {
            "summary": "咨询列表（答复人员仅本部门；联系方式脱敏）", "roles": staff,
            "ok": m(responses.ConsultationPage)},
        ("get", "/consultations/{id}"): {"summary": "咨询详情（答复人员仅本部门）", "roles": staff,
                                                      "ok": m(responses.Consultation)},
        ("post", "/consultations/{id}/answer"): {
            "summary": "答复（可附文件）", "roles": ("answerer",), "errors": (409, 413),
            "body": {"required": True, "content": _json(m(AnswerIn))
                     | {"multipart/form-data": {"schema": m(AnswerForm)}}},
            "ok": m(responses.AnswerDone)},
        ("get", "/consultations/{tracking_code}/thread"): {
            "summary": "企业查看办理记录（凭状态链接的 token）：补充要求、补充、答复及附件", "errors": (429,),
            "ok": m(responses.ConsultationThread)},
        ("post", "/consultations/{id}/reassign"): {
            "summary": "转办", "roles": ("answerer", "supervisor"), "errors": (409,),
            "body": {"required": True, "content": _json(m(ReassignIn))}, "ok": m(responses.Consultation)},
        ("post", "/consultations/{tracking_code}/rating"): {
            "summary": "好差评：企业评价答复（5 非常满意 … 1 非常不满意；差评启动回访整改）", "status": 201,
            "errors": (404, 409, 429),
            "body": {"required": True, "content": _json(m(RatingIn))},
            "ok": m(responses.RatingDone)},
        ("post", "/consultations/{id}/supplement-request"): {
            "summary": "请企业补充材料（以短信或邮件告知企业；期限暂停，企业补充后重新计算 2 个工作日）",
            "roles": ("answerer",), "errors": (409,),
            "body": {"required": True, "content": _json(m(SupplementRequestIn))},
            "ok": m(responses.Consultation)},
        ("post", "/consultations/{tracking_code}/supplement"): {
            "summary": "企业补充材料：文字与附件（凭状态链接的 token 或提问时的联系方式）；期限自补充时起重新计算 2 个工作日",
            "status": 201, "errors": (409, 413, 429),
            "body": {"required": True, "content": _json(m(SupplementIn))
                     | {"multipart/form-data": {"schema": m(SupplementForm)}}},
            "ok": m(responses.SupplementDone)},
        ("get", "/answers"): {
            "summary": "先查已有解答：与所输入问题相近的已公开政策问答和政策原文段落（提交咨询前）", "errors": (429,),
            "ok": m(responses.SuggestedAnswers)},
        ("get", "/calendar/deadline"): {
            "summary": "答复期限（提交日之后第 2 个工作日 23:59:59）",
            "ok": m(responses.Deadline)},
        ("put", "/calendar/overrides/{day}"): {
            "summary": "调整工作日历（重新计算待办期限）", "roles": ("admin",),
            "body": {"required": True, "content": _json(m(OverrideIn))}, "ok": m(responses.DayOverridden)},
        ("get", "/sla/summary"): {
            "summary": "答复时限统计", "roles": ("supervisor",),
            "ok": m(responses.SlaSummary)},
        ("post", "/me/code"): {
            "summary": "企业登录：发送验证码（短信）或登录链接（邮件）；无论是否登记均答 202", "status": 202,
            "errors": (429,),
            "body": {"required": True, "content": _json(m(CodeRequestIn))},
            "ok": m(responses.CodeSent)},
        ("post", "/me/session"): {
            "summary": "企业登录：以验证码换取令牌", "errors": (401, 429),
            "body": {"required": True, "content": _json(m(SessionIn))},
            "ok": m(responses.SessionOpened)},
        ("get", "/me"): {"summary": "本企业信息", "enterprise": True, "ok": m(responses.Enterprise)},
        ("patch", "/me"): {"summary": "修改本企业信息（重新匹配，新匹配的政策会推送）", "enterprise": True,
                           "body": {"required": True, "content": _json(m(EnterprisePatch))},
                           "ok": m(responses.Enterprise)},
        ("get", "/me/policies"): {"summary": "我的政策", "enterprise": True, "ok": m(responses.MyPolicyPage)},
        ("get", "/me/near-misses"): {"summary": "差一点：只差一个条件的政策", "enterprise": True,
                                     "ok": m(responses.NearMissPage)},
        ("put", "/me/follows/{id}"): {"summary": "关注政策", "enterprise": True, "ok": m(responses.FollowState)},
        ("delete", "/me/follows/{id}"): {"summary": "取消关注", "enterprise": True, "ok": m(responses.FollowState)},
        ("get", "/me/preferences"): {"summary": "推送设置", "enterprise": True, "ok": m(responses.Preferences)},
        ("put", "/me/preferences"): {
            "summary": "修改推送设置（可重新订阅）", "enterprise": True,
            "body": {"required": True, "content": _json(m(MyPreferencesIn))},
            "ok": m(responses.Preferences)},
        ("get", "/eligibility"): {
            "summary": "政策计算器：规模、适用政策与差一点（无需登记）", "errors": (429,),
            "ok": m(responses.Eligibility)},
        ("get", "/notifications"): {
            "summary": "推送记录（收件人脱敏）", "roles": staff,
            "ok": m(responses.NotificationPage)},
    }


_RULE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def document_path(rule: str) -> str:
    """The OpenAPI path of a URL rule below /api/v1: `<int:policy_id>` is `{id}`, as API.md writes it."""
    return _RULE_PARAM.sub(lambda m: "{id}" if m.group(1) == "int" else "{" + m.group(2) + "}",
                           rule.removeprefix(PREFIX))


def _served() -> tuple[dict[str, list[dict[str, Any]]], dict[tuple[str, str], type[BaseModel]]]:
    """Read from the URL rules: each served /api/v1 path (as OpenAPI writes it) → its path parameters, and each
    (method, path) whose view parses its query string → the model it parses it with."""
    paths: dict[str, list[dict[str, Any]]] = {}
    queries: dict[tuple[str, str], type[BaseModel]] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = document_path(rule.rule)
        params = []
        for converter, name in _RULE_PARAM.findall(rule.rule):
            if converter == "int":
                params.append({"name": "id", "in": "path", "required": True, "schema": INT_ID})
            else:
                schema = {"type": "string", "format": "date"} if name == "day" else {"type": "string"}
                params.append({"name": name, "in": "path", "required": True, "schema": schema})
        paths[path] = params
        model = query_model(current_app.view_functions[rule.endpoint])
        if model is not None:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                queries[(method.lower(), path)] = model
    return paths, queries


def _operation(method: str, path: str, spec: dict[str, Any], query: type[BaseModel] | None) -> dict[str, Any]:
    roles = spec.get("roles")
    op: dict[str, Any] = {
        "operationId": f"{method}_{re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_')}",
        "summary": spec["summary"],
        "responses": {str(spec.get("status", 200)): {"description": "成功", "content": _json(spec["ok"])}},
    }
    if spec.get("accepted"):
        op["responses"]["202"] = {"description": "已接受，后台继续", "content": _json(spec["accepted"])}
    if roles:
        op["description"] = f"角色：{', '.join(roles)}（admin 均可）"
        op["security"] = [{"bearer": []}]
    elif spec.get("enterprise"):
        op["description"] = "企业：POST /me/session 取得的令牌"
        op["security"] = [{"bearer": []}]
    elif spec.get("optional_auth"):
        op["security"] = [{}, {"bearer": []}]
    else:
        op["security"] = []
    if query is not None:
        op["parameters"] = query_parameters(query)
    if spec.get("body"):
        op["requestBody"] = spec["body"]
    errors = {400, 422, 404, *spec.get("errors", ())}
    if roles or spec.get("enterprise"):
        errors |= {401, 403}
    elif spec.get("optional_auth"):
        errors.add(401)
    for status in sorted(errors):
        op["responses"][str(status)] = {"description": _ERROR_TEXT[str(status)], "content": _json(_ERROR_REF)}
    return op


def build_document() -> dict[str, Any]:
    """The whole document for the current app (call inside an app context)."""
    schemas: dict[str, Any] = {}
    _model(responses.Error, schemas)
    served, queries = _served()
    paths: dict[str, dict[str, Any]] = {}
    for (method, path), spec in _operations(schemas).items():
        item = paths.setdefault(path, {})
        if served.get(path):
            item["parameters"] = served[path]
        item[method] = _operation(method, path, spec, queries.get((method, path)))
    return {
        "openapi": "3.1.0",
        "info": {"title": "policyhub API（惠企政策精准推送）", "version": "1",
                 "description": "错误均为 4xx 与 {\"error\": {\"code\", \"message\", \"fields\"}}；5xx 是缺陷。"},
        "servers": [{"url": PREFIX}],
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
    }


@api.get("/openapi.json")
def openapi():
    return jsonify(build_document())
