"""The JSON API, version 1: bearer-token auth, JSON errors, one module per resource."""

from flask import Blueprint

from policyhub.extensions import csrf

__all__ = ["api"]

api = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens, not cookies, authenticate API calls, so there is no session to forge requests with.
csrf.exempt(api)

from policyhub.web.api import (  # noqa: E402,F401  (routes register on import)
    answers,
    consultations,
    departments,
    enterprises,
    matches,
    me,
    notifications,
    openapi,
    policies,
)
