"""The served OpenAPI document: valid OpenAPI 3.1, and naming exactly the /api/v1 operations the app serves."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.versions.shortcuts import get_spec_version

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def served_operations(app) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<int:\w+>", "{id}", rule.rule.removeprefix("/api/v1"))
        path = re.sub(r"<(\w+)>", r"{\1}", path)
        operations |= {(method.lower(), path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return operations


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert str(get_spec_version(document)) == "OpenAPIV3.1"
    validate(document)


def test_every_served_operation_is_described_and_nothing_else(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    described = {(method, path) for path, item in document["paths"].items() for method in item
                 if method in ("get", "post", "put", "patch", "delete")}
    assert described == served_operations(app)
    assert len(described) == 45


def test_every_operation_says_who_may_call_it_and_how_it_fails(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        assert {p["name"] for p in item.get("parameters", []) if p["in"] == "path"} == names, path
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert "security" in operation, (method, path)
            errors = {s for s in operation["responses"] if s.startswith("4")}
            assert {"400", "404", "422"} <= errors, (method, path)
            for status in errors:
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}
            if operation["security"] == [{"bearer": []}]:
                assert {"401", "403"} <= errors, (method, path)


def resolved(document: dict, schema: dict) -> dict:
    """The schema a $ref names in the document's components (or the schema itself)."""
    ref = schema.get("$ref", "")
    return document["components"]["schemas"][ref.removeprefix("#/components/schemas/")] if ref else schema


def test_uploads_are_multipart_forms_generated_from_the_models_the_views_parse_with(client):
    from policyhub.web.schemas import AnswerForm, EnterpriseImportForm, PolicyForm, SupplementForm

    document = client.get("/api/v1/openapi.json").get_json()
    # Each upload's form model and its file part: one `file`, or a list of `files`.
    for (path, method), (model, file_part) in {
            ("/policies", "post"): (PolicyForm, "file"),
            ("/policies/{id}", "patch"): (PolicyForm, "file"),
            ("/enterprises/import", "post"): (EnterpriseImportForm, "file"),
            ("/consultations/{id}/answer", "post"): (AnswerForm, "files"),
            ("/consultations/{tracking_code}/supplement", "post"): (SupplementForm, "files")}.items():
        schema = document["paths"][path][method]["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{model.__name__}"}, (method, path)
        form = resolved(document, schema)
        assert form == model.model_json_schema(), (method, path)
        part = form["properties"][file_part]
        if file_part == "files":
            assert part["type"] == "array" and part["maxItems"] == 3
            part = part["items"]
        assert part["type"] == "string" and part["format"] == "binary", (method, path)
        # A form field is text or left out: no field of a form may be null.
        assert not any({"type": "null"} in prop.get("anyOf", ()) for prop in form["properties"].values()), path


def test_enterprise_bodies_are_the_models_the_views_parse_with(client):
    from policyhub.web.schemas import EnterpriseIn, EnterprisePatch

    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for model in (EnterpriseIn, EnterprisePatch):
        assert schemas[model.__name__] == model.model_json_schema(ref_template="#/components/schemas/{model}")
    assert schemas["EnterpriseIn"]["required"] == ["credit_code", "name", "industry_code"]
    assert "required" not in schemas["EnterprisePatch"]
    assert set(schemas["EnterprisePatch"]["properties"]) == set(schemas["EnterpriseIn"]["properties"])


def test_sign_in_and_preference_bodies_are_the_models_the_views_parse_with(client):
    from policyhub.web.schemas import CodeRequestIn, MyPreferencesIn, SessionIn

    document = client.get("/api/v1/openapi.json").get_json()
    for (method, path), model in {("post", "/me/code"): CodeRequestIn, ("post", "/me/session"): SessionIn,
                                  ("put", "/me/preferences"): MyPreferencesIn}.items():
        body = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{model.__name__}"}
        assert document["components"]["schemas"][model.__name__] == model.model_json_schema()
    preferences = document["components"]["schemas"]["MyPreferencesIn"]
    assert "required" not in preferences and not any("default" in p for p in preferences["properties"].values())


def api_models() -> dict[str, type]:
    """Every pydantic model a view parses a request with or answers with, by name."""
    from pydantic import BaseModel

    from policyhub.services import enterprise_input
    from policyhub.web import schemas
    from policyhub.web.api import responses

    models: dict[str, type] = {}
    for module in (schemas, enterprise_input, responses):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel:
                assert models.setdefault(value.__name__, value) is value, f"two models named {value.__name__}"
    return models


def test_every_body_and_every_answer_is_a_models_schema(client):
    """No schema in the document is written by hand: each request and response body is a $ref to a model's
    JSON Schema, and the components are exactly those models' schemas and their nested definitions."""
    document = client.get("/api/v1/openapi.json").get_json()
    models = api_models()
    used: set[str] = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            bodies = {f"request {media}": content["schema"]
                      for media, content in operation.get("requestBody", {}).get("content", {}).items()}
            bodies |= {f"{status} {media}": content["schema"] for status, answer in operation["responses"].items()
                       for media, content in answer.get("content", {}).items()}
            assert bodies, (method, path)
            for where, schema in bodies.items():
                name = schema.get("$ref", "").removeprefix("#/components/schemas/")
                assert set(schema) == {"$ref"} and name in models, f"{method} {path} {where}: {schema}"
                used.add(name)
    expected: dict[str, dict] = {}
    for name in used:
        schema = models[name].model_json_schema(ref_template="#/components/schemas/{model}")
        expected |= schema.pop("$defs", {}) | {name: schema}
    assert document["components"]["schemas"] == expected


def test_every_operations_query_parameters_are_exactly_the_fields_of_the_model_its_view_parses(app, client):
    from policyhub.web.api.openapi import document_path
    from policyhub.web.api.validation import query_model

    parsed = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            model = query_model(app.view_functions[rule.endpoint])
            parsed |= {(method.lower(), document_path(rule.rule)): model for method in rule.methods - {"HEAD", "OPTIONS"}}
    document = client.get("/api/v1/openapi.json").get_json()
    with_query = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            documented = {p["name"]: p for p in operation.get("parameters", [])}
            assert all(p["in"] == "query" for p in documented.values()), (method, path)
            model = parsed[(method, path)]
            if model is None:
                assert not documented, (method, path)
                continue
            with_query += 1
            fields = {field.alias or name: field for name, field in model.model_fields.items()}
            assert set(documented) == set(fields), (method, path)
            for name, field in fields.items():
                assert documented[name].get("required", False) == field.is_required(), (method, path, name)
                assert field.title and field.title in documented[name]["description"], (method, path, name)
            page = resolved(document, operation["responses"]["200"]["content"]["application/json"]["schema"])
            if "page" in page.get("properties", {}):
                assert {"page", "per_page"} <= set(documented), (method, path)
    assert with_query == 14


def test_no_api_view_reads_the_query_string_by_hand(app):
    from pathlib import Path

    import policyhub.web.api as package

    for source in Path(package.__file__).parent.glob("*.py"):
        if source.name != "validation.py":
            assert "request.args" not in source.read_text(encoding="utf-8"), source.name
