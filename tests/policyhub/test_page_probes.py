"""Every page and form route probed with hostile values, anonymous and as an admin: never a server error.

The API has the schemathesis run (test_fuzz.py); pages have no document to drive a fuzzer, so this walks the
URL map itself: each rule with hostile path values, query strings and form fields.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

PASSWORD = "correct-horse-battery"
HOSTILE = ["²", "٣", "\x00", "\ud800", "\ufffe", "0001-01-01", "9999-12-31", "1e400", "-1", "2147483648",
           "18446744073709551616", "' OR 1=1 --", "%00", "a" * 5000, "[" * 500, "/%09/evil.example/"]
FORM_FIELDS = ["q", "page", "per_page", "status", "department", "policy_id", "from", "to", "username", "password",
               "question", "contact_name", "mobile", "email", "credit_code", "tracking_code", "contact", "answer",
               "reason", "supplement", "request_text", "title", "body", "criteria", "industries", "sizes",
               "regions", "name", "industry_code", "employees", "business_scope", "topics", "override-day",
               "override-note", "schedule-year", "action", "next", "m", "t", "published", "token", "day"]

pytestmark = pytest.mark.slow


def _paths(app) -> list[tuple[str, str, set[str]]]:
    """(rule, endpoint, methods) of every route outside the API and static files."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static")) or rule.endpoint == "static":
            continue
        out.append((rule.rule, rule.endpoint, set(rule.methods) - {"HEAD", "OPTIONS"}))
    return sorted(out)


def _fill(rule: str, value: str) -> str:
    def one(match: re.Match) -> str:
        converter = match.group(1)
        return "1" if converter == "int" else value.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")

    return re.sub(r"<(?:(\w+):)?\w+>", one, rule)


def _safe_for_url(value: str) -> str:
    # A lone surrogate cannot be put in a URL or a form at all (it has no UTF-8 form; the server would read
    # the bytes a client sends instead as U+FFFD).
    return value.encode("utf-8", "replace").decode("utf-8")


@pytest.mark.parametrize("signed_in", [False, True])
def test_no_page_answers_a_server_error(client, app, make_user, make_policy, make_enterprise, signed_in):
    make_user("admin", "admin", None, password=PASSWORD)
    make_policy()
    make_enterprise()
    client.post("/api/v1/consultations", json={"question": "请问如何申报技术改造补贴？", "contact_name": "张",
                                                "mobile": "13800001234"})
    if signed_in:
        assert client.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    failures = []
    requests = 0
    statuses: Counter[int] = Counter()
    for rule, endpoint, methods in _paths(app):
        if endpoint == "auth.logout":
            continue  # would end the signed-in half
        for value in HOSTILE:
            url = _fill(rule, _safe_for_url(value))
            query = {name: _safe_for_url(value) for name in ("q", "page", "per_page", "status", "department",
                                                              "policy_id", "from", "to", "next", "m", "t")}
            form = {name: _safe_for_url(value) for name in FORM_FIELDS}
            # The calendar page's two forms: each hostile value reaches both.
            form["action"] = "schedule" if len(value) % 2 else "override"
            for method in sorted(methods):
                requests += 1
                try:
                    if method == "GET":
                        response = client.get(url, query_string=query)
                    else:
                        response = client.open(url, method=method, query_string={"next": query["next"]},
                                               data=form)
                except Exception as exc:  # TESTING propagates the app's exceptions
                    failures.append(f"{method} {url}: {type(exc).__name__}: {exc}"[:300])
                    continue
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(f"{method} {url}: {response.status_code}")
    print(f"page probes ({'admin' if signed_in else 'anonymous'}): {requests} requests, {len(failures)} failures; "
          f"statuses {dict(sorted(statuses.items()))}")
    assert requests > 100
    assert not failures, f"{len(failures)} of {requests} requests failed:\n" + "\n".join(failures[:30])
