import uuid
from types import SimpleNamespace

import pytest

from webapp.accounts import tokens
from webapp.accounts.models import OrgKind
from webapp.extensions import db


@pytest.fixture
def make_token(app):
    """The plaintext of a new read token of `user`."""

    def make(user, scopes: str = "read") -> str:
        with app.app_context():
            _token, plaintext = tokens.create_token(db.session.merge(user), "测试", scopes)
            db.session.commit()
        return plaintext

    return make


@pytest.fixture
def cast(make_user, make_org, make_token):
    """The people of the deal tests: an agency's broker, the two sides' contacts and people named on
    no deal, each with a read-and-write token."""
    uid = uuid.uuid4().hex[:6]
    agency = make_org(OrgKind.AGENCY, name=f"滨海技术转移中心{uid}")
    enterprise_org = make_org(OrgKind.ENTERPRISE, name=f"津南储能科技有限公司{uid}", address="天津市津南区")
    university = make_org(OrgKind.UNIVERSITY, name=f"天津大学{uid}")
    people = SimpleNamespace(
        uid=uid,
        agency=agency,
        enterprise_org=enterprise_org,
        university=university,
        broker=make_user("broker", organisation_id=agency.id, name=f"张经纪{uid}"),
        agency_colleague=make_user("broker", organisation_id=agency.id),
        other_broker=make_user("broker"),
        admin=make_user("admin"),
        enterprise=make_user("enterprise", organisation_id=enterprise_org.id),
        researcher=make_user("researcher", organisation_id=university.id),
        university_colleague=make_user("researcher", organisation_id=university.id),
        stranger=make_user("enterprise"),
    )
    people.token = {
        name: make_token(getattr(people, name), "read write")
        for name in (
            "broker",
            "agency_colleague",
            "other_broker",
            "admin",
            "enterprise",
            "researcher",
            "university_colleague",
            "stranger",
        )
    }
    return people
