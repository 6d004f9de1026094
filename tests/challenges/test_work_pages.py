"""The pages where people work on a challenge: applying (drafts, files, the commitment, submission,
withdrawal, the deadline), downloads, the expert's declaration before the application and the
scores, the contract both sides confirm, milestone reports and decisions, the final acceptance.

Worlds are built through the services (tests/challenges/factory.py) and committed into the test's
transaction; pages are read in English (`/lang/en`)."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from tests import clock
from tests.challenges import factory
from tests.challenges.test_files import DOCX_BYTES, EXE_BYTES, PNG_BYTES
from webapp.accounts.models import User
from webapp.challenges import applications, delivery, files, review
from webapp.challenges.models import (
    Application,
    ApplicationStatus,
    Attachment,
    Challenge,
    ConflictDeclaration,
    Milestone,
    MilestoneStatus,
    Review,
)
from webapp.challenges.models import ChallengeStatus as S
from webapp.extensions import db


@pytest.fixture
def build(app, challenge_clock):
    """build(fn): run fn(people) in an app context and commit it into the test's transaction."""
    state = {}

    def run(fn=None):
        with app.app_context(), force_locale("en"):
            if "people" not in state:
                state["people"] = factory.make_people()
            people = factory.People(
                **{
                    f.name: db.session.get(User, getattr(state["people"], f.name).id)
                    for f in dataclasses.fields(factory.People)
                }
            )
            result = fn(people) if fn else state["people"]
            db.session.commit()
            return result

    return run


@pytest.fixture
def people(build):
    return build()


def get(query, model, ident):
    return query(lambda s: s.get(model, ident))


