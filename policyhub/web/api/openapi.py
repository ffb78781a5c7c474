"""The API's own OpenAPI 3.1 description, served at /api/v1/openapi.json.

Request bodies come from the pydantic models the views validate with, where a view has one; the
other bodies (validated field by field in the services) are described here. Path parameters are read
from the URL rules, so the document cannot name a path the app does not serve (tests/policyhub/
test_openapi.py checks both directions and validates the document).
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, jsonify
from pydantic import BaseModel

from policyhub.inputs import MAX_DB_INT
from policyhub.models.notification import NOTIFICATION_STATUSES
from policyhub.models.policy import POLICY_STATUSES
from policyhub.services.criteria import SIZES
from policyhub.web.api import api
from policyhub.web.api.consultations import LIST_STATUSES
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

__all__ = ["build_document", "document_path", "openapi"]

PREFIX = "/api/v1"
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_ERROR_TEXT = {
    "400": "请求格式有误（如 JSON 无法解析或嵌套过深）", "401": "缺少或无效的 API 令牌", "403": "角色无权执行",
    "404": "不存在或无权查看", "409": "与现有数据冲突", "413": "上传超过大小上限", "415": "不支持的内容类型",
    "422": "字段有误（fields 逐项说明）", "429": "请求过于频繁",
}

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
INT_ID = {"type": "integer", "minimum": 0, "maximum": MAX_DB_INT}


def _page_params() -> list[dict[str, Any]]:
    return [
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
         "description": "从 1 开始"},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    ]


def _query(name: str, schema: dict[str, Any], description: str = "", *, required: bool = False) -> dict[str, Any]:
    param: dict[str, Any] = {"name": name, "in": "query", "schema": schema}
    if description:
        param["description"] = description
    if required:
        param["required"] = True
    return param


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _model(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    """A $ref to the model's JSON Schema, added to the components."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _with_suggestions(listing: dict[str, Any]) -> dict[str, Any]:
    suggestions = {"type": "array", "items": {"type": "string"},
                   "description": "没有找到时：同样筛选条件下能找到政策的其他检索词；否则为空"}
    return {**listing, "properties": {**listing["properties"], "suggestions": suggestions}}


def _list_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": item}, "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer"}, "per_page": {"type": "integer"}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


# --- schemas of bodies the services validate themselves ---------------------------------------------

CONSULTATION_FILE = {"type": "object", "required": ["id", "filename", "kind", "size"], "properties": {
    "id": {"type": "integer"}, "filename": {"type": "string"},
    "kind": {"enum": ["pdf", "jpeg", "png", "docx", "xlsx"]}, "size": {"type": "integer"}}}

