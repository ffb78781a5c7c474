"""The API's own OpenAPI description, served at /api/v1/openapi.json."""

from __future__ import annotations

from flask import jsonify

from policyhub.web.api import api

_ERROR = {"$ref": "#/components/schemas/Error"}


def _op(summary: str, *, auth: bool = False, body: bool = False, statuses: tuple[int, ...] = (200,)) -> dict:
    op: dict = {"summary": summary, "responses": {}}
    for status in statuses:
        op["responses"][str(status)] = {"description": "OK" if status < 300 else "error"}
    for status in (400, 404, 422) + ((401, 403) if auth else ()):
        op["responses"].setdefault(str(status), {"description": "error",
                                                 "content": {"application/json": {"schema": _ERROR}}})
    if auth:
        op["security"] = [{"bearer": []}]
    if body:
        op["requestBody"] = {"content": {"application/json": {"schema": {"type": "object"}}}}
    return op


@api.get("/openapi.json")
def openapi():
    paths = {
        "/departments": {"post": _op("Create a department", auth=True, body=True, statuses=(201, 409)),
                         "get": _op("List departments")},
        "/policies": {"post": _op("Create a draft policy (JSON or multipart file)", auth=True, body=True,
                                  statuses=(201, 409, 413)),
                      "get": _op("Search published policies (?q=&industry=&size=&department=&page=)")},
        "/policies/{id}": {"get": _op("A policy with its criteria"),
                           "patch": _op("Edit a policy (new version)", auth=True, body=True)},
        "/policies/{id}/publish": {"post": _op("Publish", auth=True, statuses=(200, 409))},
        "/policies/{id}/withdraw": {"post": _op("Withdraw", auth=True, statuses=(200, 409))},
        "/policies/{id}/versions": {"get": _op("Versions of a policy", auth=True)},
    }
    return jsonify({
        "openapi": "3.1.0",
        "info": {"title": "policyhub API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}}}}}},
        },
    })
