"""Page forms go through the API's pydantic models: the helper, and a walk of the URL map that keeps it so."""

from __future__ import annotations

import inspect
import re
from collections import Counter
from datetime import date
from typing import get_args
from urllib.parse import quote

import pytest
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from policyhub.extensions import db
from policyhub.models import Department, Policy, User
from policyhub.services.errors import Invalid
from policyhub.web.form_input import FORM_MODEL, form_values, posted_values
from policyhub.web.schemas import DepartmentContactsIn, RatingIn


class _Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=5)
    note: str | None = Field(default=None, max_length=10)
    count: int | None = Field(default=None, ge=1, le=9)
    tags: list[str] = Field(default_factory=list)
    agreed: bool = False


def _parse(app, data, model=_Sample, **kwargs):
    with app.test_request_context("/", method="POST", data=data):
        return form_values(model, **kwargs)


def test_a_form_becomes_the_model(app):
    parsed = _parse(app, {"name": "滨州", "note": "", "count": "3", "tags": ["a", "", "b"], "agreed": "y",
                          "csrf_token": "x", "action": "save"})
    assert parsed == _Sample(name="滨州", note=None, count=3, tags=["a", "b"], agreed=True)
    assert _parse(app, {"name": ""}) == _Sample(name="", agreed=False)


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "六个字的名字"}, "name"), ({"name": "a", "count": "²"}, "count"), ({"name": "a", "count": "10"}, "count"),
    ({"name": "a", "agreed": "maybe"}, "agreed"), ({}, "name"), ({"name": "a", "count": "2147483648"}, "count"),
])
def test_bad_values_are_refused_naming_the_field(app, data, field):
    with pytest.raises(Invalid) as refused:
        _parse(app, data)
    assert list(refused.value.fields) == [field] and refused.value.status == 422


def test_prefixes_and_renamed_fields_answer_in_the_forms_names(app):
    assert _parse(app, {"d3-name": "新名", "d3-approval_required": "y"}, DepartmentContactsIn,
                  prefix="d3").model_dump() == {"name": "新名", "email": None, "phone": None, "approval_required": True}
    with pytest.raises(Invalid) as refused:
        _parse(app, {"score": "9", "r": "t" * 201}, RatingIn, names={"token": "r"})
    assert set(refused.value.fields) == {"score", "r"} and "1 到 5" in refused.value.fields["score"]


def test_what_was_typed_is_kept_as_typed(app):
    with app.test_request_context("/", method="POST", data={"name": " 太长的名字啊 ", "tags": ["x", "y"]}):
        assert posted_values(_Sample) == {"name": " 太长的名字啊 ", "note": "", "count": "", "tags": ["x", "y"],
                                          "agreed": ""}


def _marker(view):
    while view is not None:
        if hasattr(view, FORM_MODEL):
            return True, getattr(view, FORM_MODEL)
        view = getattr(view, "__wrapped__", None)
    return False, ()


def test_every_page_form_is_parsed_by_a_model_never_read_field_by_field(app):
    """Each POST page view says which model parses its form (or that it posts only a CSRF token / a signed link)
    and does not read request.form itself; the models it names are the ones it (or a helper it calls) uses."""
    unmarked, hand_read, unused = [], [], []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint.startswith("api.") or rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        marked, models = _marker(view)
        source = inspect.getsource(inspect.unwrap(view))
        body = source[re.search(r"^def ", source, re.MULTILINE).start():]  # without the decorators
        if not marked:
            unmarked.append(rule.endpoint)
        if "request.form" in body:
            hand_read.append(rule.endpoint)
        module = inspect.getmodule(inspect.unwrap(view))
        helpers = [inspect.getsource(getattr(module, name)) for name in re.findall(r"\b(_\w+)\(", body)
                   if inspect.isfunction(getattr(module, name, None))]
        if any(model.__name__ not in body + "".join(helpers) for model in models):
            unused.append(rule.endpoint)
    assert sorted(unmarked) == [], "POST page views without @reads_form"
    assert sorted(hand_read) == [], "POST page views reading request.form themselves"
    assert sorted(unused) == [], "POST page views marked with a model they do not use"


HOSTILE = {"NUL": "滨州\x00铝业", "lone surrogate": "\ud800", "100k characters": "字" * 100_000,
           "past the database integer": "2147483648", "40 digits": "9" * 40, "negative": "-1", "superscript two": "²",
           "1e400": "1e400", "1899": "1899-12-31", "2201": "2201-01-01"}
PASSWORD = "correct-horse-battery"
#: Hostile for any field; the others (numbers, dates) only where a field is a number, date or checkbox.
UNSTORABLE = {"NUL", "lone surrogate", "100k characters"}


def _typed(annotation) -> bool:
    """Whether a field's type is a number, date or flag (not free text), looking through Optional and Annotated."""
    stack = [annotation]
    while stack:
        current = stack.pop()
        if current in (int, float, bool, date):
            return True
        stack.extend(get_args(current))
    return False


def _body(fields: dict[str, str]) -> bytes:
    # A lone surrogate has no UTF-8 form; a client can still send the bytes a sloppy encoder makes of it.
    return "&".join(f"{quote(name)}={quote(value.encode('utf-8', 'surrogatepass'))}"
                    for name, value in fields.items()).encode("ascii")


def _snapshot() -> dict[str, list[str]]:
    return {table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
            for table in db.metadata.sorted_tables}