RESPONSE_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message", "fields"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "字段名（嵌套字段以 . 连接）→ 原因"}}}},
    },
    "Department": {"type": "object", "required": ["id", "code", "name"], "properties": {
        "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
        "email": NULLABLE_STRING, "phone": NULLABLE_STRING}},
    "Criteria": {"type": "object", "properties": {
        "industries": {"type": "array", "items": {"type": "string"}},
        "excluded_industries": {"type": "array", "items": {"type": "string"}},
        "sizes": {"type": "array", "items": {"enum": list(SIZES)}},
        "regions": {"type": "array", "items": {"type": "string"}},
        "qualifications": {"type": "array", "items": {"type": "string"}},
        "above_scale_only": {"type": "boolean"},
        "evidence": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "value": {"type": "string"}, "sentence": {"type": "string"}}}}}},
    "Policy": {"type": "object", "required": ["id", "title", "status", "criteria"], "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "doc_number": NULLABLE_STRING,
        "department": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
        "status": {"enum": list(POLICY_STATUSES)}, "version": {"type": "integer"},
        "issued_on": NULLABLE_DATE, "effective_from": NULLABLE_DATE, "effective_to": NULLABLE_DATE,
        "apply_from": NULLABLE_DATE, "apply_until": NULLABLE_DATE,
        "max_support_wan": {"type": ["number", "null"], "description": "最高支持金额（万元）"},
        "contact": NULLABLE_STRING,
        "facts": {"type": "object", "description": "留空字段从正文读取：filled_from_text 列出读取的字段，evidence 给出原句",
                  "properties": {"filled_from_text": {"type": "array", "items": {"type": "string"}},
                                 "read": {"type": "object"}, "evidence": {"type": "array"}}},
        "published_at": NULLABLE_STRING, "updated_at": {"type": "string"}, "criteria": _ref("Criteria"),
        "body": {"type": "string"}, "files": {"type": "array", "items": {"type": "object"}},
        "apply_open": {"type": "boolean", "description": "检索结果中：今天在申报期内（政策写明申报起止且今天在其间）"},
        "snippet": {"type": ["string", "null"],
                    "description": "检索结果中：正文最相关处的摘录，已做 HTML 转义，检索词以 <mark> 标出；无检索词时为 null"}}},
    "Enterprise": {"type": "object", "required": ["id", "credit_code", "name", "industry_code"], "properties": {
        "id": {"type": "integer"}, "credit_code": {"type": "string"}, "name": {"type": "string"},
        "industry_code": {"type": "string"}, "size": {"enum": [*SIZES, None]},
        "size_source": {"enum": ["derived", "declared", "unknown"]}, "mobile": NULLABLE_STRING,
        "email": NULLABLE_STRING, "channels": {"type": "array", "items": {"type": "string"}},
        "warnings": {"type": "array", "items": {"type": "string"}}}},
    "Consultation": {"type": "object", "required": ["id", "tracking_code", "status", "due_at"], "properties": {
        "id": {"type": "integer"}, "tracking_code": {"type": "string"}, "submitted_at": {"type": "string"},
        "due_at": {"type": "string"}, "due_provisional": {"type": "boolean"}, "status": {"type": "string"},
        "department": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
        "mobile": {"type": ["string", "null"], "description": "列表中脱敏；详情中仅答复人员可见全文"},
        "email": {"type": ["string", "null"], "description": "同上"},
        "clock_round": {"type": "integer", "description": "详情中：第几轮计时（每次补充材料后开始新一轮）"},
        "turns": {"type": "array", "description": "详情中：往来记录（补充要求、企业补充、答复），附件列表",
                  "items": {"type": "object", "required": ["id", "author", "kind", "body", "files"], "properties": {
                      "id": {"type": "integer"}, "clock_round": {"type": "integer"},
                      "author": {"enum": ["enterprise", "staff"]},
                      "kind": {"enum": ["supplement_request", "supplement", "answer"]},
                      "body": {"type": "string"}, "created_at": {"type": "string"},
                      "files": {"type": "array", "items": CONSULTATION_FILE}}}}}},
    "Match": {"type": "object", "properties": {
        "score": {"type": "number"}, "eligibility": {"type": "string"}, "reasons": {},
        "missing": {}, "not_relevant": {"type": "boolean"}, "matched_at": {"type": "string"}}},
    "Fanout": {"type": "object", "required": ["state", "matched", "notifications_queued"], "properties": {
        "state": {"enum": ["none", "queued", "running", "done", "cancelled", "failed"]},
        "total": {"type": ["integer", "null"]}, "processed": {"type": "integer"}, "matched": {"type": "integer"},
        "notifications_queued": {"type": "integer"}}},
    "MyPolicy": {"type": "object", "required": ["policy", "reasons", "score", "apply_until", "is_new"], "properties": {
        "policy": {"type": "object", "required": ["id", "title"]}, "reasons": {"type": "array"},
        "score": {"type": "number"}, "apply_until": NULLABLE_DATE, "is_new": {"type": "boolean"},
        "followed": {"type": "boolean"}}},
    "NearMiss": {"type": "object", "required": ["policy", "missing"], "properties": {
        "policy": {"type": "object", "required": ["id", "title"]},
        "missing": {"type": "array", "items": {"type": "string"}, "description": "所缺条件（中文）"}}},
    "Preferences": {"type": "object", "required": ["channels", "frequency"], "properties": {
        "channels": {"type": "array", "items": {"enum": ["sms", "email"]}},
        "frequency": {"enum": ["instant", "daily", "weekly"]}}},
    "Notification": {"type": "object", "required": ["id", "status", "attempts"], "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string"}, "channel": {"enum": ["sms", "email"]},
        "recipient": {"type": "string", "description": "脱敏"}, "status": {"enum": list(NOTIFICATION_STATUSES)},
        "attempts": {"type": "integer"}, "last_error": NULLABLE_STRING}},
}


