"""A performance report whose enterprise has no account (a deal from a need imported from the
district's lists), filed through the API by an admin on the enterprise's behalf: `filed_note` says
where the figures come from (required to submit: 422 naming it, nothing saved), the report shows who
filed it and the note, another admin reviews it; nobody else files it, and no admin files the report
of an enterprise that has an account."""

from __future__ import annotations

import dataclasses
import io

import pytest
import sqlalchemy as sa

from tests.api.deals_factory import auth
from tests.challenges import factory as challenges
from tests.performance import factory
from webapp.core.audit import AuditEvent
from webapp.extensions import db
from webapp.performance.models import PerformanceReport

NOTE = "2027年3月5日电话向企业财务核实"
FIGURES = {
    "new_products": 1,
    "sales": "320",
    "cost_saved": "40",
    "patents_filed": 1,
    "patents_granted": 0,
    "jobs": 6,
    "follow_on_contracts": 0,
    "follow_on_value": "0",
    "summary": "压铸良率提升，年新增销售320万元。",
}


@dataclasses.dataclass
class World:
    report: int  # the due report of a deal paid in full, its need side without an account
    owned: int  # the due report of another deal, filed by the enterprise `owner`
    names: dict
    ids: dict
    token: dict


@pytest.fixture
def world(app, challenge_clock, make_token) -> World:
    with app.app_context():
        people = challenges.make_people()
        broker = factory.broker()
        report = factory.report_of(deal=factory.paid(people, broker, ownerless=True))
        owned = factory.report_of(deal=factory.paid(people, broker))
        users = {"admin": people.admin, "reviewer": factory.admin(), "broker": broker}
        users |= {"tju": people.tju, "owner": people.owner, "rival": people.rival}
        db.session.commit()
        built = World(
            report=report.id,
            owned=owned.id,
            names={name: user.name for name, user in users.items()},
            ids={name: user.id for name, user in users.items()},
            token={},
        )
    built.token = {name: make_token(user, "read write") for name, user in users.items()}
    return built


def _as(world: World, who: str) -> dict:
    return auth(world.token[who], **{"Accept-Language": "en"})


def _url(report_id: int, rest: str = "") -> str:
    return f"/api/v1/performance-reports/{report_id}{rest}"


def _upload(client, world: World, who: str, report_id: int):
    return client.http.post(
        _url(report_id, "/evidence"),
        data={"file": (io.BytesIO(factory.PDF), "电话核实记录.pdf")},
        headers=_as(world, who),
        content_type="multipart/form-data",
    )


def test_an_admin_files_it_on_the_enterprises_behalf_and_another_accepts_it(client, query, world):
    url = _url(world.report)
    due = client.http.get(url, headers=_as(world, "admin")).get_json()
    assert (due["can_file"], due["on_behalf"], due["filed_by"], due["filed_note"]) == (True, True, None, None)
    assert due["enterprise"] == factory.IMPORTED_ENTERPRISE
    listed = client.http.get("/api/v1/performance-reports?status=draft&limit=100", headers=_as(world, "admin"))
    mine = [item for item in listed.get_json()["items"] if item["id"] == world.report]
    assert mine and mine[0]["on_behalf"] is True

    draft = client.http.put(url, json={"sales": "300", "filed_note": "企业纸质报表"}, headers=_as(world, "admin"))
    assert draft.status_code == 200, draft.get_data(as_text=True)
    assert (draft.get_json()["filed_by"], draft.get_json()["filed_note"]) == (world.names["admin"], "企业纸质报表")
    assert _upload(client, world, "admin", world.report).status_code == 201

    # Submitting without saying where the figures come from: 422 naming the field, nothing saved.
    refused = client.http.put(url, json=FIGURES | {"submit": True}, headers=_as(world, "admin"))
    assert refused.status_code == 422, refused.get_data(as_text=True)
    errors = refused.get_json()["errors"]["json"]
    assert list(errors) == ["filed_note"] and "Say where the figures come from" in errors["filed_note"][0]
    unreadable = client.http.put(
        url, json=FIGURES | {"sales": "三百万", "submit": True}, headers=_as(world, "admin")
    ).get_json()
    assert set(unreadable["errors"]["json"]) == {"sales", "filed_note"}
    kept = client.http.get(url, headers=_as(world, "admin")).get_json()
    assert (kept["status"], kept["filed_note"], kept["figures"]["jobs"]) == ("draft", "企业纸质报表", None)

    sent = client.http.put(url, json=FIGURES | {"filed_note": NOTE, "submit": True}, headers=_as(world, "admin"))
    assert sent.status_code == 200, sent.get_data(as_text=True)
    filed = sent.get_json()
    assert (filed["status"], filed["can_file"], filed["on_behalf"]) == ("submitted", False, False)
    assert (filed["filed_by"], filed["filed_note"]) == (world.names["admin"], NOTE)

    review = {"decision": "accept", "rating": "pass", "comment": "数据经电话核实"}
    accepted = client.http.post(_url(world.report, "/review"), json=review, headers=_as(world, "reviewer"))
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    seen = client.http.get(url, headers=_as(world, "reviewer")).get_json()
    assert (seen["status"], seen["review"]["rating"], seen["filed_by"], seen["filed_note"]) == (
        "accepted",
        "pass",
        world.names["admin"],
        NOTE,
    )

    events = query(
        lambda s: s.execute(
            sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.after)
            .where(AuditEvent.object_type == "performance_reports", AuditEvent.object_id == world.report)
            .order_by(AuditEvent.id)
        ).all()
    )
    admin = world.ids["admin"]
    by_admin = [(action, after) for action, actor, after in events if actor == admin]
    assert [action for action, _after in by_admin] == ["performance.save", "performance.file", "performance.submit"]
    assert all(after["on_behalf"] is True and after["recorded_by"] == admin for _action, after in by_admin)
    assert by_admin[-1][1]["filed_note"] == NOTE


def test_only_an_admin_files_on_behalf_and_only_for_an_enterprise_without_an_account(client, query, world):
    body = FIGURES | {"filed_note": NOTE}
    for who in ("broker", "tju", "owner", "rival"):  # they do not read the report: 404, as for any id
        answers = [
            client.http.get(_url(world.report), headers=_as(world, who)),
            client.http.put(_url(world.report), json=body, headers=_as(world, who)),
            _upload(client, world, who, world.report),
        ]
        assert [a.status_code for a in answers] == [404, 404, 404], who
    owned = client.http.get(_url(world.owned), headers=_as(world, "admin")).get_json()
    assert (owned["can_file"], owned["on_behalf"]) == (False, False)
    assert client.http.put(_url(world.owned), json=body, headers=_as(world, "admin")).status_code == 403
    assert _upload(client, world, "admin", world.owned).status_code == 403
    assert client.http.put(_url(world.report), json=body, headers=_as(world, "admin")).status_code == 200
    # The enterprise files its own; a note it sends is not kept, and nobody is named as having filed it.
    mine = client.http.put(_url(world.owned), json=body, headers=_as(world, "owner")).get_json()
    assert (mine["filed_by"], mine["filed_note"], mine["can_file"], mine["on_behalf"]) == (None, None, True, False)
    assert query(lambda s: s.get(PerformanceReport, world.owned).filed_note) is None
