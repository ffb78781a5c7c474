"""A posted page form parsed by the same pydantic model as the API's JSON: one way in, nothing read per field.

`@reads_form(Model)` marks a page view with the model its form is parsed by (`@reads_form()`: a button that
carries nothing but its CSRF token); `form_values(Model)` reads the posted form into that model. A test walks the
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

__all__ = ["FORM_MODEL", "form_values", "reads_form"]

M = TypeVar("M", bound=BaseModel)

#: The attribute `reads_form` sets on a view: the model class, or None for a form of buttons only.
FORM_MODEL = "form_model"


def reads_form(model: type[BaseModel] | None = None) -> Callable:
    """Mark a page view with the model its posted form is parsed by (None: only a CSRF token is posted)."""

    def decorator(view: Callable) -> Callable:
        setattr(view, FORM_MODEL, model)
        return view

    return decorator


def _kind(annotation: Any) -> str:
    """How a form carries a value of this type: "list" (repeated name), "bool" (a checkbox) or "text"."""
    options = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else (annotation,)
    for option in options:
        if get_origin(option) is Annotated:
            option = get_args(option)[0]
        if option is bool:
            return "bool"
        if option in (list, set, tuple) or get_origin(option) in (list, set, tuple):
            return "list"
    return "text"


def form_values(model: type[M], *, prefix: str = "", names: Mapping[str, str] | None = None,
                keep_empty: Collection[str] = ()) -> M:
    """The posted form as the model, or Invalid whose fields are the form's field names.

    An empty optional field is absent (its default); an unticked checkbox is False; a repeated name is a list.
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
        kind = _kind(info.annotation)
        if kind == "list":
            values[field] = [value for value in posted.getlist(key) if value.strip()]
            continue
        raw = posted.get(key)
        if raw is None or raw.strip() == "":
            if kind == "bool" and info.default is not None:
                values[field] = False  # an unticked checkbox is not posted at all
            elif raw is not None and (info.is_required() or field in keep_empty):
                values[field] = raw  # the model says whether it may be empty
            continue
        values[field] = raw
    try:
        return validate(model, values, strict=False)
    except Invalid as exc:
        form_name = {field: names.get(field, field) for field in model.model_fields}
        fields = {form_name.get(name.split(".")[0], name): why for name, why in (exc.fields or {}).items()}
        raise Invalid(exc.message, fields=fields) from exc
