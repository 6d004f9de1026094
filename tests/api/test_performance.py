"""The performance reports (事后绩效) through the API, as their pages show and change them: the
enterprise lists, reads, fills in, attaches evidence to and submits its report; the district returns
it with a comment and accepts it with a rating; the forms' messages per field (422, nothing saved),
the steps a report's state refuses (409), the audit events; and nobody else — not the winning team,
not a broker, not another enterprise — reads a report or finds it in a list, its enterprise's name
planted in its text and evidence included."""

from __future__ import annotations

import dataclasses
import io
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests import clock
from tests.api.deals_factory import auth
from tests.challenges import factory as challenges
from tests.challenges.test_files import EXE_BYTES
from tests.performance import factory
from webapp.core.audit import AuditEvent
from webapp.extensions import db
from webapp.performance.models import PerformanceReport

OUTSIDERS = ("tju", "broker", "rival", "expert")  # the winning team's lead, a broker, another enterprise, an expert


@dataclasses.dataclass
class World:
    report: int  # the due report of a completed challenge, filed by `owner`
    challenge: int
    enterprise: str  # the enterprise's name, as the district knows it
    names: dict  # each person's name
    ids: dict  # each person's user id
    token: dict  # a read-and-write token of each


@pytest.fixture
def world(app, challenge_clock, make_token) -> World:
    """People and a completed challenge whose report is due, committed; a token for each, and for a
    broker."""
    with app.app_context():
        people = challenges.make_people()
        report = factory.report_of(challenge=factory.completed(people))
        users = {f.name: getattr(people, f.name) for f in dataclasses.fields(challenges.People)}
        users["broker"] = factory.broker()
        db.session.commit()
        built = World(
            report=report.id,
            challenge=report.challenge_id,
            enterprise=people.owner.organisation.name,
            names={name: user.name for name, user in users.items()},
            ids={name: user.id for name, user in users.items()},
            token={},
        )
    built.token = {name: make_token(user, "read write") for name, user in users.items()}
    return built


def _as(world: World, who: str, **headers) -> dict:
    return auth(world.token[who], **{"Accept-Language": "en", **headers})


def _url(world: World, rest: str = "") -> str:
    return f"/api/v1/performance-reports/{world.report}{rest}"


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()["items"]]


def _actions(query, report_id: int) -> list[tuple[str, int | None]]:
    return query(
        lambda s: s.execute(
            sa.select(AuditEvent.action, AuditEvent.actor_id)
            .where(AuditEvent.object_type == "performance_reports", AuditEvent.object_id == report_id)
            .order_by(AuditEvent.id)
        ).all()
    )


def _upload(client, world: World, who: str, name: str = "销售台账.pdf", data: bytes = factory.PDF, **headers):
    return client.http.post(
        _url(world, "/evidence"),
        data={"file": (io.BytesIO(data), name)},
        headers=_as(world, who, **headers),
        content_type="multipart/form-data",
    )


def _complete(**overrides) -> dict:
    body = {
        "new_products": 2,
        "sales": "1,250",
        "cost_saved": "85.5",
        "patents_filed": 3,
        "patents_granted": 1,
        "jobs": 12,
        "follow_on_contracts": 1,
        "follow_on_value": "60",
        "outcomes": ["良率达到96.2%"],
        "commitment": "按承诺书完成全部指标。",
        "summary": "新产品年销售1250万元。",
    }
    return body | overrides


def _submitted(client, world: World) -> None:
    assert _upload(client, world, "owner").status_code == 201
    sent = client.http.put(_url(world), json=_complete(submit=True), headers=_as(world, "owner"))
    assert sent.status_code == 200, sent.get_data(as_text=True)


