"""Small pieces the page blueprints share: role checks and showing service errors next to form fields."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

__all__ = ["roles_required", "show_field_errors"]


def roles_required(*roles: str) -> Callable:
    """Logged-in staff with one of these roles (admins always); others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any):
            if current_user.role not in roles and current_user.role != "admin":
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def show_field_errors(form: Any, fields: dict[str, str]) -> None:
    """Put a service's per-field reasons on the form's fields ("criteria.sizes" lands on sizes)."""
    for name, message in fields.items():
        target = getattr(form, name.removeprefix("criteria."), None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*list(target.errors), message]
