"""Schemathesis against the live server: every operation of /api/v1/openapi.json, called with
generated parameters and an enterprise user's token, must answer without a server error, with a
documented status, content type and body."""

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from webapp.accounts import tokens
from webapp.accounts.models import Organisation, OrgKind
from webapp.extensions import db

pytestmark = [pytest.mark.live]

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
MAX_EXAMPLES = 15


@pytest.fixture
def api_token(live_app, make_live_user) -> str:
    """A read token of an enterprise user, and a few published listings for the lists to show."""
    from tests.listings.search_factory import make_listing

    user = make_live_user("enterprise")
    with live_app.app_context():
        org = Organisation(kind=OrgKind.ENTERPRISE, name="接口测试企业", address="天津市津南区咸水沽镇")
        db.session.add(org)
        db.session.flush()
        for i in range(3):
            make_listing(db.session, "n", title=f"接口测试需求{i}", minutes=i, organisation_id=org.id)
            make_listing(db.session, "a", title=f"接口测试成果{i}", minutes=i, confidential="保密")
        _token, plaintext = tokens.create_token(db.session.merge(user), "schemathesis", "read")
        db.session.commit()
    return plaintext


def _check(operation, base_url: str, headers: dict, calls: Counter, label: str) -> None:
    """MAX_EXAMPLES generated cases of one operation; raises on the first failing check."""

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        calls[label] += 1
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    run()


def test_every_api_operation_conforms_to_the_document(live_server, api_token):
    """Each operation with MAX_EXAMPLES generated cases; every failing operation is reported."""
    schema = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    headers = {"Authorization": f"Bearer {api_token}"}
    calls: Counter = Counter()
    failures: dict[str, str] = {}
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        try:
            _check(operation, live_server, headers, calls, label)
        except Exception as exc:  # noqa: BLE001 - every operation runs; the failures are listed below
            failures[label] = f"{type(exc).__name__}: {exc}"
    print(f"\nschemathesis: {len(calls)} operations, {sum(calls.values())} examples: {dict(calls)}")
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
    assert len(operations) >= 5 and set(calls) == {f"{o.method.upper()} {o.path}" for o in operations}
