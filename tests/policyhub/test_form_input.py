"""Page forms go through the API's pydantic models: the helper, and a walk of the URL map that keeps it so."""

from __future__ import annotations

import inspect
import re

import pytest
from pydantic import BaseModel, ConfigDict, Field

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