def test_the_enterprise_lists_reads_saves_uploads_and_submits_its_report(client, query, world):
    listed = client.http.get("/api/v1/performance-reports", headers=_as(world, "owner")).get_json()
    assert [item["id"] for item in listed["items"]] == [world.report] and listed["next_cursor"] is None
    item = listed["items"][0]
    assert item["subject"]["kind"] == "challenge" and item["subject"]["id"] == world.challenge
    assert item["subject"]["url"].endswith(f"/challenges/{world.challenge}")
    assert item["url"].endswith(f"/performance/{world.report}")
    assert (item["status"], item["status_label"], item["overdue"]) == ("draft", "To be filed", False)
    assert item["enterprise"] == world.enterprise and item["can_file"] is True and item["can_review"] is False

    body = client.http.get(_url(world), headers=_as(world, "owner")).get_json()
    assert body["outcomes"] == [{"indicator": "良率≥95%", "outcome": ""}]
    assert set(body["figures"].values()) == {None} and body["files"] == [] and body["review"] is None
    assert body["due_on"] > body["opened_on"]

    draft = client.http.put(
        _url(world), json={"sales": "300", "jobs": 4, "outcomes": ["良率已达95.5%"]}, headers=_as(world, "owner")
    )
    assert draft.status_code == 200, draft.get_data(as_text=True)
    saved = draft.get_json()
    assert saved["status"] == "draft"
    assert saved["figures"]["sales"] == {"yuan": 3_000_000, "text": "¥3M"}
    assert saved["figures"]["jobs"] == 4 and saved["figures"]["new_products"] is None
    assert saved["outcomes"] == [{"indicator": "良率≥95%", "outcome": "良率已达95.5%"}]
    chinese = client.http.get(_url(world), headers=_as(world, "owner", **{"Accept-Language": "zh-CN"})).get_json()
    assert chinese["figures"]["sales"]["text"] == "300 万元" and chinese["status_label"] == "待填报"

    key = {"Idempotency-Key": uuid.uuid4().hex}
    uploaded = _upload(client, world, "owner", **key)
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    retried = _upload(client, world, "owner", **key)  # a retry of the same upload attaches nothing more
    assert retried.status_code == 201 and retried.headers["Idempotent-Replayed"] == "true"
    assert retried.get_json() == uploaded.get_json()
    [evidence] = uploaded.get_json()["files"]
    assert (evidence["filename"], evidence["content_type"], evidence["size"]) == (
        "销售台账.pdf",
        "application/pdf",
        len(factory.PDF),
    )
    assert uploaded.headers["Location"] == evidence["url"] and evidence["url"].endswith(
        f"/performance/files/{evidence['id']}"
    )
    extra = _upload(client, world, "owner", name="多余.pdf").get_json()["files"][-1]
    removed = client.http.delete(_url(world, f"/evidence/{extra['id']}"), headers=_as(world, "owner"))
    assert removed.status_code == 200 and [f["id"] for f in removed.get_json()["files"]] == [evidence["id"]]
    assert client.http.delete(_url(world, f"/evidence/{extra['id']}"), headers=_as(world, "owner")).status_code == 404

    sent = client.http.put(_url(world), json=_complete(submit=True), headers=_as(world, "owner"))
    assert sent.status_code == 200, sent.get_data(as_text=True)
    filed = sent.get_json()
    assert (filed["status"], filed["can_file"]) == ("submitted", False) and filed["submitted_at"]
    assert filed["figures"]["sales"]["yuan"] == 12_500_000 and filed["figures"]["cost_saved"]["yuan"] == 855_000
    assert filed["commitment"] == "按承诺书完成全部指标。" and filed["summary"] == "新产品年销售1250万元。"
    assert filed["outcomes"] == [{"indicator": "良率≥95%", "outcome": "良率达到96.2%"}]

    # Submitted, it stays as it was filed: 409 for another save, upload or removal.
    again = client.http.put(_url(world), json=_complete(), headers=_as(world, "owner"))
    assert again.status_code == 409 and again.headers["Content-Type"] == "application/problem+json"
    assert _upload(client, world, "owner").status_code == 409
    gone = client.http.delete(_url(world, f"/evidence/{evidence['id']}"), headers=_as(world, "owner"))
    assert gone.status_code == 409
    owner = world.ids["owner"]
    assert _actions(query, world.report) == [
        ("performance.open", None),
        ("performance.save", owner),
        ("performance.file", owner),
        ("performance.file", owner),
        ("performance.file_remove", owner),
        ("performance.submit", owner),
    ]


