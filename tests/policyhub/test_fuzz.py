"""A bounded, seeded schemathesis run against the served OpenAPI document: no input may cause a server error.

Every operation gets FUZZ_EXAMPLES valid-looking and FUZZ_EXAMPLES invalid cases, and one with an id gets
FUZZ_EXAMPLES more on the id 1 that exists (a few hundred requests in all, the same ones every run), sent as an admin so role checks do not stop them early, to an app holding a
little real data. Set POLICYHUB_FUZZ_EXAMPLES for a longer run.
"""

from __future__ import annotations

import os
import traceback
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

FUZZ_EXAMPLES = int(os.environ.get("POLICYHUB_FUZZ_EXAMPLES", "6"))

pytestmark = pytest.mark.slow
# No server error, and every answer one the document describes: its status, media type and schema.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def seeded(client, make_user, make_policy, make_enterprise, make_department, bearer):
    """Departments, users, a published and a draft policy, enterprises and a consultation; the admin's headers."""
    make_department("yshj", "滨州市优化营商环境办公室")
    admin = make_user("admin", "admin", None)
    published = make_policy()
    make_policy(title="滨州市专精特新中小企业奖励办法", body="对专精特新中小企业给予奖励。", publish=False)
    for seq in (1, 2):
        make_enterprise(seq=seq)
    client.post("/api/v1/consultations", json={"question": "请问如何申报技术改造补贴？", "contact_name": "张",
                                                "mobile": "13800001234", "policy_id": published["id"]})
    return bearer(admin)


def test_no_input_causes_a_server_error(app, seeded):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    requests = 0
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        strategies = [operation.as_strategy(generation_mode=mode)
                      for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        if "{id}" in operation.path:
            # Random ids are nearly all unknown (404); these cases reach the rows the fixture made.
            strategies.append(operation.as_strategy(generation_mode=GenerationMode.POSITIVE,
                                                    path_parameters={"id": 1}))
        for strategy in strategies:

            @given(case=strategy)
            @settings(max_examples=FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck))
            def probe(case):
                nonlocal requests
                requests += 1
                try:
                    response = case.call_and_validate(headers=seeded, checks=CHECKS)
                    statuses[response.status_code] += 1
                except Exception:
                    failures.append(f"{case.operation.label}:\n{traceback.format_exc(limit=-8)}")

            probe()
    print(f"fuzz ({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}): {operations} operations, "
          f"{requests} requests, {len(failures)} failures; statuses {dict(sorted(statuses.items()))}")
    assert operations == 44  # the 45 v1 operations but the document itself, which schemathesis leaves out
    assert requests >= 26 * FUZZ_EXAMPLES
    assert not failures, f"{len(failures)} of {requests} requests failed:\n\n" + "\n\n".join(failures[:20])
