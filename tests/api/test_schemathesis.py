"""The API against its own document, on a live server, with a token of every role.

- Schemathesis calls every operation of /api/v1/openapi.json with generated parameters and bodies
  (half of them aimed at real sample objects), as each role and without a token: no answer is a
  server error, every status, content type and body is the documented one, and a de-identified
  enterprise's name and phone reach only those who may know them.
- The access rules: every operation, called by each role on a sample object that belongs to
  someone else, answers 401/403/404 to the roles tests/api/access_policy.py does not allow —
  never data — and gets past them for the roles it does."""

from __future__ import annotations

import uuid
import warnings
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NonInteractiveExampleWarning
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.access_policy import POLICY, ROLES, make_samples
from tests.conftest import changing
from webapp.accounts import tokens
from webapp.accounts.models import Organisation, OrgKind, Role
from webapp.extensions import db

pytestmark = [pytest.mark.live]

MAX_EXAMPLES = 4  # per operation and role: 6 roles × every operation
SECRET_ORG = "接口保密甲乙精工有限公司"
SECRET_PHONE = "13700007777"
KNOWS_POSTERS = {"broker", "admin"}  # besides the need's own enterprise (webapp.needs.models)


def _no_secret_for(role: str):
    def no_secret(ctx, response, case):
        if role not in KNOWS_POSTERS and (SECRET_ORG in response.text or SECRET_PHONE in response.text):
            raise AssertionError(f"a de-identified enterprise reached {role}: {case.method} {case.formatted_path}")

    return no_secret


@pytest.fixture
def world(live_app, make_live_user) -> dict:
    """A read-and-write token for a user of each role, and the sample objects of the policy table,
    owned by other users; a de-identified need names SECRET_ORG and SECRET_PHONE."""
    unique = uuid.uuid4().hex[:8]  # the live database keeps what earlier tests made
    with live_app.app_context():
        orgs = {
            kind: Organisation(kind=kind, name=f"接口测试{kind.value}{unique}", address="天津市津南区海河教育园区")
            for kind in (OrgKind.ENTERPRISE, OrgKind.UNIVERSITY)
        }
        secret = Organisation(kind=OrgKind.ENTERPRISE, name=f"{SECRET_ORG}{unique}", address="天津市津南区小站镇")
        db.session.add_all([*orgs.values(), secret])
        db.session.commit()
        org_ids = {kind: org.id for kind, org in orgs.items()}
        secret_id = secret.id
    org_of = {"enterprise": org_ids[OrgKind.ENTERPRISE], "researcher": org_ids[OrgKind.UNIVERSITY]}
    callers = {role: make_live_user(role, organisation_id=org_of.get(role)) for role in ROLES if role != "anonymous"}
    owners = {role.value: make_live_user(role, organisation_id=org_of.get(role.value)) for role in Role}
    owners["enterprise"] = make_live_user("enterprise", organisation_id=secret_id)
    with changing(live_app):
        headers = {"anonymous": {}}
        for role, user in callers.items():
            _token, plaintext = tokens.create_token(db.session.merge(user), "schemathesis", "read write")
            headers[role] = {"Authorization": f"Bearer {plaintext}"}
        samples = make_samples(db.session, {role: db.session.merge(user) for role, user in owners.items()})
        from webapp.needs.models import Need

        secret_need = db.session.get(Need, samples["published_need"])
        secret_need.organisation_id, secret_need.organisation_name = secret_id, f"{SECRET_ORG}{unique}"
        secret_need.contact_name, secret_need.contact_phone = "保密联系人", SECRET_PHONE
        db.session.commit()
    return {"headers": headers, "samples": samples}


def _content_type(response) -> str:
    """The media type of a Schemathesis response (its headers map lower-case names to lists)."""
    values = {name.lower(): value for name, value in response.headers.items()}.get("content-type") or [""]
    value = values[0] if isinstance(values, list) else values
    return value.split(";")[0].strip()


def _operations(live_server: str) -> list:
    schema = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def _label(operation) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _aimed(case, samples: dict):
    """The case with its path ids pointing at the operation's sample objects."""
    _roles, params = POLICY.get(_label(case.operation), (None, {}))
    for name, sample in params.items():
        case.path_parameters[name] = samples[sample]
    return case


def _fuzz(operation, base_url: str, role: str, world: dict, calls: Counter) -> None:
    checks = [
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
        content_type_conformance,
        _no_secret_for(role),
    ]
    cases = operation.as_strategy()
    aimed = cases.map(lambda case: _aimed(case, world["samples"]))

    @given(case=st.one_of(cases, aimed))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        calls[_label(operation)] += 1
        case.call_and_validate(base_url=base_url, headers=world["headers"][role], checks=checks)

    run()


def test_every_operation_conforms_to_the_document_for_every_role(live_server, world):
    operations = _operations(live_server)
    calls: Counter = Counter()
    failures: dict[str, str] = {}
    for operation in operations:
        for role in ROLES:
            try:
                _fuzz(operation, live_server, role, world, calls)
            except Exception as exc:  # noqa: BLE001 - every operation and role runs; failures are listed
                failures[f"{_label(operation)} as {role}"] = f"{type(exc).__name__}: {exc}"
    print(f"\nschemathesis: {len(calls)} operations × {len(ROLES)} roles, {sum(calls.values())} examples")
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
    assert set(calls) == {_label(o) for o in operations}


def test_every_operation_has_an_access_rule(live_server):
    labels = {_label(o) for o in _operations(live_server)}
    assert labels - POLICY.keys() == set(), "add these operations to tests/api/access_policy.py"
    assert POLICY.keys() - labels == set(), "the policy names operations the document does not have"


def test_a_token_of_a_role_without_the_right_gets_no_data(live_server, world):
    """One generated, schema-valid request per operation and role, aimed at the samples."""
    wrong: list[str] = []
    for operation in _operations(live_server):
        label = _label(operation)
        allowed, _params = POLICY[label]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NonInteractiveExampleWarning)
            template = operation.as_strategy().example()
        for role in sorted(ROLES, key=lambda r: r == "admin"):  # admins last: they may change the samples
            case = _aimed(template, world["samples"])
            if case.headers and "Idempotency-Key" in case.headers:
                # A key this caller already gave another request is rightly a 422 (tested on its
                # own): here each call is a request of its own, so that who asks is what is tested.
                case.headers["Idempotency-Key"] = uuid.uuid4().hex
            response = case.call(base_url=live_server, headers=world["headers"][role])
            refused = response.status_code in (401, 403, 404)
            # 400: refused at the edge before any view (a NUL in a generated query): no data either.
            at_edge = response.status_code == 400
            if role in allowed and (refused or response.status_code >= 500):
                wrong.append(f"{label} as {role}: {response.status_code}, expected to be let through")
            if role not in allowed and not (refused or at_edge):
                wrong.append(f"{label} as {role}: {response.status_code} {response.text[:200]}")
            if (refused or at_edge) and _content_type(response) != "application/problem+json":
                wrong.append(f"{label} as {role}: a refusal that is not a problem document")
    assert not wrong, "\n".join(wrong)