def test_an_invalid_submission_names_its_fields_and_saves_nothing(client, query, world):
    before = _actions(query, world.report)
    refused = client.http.put(
        _url(world),
        json={"sales": "一千万", "jobs": -3, "patents_filed": 1, "patents_granted": 2, "submit": True},
        headers=_as(world, "owner"),
    )
    assert refused.status_code == 422 and refused.headers["Content-Type"] == "application/problem+json"
    errors = refused.get_json()["errors"]["json"]
    unreadable, wrong = {"sales"}, {"jobs", "patents_granted"}
    missing = {"new_products", "cost_saved", "outcomes.0", "commitment", "summary"}
    assert unreadable | wrong | missing <= errors.keys()
    assert "is not an amount in 万元" in errors["sales"][0] and "cannot be negative" in errors["jobs"][0]

    no_evidence = client.http.put(_url(world), json=_complete(submit=True), headers=_as(world, "owner"))
    assert no_evidence.status_code == 422
    assert list(no_evidence.get_json()["errors"]["json"]) == ["files"]

    wrong_file = _upload(client, world, "owner", name="台账.pdf", data=EXE_BYTES)
    assert wrong_file.status_code == 422 and "is not a PDF" in wrong_file.get_json()["errors"]["files"]["file"][0]
    no_file = client.http.post(
        _url(world, "/evidence"), data={}, headers=_as(world, "owner"), content_type="multipart/form-data"
    )
    assert no_file.status_code == 422 and "file" in no_file.get_json()["errors"]["files"]

    body = client.http.get(_url(world), headers=_as(world, "owner")).get_json()
    assert body["status"] == "draft" and set(body["figures"].values()) == {None} and body["files"] == []
    assert body["summary"] is None and body["outcomes"] == [{"indicator": "良率≥95%", "outcome": ""}]
    assert _actions(query, world.report) == before


def test_the_district_returns_the_report_then_accepts_it_with_a_rating(client, query, world):
    review = _url(world, "/review")
    early = client.http.post(
        review, json={"decision": "accept", "rating": "good", "comment": "好"}, headers=_as(world, "admin")
    )
    assert early.status_code == 409  # a draft is not reviewed
    _submitted(client, world)

    assert client.http.post(review, json={"decision": "return"}, headers=_as(world, "owner")).status_code == 403
    blank = client.http.post(review, json={"decision": "return", "comment": " "}, headers=_as(world, "admin"))
    assert (
        blank.status_code == 422
        and "Say what the enterprise should change" in blank.get_json()["errors"]["json"]["comment"][0]
    )
    returned = client.http.post(review, json={"decision": "return", "comment": "补充发票"}, headers=_as(world, "admin"))
    assert returned.status_code == 200, returned.get_data(as_text=True)
    assert (returned.get_json()["status"], returned.get_json()["return_comment"]) == ("returned", "补充发票")
    seen = client.http.get(_url(world), headers=_as(world, "owner")).get_json()
    assert (seen["status_label"], seen["return_comment"], seen["can_file"]) == (
        "Returned for changes",
        "补充发票",
        True,
    )
    resent = client.http.put(_url(world), json=_complete(submit=True), headers=_as(world, "owner"))
    assert resent.status_code == 200 and resent.get_json()["return_comment"] is None

    unrated = client.http.post(review, json={"decision": "accept", "comment": "好"}, headers=_as(world, "admin"))
    assert unrated.status_code == 422 and list(unrated.get_json()["errors"]["json"]) == ["rating"]
    unknown = client.http.post(review, json={"decision": "accept", "rating": "优秀"}, headers=_as(world, "admin"))
    assert unknown.status_code == 422 and "rating" in unknown.get_json()["errors"]["json"]
    decision = {"decision": "accept", "rating": "good", "comment": "达成预期"}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    accepted = client.http.post(review, json=decision, headers=_as(world, "admin", **key))
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    body = accepted.get_json()
    assert body["status"] == "accepted" and body["can_review"] is False
    assert body["review"]["rating"] == "good" and body["review"]["rating_label"] == "Good"
    assert (body["review"]["comment"], body["review"]["reviewer"]) == ("达成预期", world.names["admin"])
    assert body["review"]["reviewed_at"]
    replayed = client.http.post(review, json=decision, headers=_as(world, "admin", **key))
    assert replayed.status_code == 200 and replayed.headers["Idempotent-Replayed"] == "true"
    assert client.http.post(review, json=decision, headers=_as(world, "admin")).status_code == 409
    chinese = client.http.get(_url(world), headers=_as(world, "owner", **{"Accept-Language": "zh-CN"})).get_json()
    assert chinese["review"]["rating_label"] == "良好"

    admin, owner = world.ids["admin"], world.ids["owner"]
    steps = [event for event in _actions(query, world.report) if event[0] != "performance.file"]
    assert steps == [  # the replayed acceptance changed nothing
        ("performance.open", None),
        ("performance.submit", owner),
        ("performance.return", admin),
        ("performance.submit", owner),
        ("performance.accept", admin),
    ]