def as_user(make_client, user):
    client = make_client()
    assert client.login(user.email).status_code == 302
    client.get("/lang/en")
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def application_form(**overrides) -> dict:
    data = {
        "lead_unit": factory.TJU,
        "lead_kind": "university",
        "members-0-name": "",
        "members-0-kind": "",
        "team": "李教授及5名骨干",
        "plan": "真空压铸+模温精确控制",
        "budget": "180",
        "schedule": "12个月三阶段",
        "commitment_signed": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --------------------------------------------------------------------------------------------
# Applying


def test_a_researcher_saves_a_draft_then_submits_it(build, people, make_client, query):
    challenge = build(factory.published)
    client = as_user(make_client, people.tju)
    page = client.get(f"/challenges/{challenge.id}/apply")
    assert page.status_code == 200
    assert factory.TJU in text(page)  # the lead unit is prefilled from the researcher's organisation
    assert "承诺书" in text(page)

    saved = client.post(
        f"/challenges/{challenge.id}/apply",
        application_form(
            commitment_signed=None,
            **{"members-0-name": "天津市津南区先进制造研究院", "members-0-kind": "institute"},
            save="Save draft",
        ),
    )
    assert saved.status_code == 302
    draft = query(lambda s: s.scalar(sa.select(Application).where(Application.challenge_id == challenge.id)))
    assert draft.status is ApplicationStatus.DRAFT and draft.budget == 1_800_000
    assert [m["name"] for m in draft.members] == ["天津市津南区先进制造研究院"]
    assert "天津市津南区先进制造研究院" in text(client.get(f"/challenges/{challenge.id}/apply"))

    # Submitting without the commitment: refused next to the checkbox, nothing typed is lost.
    refused = client.post(
        f"/challenges/{challenge.id}/apply",
        application_form(commitment_signed=None, plan="改进后的技术路线", submit_application="Submit"),
    )
    assert refused.status_code == 200
    body = text(refused)
    assert "Sign the commitment" in body and "改进后的技术路线" in body
    assert get(query, Application, draft.id).status is ApplicationStatus.DRAFT

    done = client.post(f"/challenges/{challenge.id}/apply", application_form(submit_application="Submit"))
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/applications/{draft.id}")
    assert get(query, Application, draft.id).status is ApplicationStatus.SUBMITTED
    # A submitted application is no longer edited on the form.
    assert client.get(f"/challenges/{challenge.id}/apply").status_code == 302
    mine = text(client.get("/applications/mine"))
    assert challenge.title in mine and "Submitted" in mine


def test_the_application_page_and_its_files_open_for_the_same_people(build, people, make_client):
    def draft_with_a_file(p):
        application = factory.apply(p.tju, factory.published(p), submit=False)
        return application.id, files.add_application_file(p.tju, application, "方案.pdf", factory.PDF).id

    application_id, attachment_id = build(draft_with_a_file)
    clients = {name: as_user(make_client, getattr(people, name)) for name in ("tju", "owner", "admin", "nku")}

    def answers(name: str) -> tuple[int, int]:
        client = clients[name]
        return client.get(f"/applications/{application_id}").status_code, client.get(
            f"/files/{attachment_id}"
        ).status_code

    assert {name: answers(name) for name in clients} == {
        "tju": (200, 200),
        "owner": (403, 403),
        "admin": (403, 403),  # a draft is the applicant's alone
        "nku": (403, 403),
    }
    build(lambda p: applications.submit_application(p.tju, db.session.get(Application, application_id)))
    assert {name: answers(name) for name in clients} == {
        "tju": (200, 200),
        "owner": (200, 200),
        "admin": (200, 200),
        "nku": (403, 403),
    }


def test_errors_are_shown_next_to_their_fields(build, people, make_client, query):
    challenge = build(factory.published)
    client = as_user(make_client, people.tju)
    page = client.post(
        f"/challenges/{challenge.id}/apply",
        application_form(lead_unit="", budget="很多", team="保留的团队介绍", save="Save"),
    )
    assert page.status_code == 200
    body = text(page)
    assert "Name the lead unit." in body and "is not an amount" in body and "保留的团队介绍" in body
    assert query(lambda s: s.scalar(sa.select(sa.func.count(Application.id)))) == 0
    # Fractions of a yuan are refused, not dropped.
    page = client.post(f"/challenges/{challenge.id}/apply", application_form(budget="50.00005", save="Save"))
    assert page.status_code == 200 and "at most four decimal places of 万元" in text(page)
    assert query(lambda s: s.scalar(sa.select(sa.func.count(Application.id)))) == 0


def test_withdraw_until_the_deadline_and_nothing_after_it(build, people, make_client, query):
    challenge = build(factory.published)
    application = build(lambda p: factory.apply(p.tju, db.session.get(Challenge, challenge.id)))
    client = as_user(make_client, people.tju)
    page = text(client.get(f"/applications/{application.id}"))
    assert "Withdraw the application" in page
    assert client.post(f"/applications/{application.id}/withdraw").status_code == 302
    assert get(query, Application, application.id).status is ApplicationStatus.WITHDRAWN
    assert "Apply again" in text(client.get(f"/applications/{application.id}"))

    clock.set_time(challenge.closes_at + timedelta(minutes=1))
    other = as_user(make_client, people.nku)
    closed = other.get(f"/challenges/{challenge.id}/apply")
    assert closed.status_code == 200
    assert "nothing can be saved or submitted after the deadline" in text(closed)
    assert 'id="application-form"' not in text(closed)
    late = other.post(
        f"/challenges/{challenge.id}/apply", application_form(lead_unit=factory.NKU, submit_application="Submit")
    )
    assert "after the deadline" in text(late)
    assert (
        query(
            lambda s: s.scalar(
                sa.select(sa.func.count(Application.id)).where(Application.applicant_id == people.nku.id)
            )
        )
        == 0
    )


def test_a_submitted_application_cannot_be_withdrawn_after_the_deadline(build, people, make_client, query):
    challenge = build(factory.published)
    application = build(lambda p: factory.apply(p.tju, db.session.get(Challenge, challenge.id)))
    clock.set_time(challenge.closes_at + timedelta(minutes=1))
    client = as_user(make_client, people.tju)
    assert "Withdraw the application" not in text(client.get(f"/applications/{application.id}"))
    client.post(f"/applications/{application.id}/withdraw")
    assert get(query, Application, application.id).status is ApplicationStatus.SUBMITTED


def test_the_owner_and_others_cannot_apply(build, people, make_client):
    challenge = build(factory.published)
    assert as_user(make_client, people.owner).get(f"/challenges/{challenge.id}/apply").status_code == 403
    assert as_user(make_client, people.expert).get(f"/challenges/{challenge.id}/apply").status_code == 403
    draft = build(factory.draft)
    assert as_user(make_client, people.tju).get(f"/challenges/{draft.id}/apply").status_code == 404


# --------------------------------------------------------------------------------------------
# Files


def test_uploads_are_checked_by_content_and_shown_with_their_size(build, people, make_client, query):
    challenge = build(factory.published)
    client = as_user(make_client, people.tju)
    url = f"/challenges/{challenge.id}/apply"
    refused = client.post(
        url,
        {**application_form(save="Save"), "files": [(_io(EXE_BYTES), "方案.pdf")]},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 200
    assert "is not a PDF" in text(refused) and "Choose the files again" in text(refused)
    assert query(lambda s: s.scalar(sa.select(sa.func.count(Attachment.id)))) == 0

    saved = client.post(
        url,
        {
            **application_form(save="Save"),
            "files": [(_io(factory.PDF), "技术方案.exe"), (_io(DOCX_BYTES), "申报书.docx")],
        },
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    stored = query(lambda s: s.scalars(sa.select(Attachment).order_by(Attachment.id)).all())
    assert [(a.filename, a.content_type) for a in stored] == [("技术方案.pdf", files.PDF), ("申报书.docx", files.DOCX)]
    page = text(client.get(url))
    assert "技术方案.pdf" in page and "1 KB" in page

    # Removed again while the application is a draft.
    assert client.post(f"/files/{stored[0].id}/delete").status_code == 302
    assert get(query, Attachment, stored[0].id) is None


def test_files_over_the_limit_are_refused(app, build, people, make_client, query):
    challenge = build(factory.published)
    client = as_user(make_client, people.tju)
    old = app.config.get("CHALLENGE_FILE_MAX_MB", 10)
    app.config["CHALLENGE_FILE_MAX_MB"] = 0.001
    try:
        page = client.post(
            f"/challenges/{challenge.id}/apply",
            {**application_form(save="Save"), "files": [(_io(factory.PDF + b"0" * 2000), "大.pdf")]},
            content_type="multipart/form-data",
        )
    finally:
        app.config["CHALLENGE_FILE_MAX_MB"] = old
    assert "larger than" in text(page)
    assert query(lambda s: s.scalar(sa.select(sa.func.count(Attachment.id)))) == 0


def _io(data: bytes):
    import io

    return io.BytesIO(data)


def test_downloads_are_attachments_for_those_allowed_only(build, people, make_client, query):
    challenge = build(factory.published)

    def with_file(p):
        application = factory.apply(p.tju, db.session.get(Challenge, challenge.id), submit=False)
        attachment = files.add_application_file(p.tju, application, "团队照片.png", PNG_BYTES)
        applications.submit_application(p.tju, application)
        return attachment

    attachment = build(with_file)
    response = as_user(make_client, people.tju).get(f"/files/{attachment.id}")
    assert response.status_code == 200 and response.data == PNG_BYTES
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        as_user(make_client, people.owner).get(f"/files/{attachment.id}").status_code == 200
    )  # lodged: the enterprise
    assert as_user(make_client, people.admin).get(f"/files/{attachment.id}").status_code == 200
    for stranger in (people.nku, people.rival, people.expert):
        assert as_user(make_client, stranger).get(f"/files/{attachment.id}").status_code == 403
    assert make_client().get(f"/files/{attachment.id}").status_code == 302  # to the login page
    assert as_user(make_client, people.tju).get("/files/999999").status_code == 404


def test_who_sees_an_application(build, people, make_client):
    challenge = build(factory.published)
    application = build(lambda p: factory.apply(p.tju, db.session.get(Challenge, challenge.id)))
    for reader in (people.tju, people.owner, people.admin):
        assert as_user(make_client, reader).get(f"/applications/{application.id}").status_code == 200
    for stranger in (people.nku, people.rival, people.expert):
        assert as_user(make_client, stranger).get(f"/applications/{application.id}").status_code == 403


# --------------------------------------------------------------------------------------------
# Experts


def _in_formal_check_then_review(people):
    challenge = factory.published(people)
    apps = [factory.apply(people.tju, challenge), factory.apply(people.nku, challenge)]
    factory.closed(people, challenge)
    for application in apps:
        applications.check_application(people.admin, application, True)
    for expert in (people.expert, people.expert_tju):
        review.assign_expert(people.admin, challenge, expert)
    applications.finish_formal_check(people.admin, challenge)
    return challenge, apps


def test_the_expert_declares_before_seeing_then_scores(build, people, make_client, query):
    challenge, (tju_app, nku_app) = build(_in_formal_check_then_review)
    client = as_user(make_client, people.expert)
    home = text(client.get("/expert/challenges"))
    assert challenge.title in home and "Declare interests" in home
    assert 'data-declare="2" data-score="0"' in home

    url = f"/expert/applications/{tju_app.id}"
    first = text(client.get(url))
    assert factory.TJU in first and 'id="declaration-form"' in first
    assert "真空压铸" not in first  # nothing of the plan before the declaration
    # "yes" needs a note
    assert "what the conflict of interest is" in text(client.post(url, {"d-has_conflict": "yes", "d-declare": "1"}))
    assert client.post(url, {"d-has_conflict": "no", "d-declare": "1"}).status_code == 302
    page = text(client.get(url))
    assert "真空压铸" in page and 'id="score-form"' in page

    criteria = query(lambda s: s.get(Challenge, challenge.id).criteria)
    bad = {f"s-c{c.id}": "120" for c in criteria} | {"s-comment": "", "s-score": "1"}
    refused = text(client.post(url, bad))
    assert "from 0 to 100" in refused and "Write a comment" in refused
    scores = {f"s-c{c.id}": str(v) for c, v in zip(criteria, (90, 80, 70), strict=True)}
    assert client.post(url, scores | {"s-comment": "方案可行", "s-score": "1"}).status_code == 302
    saved = query(lambda s: s.scalar(sa.select(Review).where(Review.application_id == tju_app.id)))
    assert saved.weighted == 83.0
    assert 'id="score-form"' not in text(client.get(url)) and "83.00" in text(client.get(url))

    # An admin asks for a revision: the form is there again, filled in.
    build(lambda p: review.request_revision(p.admin, db.session.get(Review, saved.id), "请细化团队评分理由"))
    again = text(client.get(url))
    assert "请细化团队评分理由" in again and 'id="score-form"' in again and "方案可行" in again

    # A conflict declared: nothing of the application is shown, ever.
    client.post(
        f"/expert/applications/{nku_app.id}", {"d-has_conflict": "yes", "d-note": "曾与该团队合作", "d-declare": "1"}
    )
    assert (
        query(
            lambda s: s.scalar(
                sa.select(ConflictDeclaration.has_conflict).where(ConflictDeclaration.application_id == nku_app.id)
            )
        )
        is True
    )
    blocked = text(client.get(f"/expert/applications/{nku_app.id}"))
    assert "cannot score it" in blocked and "真空压铸" not in blocked
    assert client.get(f"/applications/{nku_app.id}").status_code == 403


def test_an_expert_of_the_applying_university_is_excluded(build, people, make_client):
    challenge, (tju_app, _nku) = build(_in_formal_check_then_review)
    client = as_user(make_client, people.expert_tju)
    page = text(client.get(f"/expert/applications/{tju_app.id}"))
    assert "your organisation takes part in it" in page and "真空压铸" not in page
    assert client.get("/files/0").status_code == 404
    # experts not on the panel are refused
    assert as_user(make_client, people.expert_2).get(f"/expert/applications/{tju_app.id}").status_code == 403


# --------------------------------------------------------------------------------------------
# Contract, milestones, acceptance


def _contract_form(challenge, **overrides) -> dict:
    terms = factory.contract_terms(challenge)
    data = {
        "c-value": "200",
        "c-registration_number": "",
        "c-signed_on": terms.signed_on.isoformat(),
        "c-starts_on": terms.starts_on.isoformat(),
        "c-ends_on": terms.ends_on.isoformat(),
        "c-confirm": "1",
    }
    data.update(overrides)
    return data


def test_both_parties_confirm_the_contract(build, people, make_client, query):
    challenge, _apps = build(factory.awarded)
    winner = as_user(make_client, people.tju)
    assert "enters and confirms the contract terms first" in text(winner.get(f"/challenges/{challenge.id}/contract"))

    owner = as_user(make_client, people.owner)
    wrong = text(owner.post(f"/challenges/{challenge.id}/contract", _contract_form(challenge, **{"c-value": "x"})))
    assert "is not an amount" in wrong
    wrong = text(
        owner.post(f"/challenges/{challenge.id}/contract", _contract_form(challenge, **{"c-value": "80.00001"}))
    )
    assert "at most four decimal places of 万元" in wrong
    wrong = text(
        owner.post(
            f"/challenges/{challenge.id}/contract", _contract_form(challenge, **{"c-registration_number": "合同?"})
        )
    )
    assert "registration number has 6 to 40" in wrong and 'value="200"' in wrong
    assert owner.post(f"/challenges/{challenge.id}/contract", _contract_form(challenge)).status_code == 302
    assert get(query, Challenge, challenge.id).status is S.AWARDED

    assert "I confirm these terms" in text(winner.get(f"/challenges/{challenge.id}/contract"))
    assert winner.post(f"/challenges/{challenge.id}/contract", {"w-confirm_terms": "1"}).status_code == 302
    assert query(lambda s: (s.get(Challenge, challenge.id).status, s.get(Challenge, challenge.id).contract.value)) == (
        S.CONTRACTED,
        2_000_000,
    )

    # The registration number, once known.
    owner.post(f"/challenges/{challenge.id}/contract", {"r-registration_number": "2026120112000123", "r-record": "1"})
    assert query(lambda s: s.get(Challenge, challenge.id).contract.registration_number) == "2026120112000123"
    for stranger in (people.nku, people.rival, people.expert):
        assert as_user(make_client, stranger).get(f"/challenges/{challenge.id}/contract").status_code == 403
    admin = as_user(make_client, people.admin)
    assert "2026120112000123" in text(admin.get(f"/challenges/{challenge.id}/contract"))
    admin.post(f"/challenges/{challenge.id}/contract", {"r-registration_number": "2026120112000999", "r-record": "1"})
    assert query(lambda s: s.get(Challenge, challenge.id).contract.registration_number) == "2026120112000123"


def test_milestones_reported_returned_approved_and_the_acceptance(build, people, make_client, query):
    challenge, _apps = build(factory.contracted)
    first = query(lambda s: s.get(Challenge, challenge.id).milestones[0])
    team = as_user(make_client, people.tju)
    owner = as_user(make_client, people.owner)
    page = text(team.get(f"/challenges/{challenge.id}/milestones"))
    assert 'id="report-form"' in page and "工艺方案验证" in page

    missing = text(team.post(f"/milestones/{first.id}/report", {"m-report": "完成工艺验证", "m-send_report": "1"}))
    assert "Attach at least one evidence file" in missing
    reported = team.post(
        f"/milestones/{first.id}/report",
        {"m-report": "完成工艺验证，良率92%", "m-send_report": "1", "m-files": [(_io(factory.PDF), "检测报告.pdf")]},
        content_type="multipart/form-data",
    )
    assert reported.status_code == 302
    assert get(query, Milestone, first.id).status is MilestoneStatus.REPORTED
    assert get(query, Challenge, challenge.id).status is S.IN_PROGRESS
    assert "检测报告.pdf" in text(owner.get(f"/challenges/{challenge.id}/milestones"))

    no_reason = text(owner.post(f"/milestones/{first.id}/decision", {"d-decision": "return", "d-decide": "1"}))
    assert "Say what is missing" in no_reason
    owner.post(
        f"/milestones/{first.id}/decision", {"d-decision": "return", "d-note": "缺少第三方检测", "d-decide": "1"}
    )
    assert get(query, Milestone, first.id).status is MilestoneStatus.RETURNED
    assert "缺少第三方检测" in text(team.get(f"/challenges/{challenge.id}/milestones"))
    team.post(f"/milestones/{first.id}/report", {"m-report": "补充第三方检测报告", "m-send_report": "1"})
    assert get(query, Milestone, first.id).status is MilestoneStatus.REPORTED  # the earlier evidence still counts

    approved = owner.post(
        f"/milestones/{first.id}/decision", {"d-decision": "approve", "d-decide": "1"}, follow_redirects=True
    )
    assert get(query, Milestone, first.id).payment_due == 600_000
    assert "¥600k" in text(approved)

    # The rest of the milestones through the services, then the acceptance on the page.
    def finish(p):
        c = db.session.get(Challenge, challenge.id)
        for milestone in c.milestones[1:]:
            delivery.report_milestone(p.tju, milestone, "完成", [("证明.pdf", factory.PDF)])
            delivery.approve_milestone(p.owner, milestone)

    build(finish)
    assert get(query, Challenge, challenge.id).status is S.ACCEPTANCE
    assert 'id="acceptance-form"' not in text(team.get(f"/challenges/{challenge.id}/milestones"))
    assert "Record the expert opinion" in text(
        owner.post(f"/challenges/{challenge.id}/acceptance", {"a-opinion": "", "a-accept": "1"})
    )
    assert (
        owner.post(
            f"/challenges/{challenge.id}/acceptance", {"a-opinion": "专家组一致同意通过验收", "a-accept": "1"}
        ).status_code
        == 302
    )
    done = get(query, Challenge, challenge.id)
    assert done.status is S.COMPLETED and done.acceptance_opinion == "专家组一致同意通过验收"
    for stranger in (people.nku, people.rival):
        assert as_user(make_client, stranger).get(f"/challenges/{challenge.id}/milestones").status_code == 403
    assert as_user(make_client, people.admin).get(f"/challenges/{challenge.id}/milestones").status_code == 200
    assert team.post(f"/challenges/{challenge.id}/acceptance", {"a-opinion": "x"}).status_code == 403


def test_navigation_shows_the_work_pages_by_role(build, people, make_client):
    assert "/applications/mine" in text(as_user(make_client, people.tju).get("/"))
    assert "/expert/challenges" in text(as_user(make_client, people.expert).get("/"))
    assert re.search(r"/expert/challenges", text(as_user(make_client, people.owner).get("/"))) is None


def test_during_the_formal_check_an_expert_declares_but_sees_the_application_only_once_eligible(
    build, people, make_client
):
    def checking(p):
        challenge = factory.published(p)
        apps = [factory.apply(p.tju, challenge), factory.apply(p.nku, challenge)]
        factory.closed(p, challenge)
        review.assign_expert(p.admin, challenge, p.expert)
        return challenge, apps

    challenge, (tju_app, _nku_app) = build(checking)
    client = as_user(make_client, people.expert)
    url = f"/expert/applications/{tju_app.id}"
    assert client.post(url, {"d-has_conflict": "no", "d-declare": "1"}).status_code == 302
    waiting = text(client.get(url))
    assert 'id="not-eligible-yet"' in waiting and "真空压铸" not in waiting

    build(lambda p: applications.check_application(p.admin, db.session.get(Application, tju_app.id), True))
    assert "真空压铸" in text(client.get(url))


def test_in_horse_race_mode_every_winner_confirms_the_contract(build, people, make_client, query):
    challenge, _apps = build(lambda p: factory.awarded(p, winners_max=2))
    owner = as_user(make_client, people.owner)
    assert owner.post(f"/challenges/{challenge.id}/contract", _contract_form(challenge)).status_code == 302
    tju, nku = as_user(make_client, people.tju), as_user(make_client, people.nku)
    tju.post(f"/challenges/{challenge.id}/contract", {"w-confirm_terms": "1"})
    assert get(query, Challenge, challenge.id).status is S.AWARDED
    assert "waiting for the other parties" in text(tju.get(f"/challenges/{challenge.id}/contract"))
    nku.post(f"/challenges/{challenge.id}/contract", {"w-confirm_terms": "1"})
    assert get(query, Challenge, challenge.id).status is S.CONTRACTED
    # Both teams may report; the enterprise sees both units on the milestones page.
    page = text(owner.get(f"/challenges/{challenge.id}/milestones"))
    assert factory.TJU in page and factory.NKU in page


def test_milestone_evidence_is_served_to_the_parties_only(build, people, make_client, query):
    def reported(p):
        challenge, _apps = factory.contracted(p)
        milestone = challenge.milestones[0]
        delivery.report_milestone(p.tju, milestone, "完成工艺验证", [("检测报告.pdf", factory.PDF)])
        return delivery.evidence(milestone)[0]

    evidence = build(reported)
    for reader in (people.owner, people.tju, people.admin):
        response = as_user(make_client, reader).get(f"/files/{evidence.id}")
        assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    for stranger in (people.nku, people.rival, people.expert):
        assert as_user(make_client, stranger).get(f"/files/{evidence.id}").status_code == 403
    # Evidence stays with its report: no one removes it.
    assert as_user(make_client, people.tju).post(f"/files/{evidence.id}/delete").status_code == 403


def test_an_enterprise_finds_its_own_applications_from_the_menu(client, make_user):
    enterprise = make_user("enterprise")
    client.login(enterprise.email)
    page = client.get("/").get_data(as_text=True)
    assert 'id="nav-enterprise-applications"' in page and 'href="/applications/mine"' in page
    assert client.get("/applications/mine").status_code == 200
