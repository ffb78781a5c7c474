"""A posted page form parsed by the same pydantic model as the API's JSON: one way in, nothing read per field.

`@reads_form(Model)` marks a page view with the models its form is parsed by (`@reads_form()`: a button that
carries nothing but its CSRF token, or a signed link in its path); `form_values(Model)` reads the posted form into that model. A test walks the
URL map and fails on a page view that reads `request.form` itself.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Collection, Mapping
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from flask import request
from pydantic import BaseModel

from policyhub.services.errors import Invalid
from policyhub.web.api.validation import validate
from policyhub.web.helpers import show_field_errors

__all__ = ["FORM_MODEL", "form_values", "posted_values", "reads_form", "submitted"]

M = TypeVar("M", bound=BaseModel)

#: The attribute `reads_form` sets on a view: the model classes its form is parsed by (none: buttons only).
FORM_MODEL = "form_models"


def reads_form(*models: type[BaseModel]) -> Callable:
    """Mark a page view with the models its posted form is parsed by (none: only a CSRF token is posted)."""

    def decorator(view: Callable) -> Callable:
        setattr(view, FORM_MODEL, models)
        return view

    return decorator


def _repeated(annotation: Any) -> bool:
    """Whether a form carries a value of this type as a repeated name (a multi-select, a group of checkboxes)."""
    options = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else (annotation,)
    for option in options:
        if get_origin(option) is Annotated:
            option = get_args(option)[0]
        if option in (list, set, tuple) or get_origin(option) in (list, set, tuple):
            return True
    return False


def posted_values(model: type[BaseModel], *, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What was typed in the model's fields, as typed (to show the form again): text, or a list for a repeated name."""
    names = dict(names or {})
    return {field: (request.form.getlist(names.get(field, field)) if _repeated(info.annotation)
                    else request.form.get(names.get(field, field), ""))
            for field, info in model.model_fields.items()}


def form_values(model: type[M], *, prefix: str = "", names: Mapping[str, str] | None = None,
                keep_empty: Collection[str] = ()) -> M:
    """The posted form as the model, or Invalid whose fields are the form's field names.

    An empty or missing optional field takes its default (an unticked checkbox: False); a repeated name is a list.
    prefix is the WTForms prefix ("new" reads "new-username"); names maps a model field to a differently named
    form field ({"request": "request_text"}); keep_empty names optional fields where a cleared box means
    "empty", not "not given". Fields the model does not know (csrf_token, buttons) are ignored.
    """
    names = dict(names or {})
    posted = request.form
    values: dict[str, Any] = {}
    for field, info in model.model_fields.items():
        key = names.get(field, field)
        key = f"{prefix}-{key}" if prefix else key
        if _repeated(info.annotation):
            values[field] = [value for value in posted.getlist(key) if value.strip()]
            continue
        raw = posted.get(key)
        if raw is not None and (raw.strip() or info.is_required() or field in keep_empty):
            values[field] = raw  # else absent: the model's default (an unticked checkbox is not posted at all)
    try:
        return validate(model, values, strict=False)
    except Invalid as exc:
        form_name = {field: names.get(field, field) for field in model.model_fields}
        fields = {form_name.get(name.split(".")[0], name): why for name, why in (exc.fields or {}).items()}
        raise Invalid(exc.message, fields=fields) from exc


def submitted(form: Any, model: type[M], **options: Any) -> M | None:
    """The posted form as the model once its WTForm validates (CSRF); else None, the model's reasons on its fields."""
    if not form.validate_on_submit():
        return None
    try:
        return form_values(model, **options)
    except Invalid as exc:
        show_field_errors(form, exc.fields)
        return None
