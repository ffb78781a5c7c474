"""Bearer-token authentication and role checks for the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from policyhub.models import User
from policyhub.services.errors import Forbidden, ServiceError
from policyhub.services.users import user_for_token

__all__ = ["Unauthorized", "current_api_user", "require_roles"]


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


def current_api_user() -> User | None:
    """The user whose token the request carries; None without one; Unauthorized for a bad one."""
    if "api_user" in g:
        return g.api_user
    header = request.headers.get("Authorization", "")
    if not header:
        g.api_user = None
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization 头应为 Bearer <令牌>", fields={"Authorization": "格式有误"})
    user = user_for_token(token.strip())
    if user is None:
        raise Unauthorized("API 令牌无效或已停用", fields={"Authorization": "令牌无效"})
    g.api_user = user
    return user


def require_roles(*roles: str) -> Callable:
    """Allow the view to users with one of these roles (admins always); 401 without a token."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            user = current_api_user()
            if user is None:
                raise Unauthorized("需要 API 令牌（Authorization: Bearer <令牌>）")
            if roles and user.role not in roles and user.role != "admin":
                raise Forbidden(f"需要以下角色之一：{', '.join(roles)}")
            return view(*args, **kwargs)

        return wrapper

    return decorator