def _operations(schemas: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path below /api/v1) → the operation, without its path parameters."""
    policy_body = {"required": True, "content": _json(_model(PolicyIn, schemas))
                   | {"multipart/form-data": {"schema": _model(PolicyForm, schemas)}}}
    _model(EnterpriseIn, schemas)
    _model(EnterprisePatch, schemas)
    _model(ConsultationIn, schemas)
    page = _page_params()
    staff = ("editor", "answerer", "supervisor")
    return {
        ("get", "/openapi.json"): {"summary": "本文档", "ok": {"type": "object"}},
        ("post", "/departments"): {"summary": "新建部门", "roles": ("admin",), "status": 201, "errors": (409,),
                                   "body": {"required": True, "content": _json(_model(DepartmentIn, schemas))},
                                   "ok": _ref("Department")},
        ("get", "/departments"): {"summary": "部门列表", "params": page, "ok": _list_of(_ref("Department"))},
        ("post", "/policies"): {"summary": "新建政策草稿（JSON 或上传文件）", "roles": ("editor",), "status": 201,
                                "errors": (409, 413, 415), "body": policy_body, "ok": _ref("Policy")},
        ("get", "/policies"): {
            "summary": "检索政策（匿名仅已发布；带令牌的工作人员可按状态检索）", "optional_auth": True,
            "params": [_query("q", {"type": "string", "maxLength": 200}, "检索词（词与词之间不必全部出现，命中越多越靠前）"),
                       _query("industry", {"type": "string"}, "GB/T 4754 代码"),
                       _query("industry_name", {"type": "string", "maxLength": 50},
                              "行业名称（无 industry 时）：唯一对应一个行业时按它筛选，对应多个时 422 列出可选行业"),
                       _query("region", {"type": "string"}, "区县行政区划代码，如 371681：只含面向全部地区或覆盖该区县的政策"),
                       _query("region_name", {"type": "string"}, "区县名称（无 region 时），如 邹平"),
                       _query("size", {"enum": list(SIZES)}), _query("department", {"type": "string"}),
                       _query("status", {"enum": list(POLICY_STATUSES)}),
                       _query("issued_from", {"type": "string", "format": "date"}),
                       _query("issued_to", {"type": "string", "format": "date"}), *page],
            "ok": _with_suggestions(_list_of(_ref("Policy")))},
        ("get", "/policies/{id}"): {"summary": "政策详情（未发布的仅工作人员可见）", "optional_auth": True,
                                           "ok": _ref("Policy")},
        ("patch", "/policies/{id}"): {"summary": "修改政策（生成新版本）", "roles": ("editor",),
                                             "errors": (409, 413, 415), "body": policy_body, "ok": _ref("Policy")},
        ("post", "/policies/{id}/publish"): {
            "summary": "发布并匹配推送（推送在后台分批完成；未在短时间内完成时答复 202）", "roles": ("editor",),
            "errors": (409,), "ok": _ref("Policy"),
            "accepted": {"type": "object", "required": ["status", "fanout"], "properties": {
                "status": {"enum": ["published"]}, "fanout": _ref("Fanout")}}},
        ("get", "/policies/{id}/fanout"): {"summary": "发布推送进度", "roles": staff, "ok": _ref("Fanout")},
        ("post", "/policies/{id}/withdraw"): {
            "summary": "撤回", "roles": ("editor",), "errors": (409,),
            "body": {"required": False, "content": _json(_model(WithdrawIn, schemas))}, "ok": _ref("Policy")},
        ("get", "/policies/{id}/versions"): {"summary": "版本记录", "roles": staff,
                                                    "ok": _list_of({"type": "object"})},
        ("get", "/policies/{id}/matches"): {"summary": "政策匹配的企业（按得分排序）", "roles": staff,
                                                   "params": page, "ok": _list_of(_ref("Match"))},
        ("post", "/enterprises"): {"summary": "登记企业", "roles": staff, "status": 201, "errors": (409,),
                                   "body": {"required": True, "content": _json(_ref("EnterpriseIn"))},
                                   "ok": _ref("Enterprise")},
        ("get", "/enterprises"): {
            "summary": "企业列表（联系方式脱敏）", "roles": staff,
            "params": [_query("q", {"type": "string", "maxLength": 100}), _query("size", {"enum": [*SIZES, "unknown"]}),
                       _query("flagged", {"enum": ["1", "true"]}), _query("region", {"type": "string"}),
                       _query("industry", {"type": "string"}), *page],
            "ok": _list_of(_ref("Enterprise"))},
        ("get", "/enterprises/{id}"): {"summary": "企业详情", "roles": staff, "ok": _ref("Enterprise")},
        ("patch", "/enterprises/{id}"): {
            "summary": "修改企业信息（重新测算规模并重新匹配）", "roles": staff,
            "body": {"required": True, "content": _json(_ref("EnterprisePatch"))}, "ok": _ref("Enterprise")},
        ("delete", "/enterprises/{id}"): {
            "summary": "删除企业（取消其未发送的推送）", "roles": ("editor",),
            "ok": {"type": "object", "required": ["deleted", "notifications_cancelled"], "properties": {
                "deleted": {"type": "integer"}, "notifications_cancelled": {"type": "integer"}}}},
        ("get", "/enterprises/{id}/matches"): {"summary": "企业匹配的政策", "roles": staff,
                                                          "params": page, "ok": _list_of(_ref("Match"))},
        ("post", "/enterprises/import"): {
            "summary": "批量导入（CSV 或 XLSX，按信用代码新增或更新）", "roles": staff, "errors": (413,),
            "body": {"required": True, "content": {"multipart/form-data": {"schema": _model(EnterpriseImportForm, schemas)}}},
            "ok": {"type": "object", "required": ["created", "updated", "errors"], "properties": {
                "created": {"type": "integer"}, "updated": {"type": "integer"},
                "errors": {"type": "array", "items": {"type": "object"}}}}},
        ("get", "/size-class"): {
            "summary": "按统计上大中小微型企业划分办法（2017）测算规模",
            "params": [_query("industry_code", {"type": "string"}, required=True),
                       _query("employees", {"type": "integer", "minimum": 0}),
                       _query("revenue_wan", {"type": "number", "minimum": 0}),
                       _query("assets_wan", {"type": "number", "minimum": 0})],
            "ok": {"type": "object", "required": ["size", "indicators"]}},
        ("post", "/consultations"): {"summary": "提交咨询（2 个工作日内答复）", "status": 201, "errors": (409, 429),
                                     "body": {"required": True, "content": _json(_ref("ConsultationIn"))},
                                     "ok": _ref("Consultation")},
        ("get", "/consultations"): {
            "summary": "咨询列表（答复人员仅本部门；联系方式脱敏）", "roles": staff,
            "params": [_query("status", {"enum": list(LIST_STATUSES)}), _query("department", {"type": "string"}),
                       _query("q", {"type": "string", "maxLength": 16}, "查询码或手机号（完整或后 4 位以上）"),
                       *page],
            "ok": _list_of(_ref("Consultation"))},
        ("get", "/consultations/{id}"): {"summary": "咨询详情（答复人员仅本部门）", "roles": staff,
                                                      "ok": _ref("Consultation")},
        ("post", "/consultations/{id}/answer"): {
            "summary": "答复（可附文件）", "roles": ("answerer",), "errors": (409, 413),
            "body": {"required": True, "content": _json(_model(AnswerIn, schemas))
                     | {"multipart/form-data": {"schema": _model(AnswerForm, schemas)}}},
            "ok": {"type": "object", "required": ["status"], "properties": {
                "status": {"const": "answered"}, "answered_at": {"type": "string"}, "on_time": {"type": "boolean"},
                "files": {"type": "array", "items": CONSULTATION_FILE}}}},
        ("get", "/consultations/{tracking_code}/thread"): {
            "summary": "企业查看办理记录（凭状态链接的 token）：补充要求、补充、答复及附件", "errors": (429,),
            "params": [_query("token", {"type": "string", "maxLength": 200}, "状态链接中的 t", required=True)],
            "ok": {"type": "object", "required": ["tracking_code", "status", "due_at", "turns"], "properties": {
                "tracking_code": {"type": "string"}, "status": {"type": "string"}, "due_at": {"type": "string"},
                "question": {"type": "string"}, "answer": NULLABLE_STRING, "clock_round": {"type": "integer"},
                "policy": {"type": ["object", "null"]},
                "turns": {"type": "array", "items": {"type": "object", "required": ["kind", "body", "files"]}}}}},
        ("post", "/consultations/{id}/reassign"): {
            "summary": "转办", "roles": ("answerer", "supervisor"), "errors": (409,),
            "body": {"required": True, "content": _json(_model(ReassignIn, schemas))}, "ok": _ref("Consultation")},
        ("post", "/consultations/{tracking_code}/rating"): {
            "summary": "好差评：企业评价答复（5 非常满意 … 1 非常不满意；差评启动回访整改）", "status": 201,
            "errors": (404, 409, 429),
            "body": {"required": True, "content": _json(_model(RatingIn, schemas))},
            "ok": {"type": "object", "required": ["tracking_code", "score", "rated_at", "followup_due_at"]}},
        ("post", "/consultations/{id}/supplement-request"): {
            "summary": "请企业补充材料（以短信或邮件告知企业；期限暂停，企业补充后重新计算 2 个工作日）",
            "roles": ("answerer",), "errors": (409,),
            "body": {"required": True, "content": _json(_model(SupplementRequestIn, schemas))},
            "ok": _ref("Consultation")},
        ("post", "/consultations/{tracking_code}/supplement"): {
            "summary": "企业补充材料：文字与附件（凭状态链接的 token 或提问时的联系方式）；期限自补充时起重新计算 2 个工作日",
            "status": 201, "errors": (409, 413, 429),
            "body": {"required": True, "content": _json(_model(SupplementIn, schemas))
                     | {"multipart/form-data": {"schema": _model(SupplementForm, schemas)}}},
            "ok": {"type": "object", "required": ["tracking_code", "status", "clock_round", "due_at", "files"],
                   "properties": {"tracking_code": {"type": "string"}, "status": {"const": "open"},
                                  "clock_round": {"type": "integer"}, "due_at": {"type": "string"},
                                  "due_provisional": {"type": "boolean"},
                                  "files": {"type": "array", "items": CONSULTATION_FILE}}}},
        ("get", "/answers"): {
            "summary": "先查已有解答：与所输入问题相近的已公开政策问答和政策原文段落（提交咨询前）", "errors": (429,),
            "params": [_query("q", {"type": "string", "maxLength": 2000}, "正在输入的问题")],
            "ok": {"type": "object", "required": ["qa", "policies"], "properties": {
                "qa": {"type": "array", "items": {"type": "object", "required": ["id", "question", "answer", "url"],
                                                  "properties": {
                    "id": {"type": "integer"}, "question": {"type": "string"}, "answer": {"type": "string"},
                    "department": {"type": "string"}, "url": {"type": "string"},
                    "policy": {"type": "object", "properties": {"id": {"type": "integer"},
                                                                "title": {"type": "string"}}}}}},
                "policies": {"type": "array", "items": {"type": "object", "required": ["id", "title", "passage", "url"],
                                                        "properties": {
                    "id": {"type": "integer"}, "title": {"type": "string"}, "department": {"type": "string"},
                    "passage": {"type": "string", "description": "回答该问题的原文段落：已做 HTML 转义，问题中的词以 <mark> 标出"},
                    "url": {"type": "string"}}}}}}},
        ("get", "/calendar/deadline"): {
            "summary": "答复期限（提交日之后第 2 个工作日 23:59:59）",
            "params": [_query("submitted_at", {"type": "string", "format": "date-time"}, "带时区的 ISO 8601 时间",
                              required=True)],
            "ok": {"type": "object", "required": ["due_at", "provisional"]}},
        ("put", "/calendar/overrides/{day}"): {
            "summary": "调整工作日历（重新计算待办期限）", "roles": ("admin",),
            "body": {"required": True, "content": _json(_model(OverrideIn, schemas))}, "ok": {"type": "object"}},
        ("get", "/sla/summary"): {
            "summary": "答复时限统计", "roles": ("supervisor",),
            "params": [_query("from", {"type": "string"}, "YYYY-MM-DD 或带时区的 ISO 8601 时间"),
                       _query("to", {"type": "string"}, "YYYY-MM-DD 或带时区的 ISO 8601 时间")],
            "ok": {"type": "object", "required": ["open", "overdue", "departments"], "properties": {
                "answers_before_asking": {
                    "type": "object", "description": "区间内打开表单上已有解答的访问次数，及其中未再提问（已有解答解决）的次数",
                    "properties": {"visits_opened_answer": {"type": "integer"},
                                   "ended_without_question": {"type": "integer"}}}}}},
        ("post", "/me/code"): {
            "summary": "企业登录：发送验证码（短信）或登录链接（邮件）；无论是否登记均答 202", "status": 202,
            "errors": (429,),
            "body": {"required": True, "content": _json(_model(CodeRequestIn, schemas))},
            "ok": {"type": "object", "properties": {"status": {"const": "sent"}}}},
        ("post", "/me/session"): {
            "summary": "企业登录：以验证码换取令牌", "errors": (401, 429),
            "body": {"required": True, "content": _json(_model(SessionIn, schemas))},
            "ok": {"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}},
        ("get", "/me"): {"summary": "本企业信息", "enterprise": True, "ok": _ref("Enterprise")},
        ("patch", "/me"): {"summary": "修改本企业信息（重新匹配，新匹配的政策会推送）", "enterprise": True,
                           "body": {"required": True, "content": _json(_ref("EnterprisePatch"))},
                           "ok": _ref("Enterprise")},
        ("get", "/me/policies"): {"summary": "我的政策", "enterprise": True, "ok": _list_of(_ref("MyPolicy"))},
        ("get", "/me/near-misses"): {"summary": "差一点：只差一个条件的政策", "enterprise": True,
                                     "ok": _list_of(_ref("NearMiss"))},
        ("put", "/me/follows/{id}"): {"summary": "关注政策", "enterprise": True, "ok": {"type": "object"}},
        ("delete", "/me/follows/{id}"): {"summary": "取消关注", "enterprise": True, "ok": {"type": "object"}},
        ("get", "/me/preferences"): {"summary": "推送设置", "enterprise": True, "ok": _ref("Preferences")},
        ("put", "/me/preferences"): {
            "summary": "修改推送设置（可重新订阅）", "enterprise": True,
            "body": {"required": True, "content": _json(_model(MyPreferencesIn, schemas))},
            "ok": _ref("Preferences")},
        ("get", "/eligibility"): {
            "summary": "政策计算器：规模、适用政策与差一点（无需登记）", "errors": (429,),
            "params": [_query("industry_code", {"type": "string"}, "GB/T 4754 代码", required=True),
                       _query("region_code", {"type": "string"}),
                       _query("employees", {"type": "integer", "minimum": 0}),
                       _query("revenue_wan", {"type": "number", "minimum": 0}),
                       _query("assets_wan", {"type": "number", "minimum": 0}),
                       _query("qualifications", {"type": "string"}, "以 ; 分隔")],
            "ok": {"type": "object", "required": ["size", "above_scale", "eligible", "near_misses"]}},
        ("get", "/notifications"): {
            "summary": "推送记录（收件人脱敏）", "roles": staff,
            "params": [_query("status", {"enum": list(NOTIFICATION_STATUSES)}),
                       _query("channel", {"enum": ["sms", "email"]}), _query("policy_id", INT_ID), *page],
            "ok": _list_of(_ref("Notification"))},
    }


_RULE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def document_path(rule: str) -> str:
    """The OpenAPI path of a URL rule below /api/v1: `<int:policy_id>` is `{id}`, as API.md writes it."""
    return _RULE_PARAM.sub(lambda m: "{id}" if m.group(1) == "int" else "{" + m.group(2) + "}",
                           rule.removeprefix(PREFIX))


def _path_parameters() -> dict[str, list[dict[str, Any]]]:
    """Each served /api/v1 path (as OpenAPI writes it) → its path parameters, read from the URL rules."""
    out: dict[str, list[dict[str, Any]]] = {}
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
        out[path] = params
    return out


def _operation(method: str, path: str, spec: dict[str, Any]) -> dict[str, Any]:
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
    if spec.get("params"):
        op["parameters"] = spec["params"]
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
    schemas: dict[str, Any] = dict(RESPONSE_SCHEMAS)
    served = _path_parameters()
    paths: dict[str, dict[str, Any]] = {}
    for (method, path), spec in _operations(schemas).items():
        item = paths.setdefault(path, {})
        if served.get(path):
            item["parameters"] = served[path]
        item[method] = _operation(method, path, spec)
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