def test_only_the_enterprise_and_admins_read_a_report_or_find_it(client, query, world):
    planted = f"{world.enterprise}的销售台账"

    def plant(session):
        from webapp.accounts.models import User
        from webapp.performance import services

        report, owner = session.get(PerformanceReport, world.report), session.get(User, world.ids["owner"])
        services.add_evidence(owner, report, f"{planted}.pdf", factory.PDF)
        services.save_draft(owner, report, factory.complete_input(report, summary=f"{planted}：销售1250万元"))
        session.commit()
        return report.files[0].id

    file_id = query(plant)
    for who in ("owner", "admin"):
        read = client.http.get(_url(world), headers=_as(world, who))
        assert read.status_code == 200 and planted in read.get_data(as_text=True)
        assert world.report in _ids(client.http.get("/api/v1/performance-reports", headers=_as(world, who)))
    for who in OUTSIDERS:
        answers = [
            client.http.get(_url(world), headers=_as(world, who)),
            client.http.get("/api/v1/performance-reports", headers=_as(world, who)),
            client.http.get("/api/v1/performance-reports?status=draft", headers=_as(world, who)),
            client.http.put(_url(world), json=_complete(), headers=_as(world, who)),
            _upload(client, world, who),
            client.http.delete(_url(world, f"/evidence/{file_id}"), headers=_as(world, who)),
            client.http.post(
                _url(world, "/review"), json={"decision": "return", "comment": "x"}, headers=_as(world, who)
            ),
        ]
        assert [a.status_code for a in answers] == [404, 200, 200, 404, 404, 404, 404], who
        assert answers[1].get_json()["items"] == [] and answers[2].get_json()["items"] == [], who
        assert not any(
            planted in a.get_data(as_text=True) or world.enterprise in a.get_data(as_text=True) for a in answers
        )
    # Admins read every report but file none; an unknown id is a 404 for them too.
    assert client.http.put(_url(world), json=_complete(), headers=_as(world, "admin")).status_code == 403
    assert _upload(client, world, "admin").status_code == 403
    assert client.http.delete(_url(world, f"/evidence/{file_id}"), headers=_as(world, "admin")).status_code == 403
    assert client.http.get("/api/v1/performance-reports/2147483647", headers=_as(world, "admin")).status_code == 404
    assert client.http.get(_url(world)).status_code == 401
    assert client.http.get("/api/v1/performance-reports").status_code == 401
    # Nothing any outsider tried changed the report.
    assert query(lambda s: [f.id for f in s.get(PerformanceReport, world.report).files]) == [file_id]
    assert {action for action, _actor in _actions(query, world.report)} == {
        "performance.open",
        "performance.file",
        "performance.save",
    }


def test_the_list_is_soonest_due_first_with_a_cursor_and_a_state_filter(app, client, query, world, make_token):
    """A deal paid in full now falls due before the challenge completed later, though made after it."""
    with app.app_context():
        from webapp.accounts.models import User

        people = challenges.make_people()
        later = factory.report_of(challenge=factory.completed(people, at=datetime(2026, 9, 1, 2, 0, tzinfo=UTC)))
        clock.set_time(clock.T0)
        sooner = factory.report_of(deal=factory.paid(people, db.session.get(User, world.ids["broker"])))
        assert sooner.due_on < later.due_on and sooner.id > later.id
        db.session.commit()
        owner, mine = people.owner, [sooner.id, later.id]
    headers = auth(make_token(owner))
    assert _ids(client.http.get("/api/v1/performance-reports", headers=headers)) == mine
    first = client.http.get("/api/v1/performance-reports?limit=1", headers=headers).get_json()
    assert [item["id"] for item in first["items"]] == [sooner.id] and first["next_cursor"]
    assert first["items"][0]["subject"]["kind"] == "deal" and first["items"][0]["subject"]["url"].endswith(
        f"/deals/{sooner.deal_id}"
    )
    rest = client.http.get(
        "/api/v1/performance-reports", query_string={"limit": 1, "cursor": first["next_cursor"]}, headers=headers
    ).get_json()
    assert [item["id"] for item in rest["items"]] == [later.id] and rest["next_cursor"] is None
    deal_report = client.http.get(f"/api/v1/performance-reports/{sooner.id}", headers=headers).get_json()
    assert deal_report["outcomes"] == [] and deal_report["commitment"] is None

    admin = _as(world, "admin")
    every = _ids(client.http.get("/api/v1/performance-reports?limit=100", headers=admin))
    assert set(mine) | {world.report} <= set(every)
    _submitted(client, world)
    submitted = _ids(client.http.get("/api/v1/performance-reports?status=submitted&limit=100", headers=admin))
    assert world.report in submitted and not set(mine) & set(submitted)
    assert client.http.get("/api/v1/performance-reports?status=overdue", headers=admin).status_code == 422
