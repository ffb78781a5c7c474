"""Errors a use case raises; the web layer turns them into 4xx answers or form messages."""

from __future__ import annotations

__all__ = ["Conflict", "Forbidden", "Invalid", "NotFound", "ServiceError"]


class ServiceError(Exception):
    """A refused request: an HTTP status, a machine code, a Chinese message and per-field reasons."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class Invalid(ServiceError):
    status = 422
    code = "invalid"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"