def test_hostile_values_in_every_page_form_are_refused_and_change_nothing(app, client, make_user, make_policy,
                                                                           make_enterprise):
    """Every field of every model a page form is parsed by, filled with each hostile value: never a server error,
    and not one row of any table changed."""
    make_user("admin", "admin", None, password=PASSWORD)
    make_user("answerer", "answerer", "gxj")
    policy = make_policy()
    make_enterprise()
    asked = client.post("/api/v1/consultations", json={"question": "请问如何申报技术改造补贴？", "contact_name": "张",
                                                       "mobile": "13800001234"}).get_json()
    assert client.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    with app.app_context():
        ids = {"policy_id": policy["id"], "consultation_id": asked["id"], "code": asked["tracking_code"],
               "user_id": db.session.scalar(select(User.id).where(User.username == "answerer")),
               "department_id": db.session.scalar(select(Department.id).where(Department.code == "gxj"))}
        before = _snapshot()
    prefixes = ["", "new-", "override-", "schedule-", f"d{ids['department_id']}-", f"u{ids['user_id']}-"]
    failures, statuses, requests = [], Counter(), 0
    for rule in app.url_map.iter_rules():
        _, models = _marker(app.view_functions[rule.endpoint])
        if "POST" not in rule.methods or rule.endpoint.startswith("api.") or not models:
            continue
        url = rule.build({name: ids.get(name, "x") for name in rule.arguments}, append_unknown=False)[1]
        names = {f"{prefix}{field}" for model in models for field in model.model_fields for prefix in prefixes}
        typed = any(_typed(info.annotation) for model in models for info in model.model_fields.values())
        for label, value in HOSTILE.items():
            fields = {name: value for name in sorted(names | {"request_text", "r"})}
            fields["action"] = "schedule" if len(label) % 2 else "override"  # the calendar page's two forms
            response = client.post(url, data=_body(fields), content_type="application/x-www-form-urlencoded")
            requests += 1
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{rule.endpoint} {label}: {response.status_code}")
            with app.app_context():
                after = _snapshot()
            changed = sorted(name for name in before if before[name] != after[name])
            if changed and label not in UNSTORABLE and not typed:
                before = after  # "2147483648" is as good a withdrawal reason or new password as any text
            elif changed:
                failures.append(f"{rule.endpoint} {label}: changed {changed}")
                before = after
    print(f"hostile form probes: {requests} requests, {len(failures)} failures; statuses {dict(sorted(statuses.items()))}")
    assert requests > 200
    assert failures == [], "\n".join(failures)


def _post_multipart(client, url: str, fields: dict[str, str]):
    # Encoded in memory: the test client spools a large form to a temporary file it may leave open.
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_page_form_may_carry_a_long_policy_body(app, client, make_user):
    """Flask keeps at most 500 kB of a form's fields by default; a policy's body of 200,000 characters is 600 kB."""
    make_user("editor", "editor", "gxj")
    client.post("/login", data={"username": "editor", "password": PASSWORD})
    body = "对本市铝加工企业给予技术改造补贴。" * 12_000
    created = _post_multipart(client, "/staff/policies/new", {"title": "滨州市支持铝业发展的若干措施", "body": body,
                                                              "department": "gxj"})
    assert created.status_code == 302
    with app.app_context():
        assert len(db.session.scalar(select(Policy.body))) == len(body) > 200_000
    app.config["MAX_FORM_MEMORY_SIZE"] = 500_000
    refused = _post_multipart(client, "/staff/policies/new", {"title": "又一项", "body": body, "department": "gxj"})
    assert refused.status_code == 413


def test_a_too_long_value_is_refused_in_chinese_beside_the_field_keeping_what_was_typed(client, make_department):
    make_department("yshj", "滨州市营商环境局")
    page = client.post("/consultations/new", data={"question": "请问技术改造补贴如何申报？", "contact_name": "张经理",
                                                   "mobile": "1" * 40, "email": ""})
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "过长（最多 32 字）" in text and "Field cannot be longer" not in text
    assert "请问技术改造补贴如何申报？" in text and "张经理" in text


@pytest.mark.parametrize(("url", "data", "field_message"), [
    ("/login", {"username": "u" * 65, "password": "x"}, "过长（最多 64 字）"),
    ("/consultations/status", {"tracking_code": "ZX" * 9, "contact": "13800001234"}, "过长（最多 16 字）"),
])
def test_sign_in_and_lookup_refuse_a_too_long_value_beside_the_field(client, url, data, field_message):
    page = client.post(url, data=data)
    assert page.status_code == 422
    assert field_message in page.get_data(as_text=True) and "Field cannot be longer" not in page.get_data(as_text=True)


def test_a_bad_date_or_amount_in_the_policy_form_is_refused_in_chinese(client, make_user):
    make_user("editor", "editor", "gxj")
    client.post("/login", data={"username": "editor", "password": PASSWORD})
    page = client.post("/staff/policies/new", data={"title": "滨州市支持铝业发展的若干措施", "body": "对铝加工企业给予补贴。",
                                                    "department": "gxj", "apply_until": "2035-13-01",
                                                    "issued_on": "1899-12-31", "max_support_wan": "十万"})
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "日期格式应为 YYYY-MM-DD" in text and "年份应在 1900 到 2200 之间" in text and "应为数字" in text
    assert "Not a valid" not in text
