"""Who may call each API operation, and on which sample object: the table the access-rule test
(tests/api/test_schemathesis.py) checks every operation of the document against.

Each entry: "METHOD /path" → (the roles that may, {path parameter: sample name}). A role outside
the set must get 401, 403 or 404 — never data; a role in it must get past those (its answer may
still be 409 or 422: a generated body or an object's state may refuse the step). The sample
objects belong to users other than the callers (see `make_samples`)."""

from __future__ import annotations

ROLES = ("anonymous", "enterprise", "researcher", "broker", "expert", "admin")
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
NOBODY = frozenset()


def only(*roles: str) -> frozenset:
    return frozenset(roles)


POLICY: dict[str, tuple[frozenset, dict[str, str]]] = {
    "GET /api/v1/taxonomy": (EVERYONE, {}),
    "GET /api/v1/achievements": (EVERYONE, {}),
    "GET /api/v1/achievements/mine": (SIGNED_IN, {}),
    "GET /api/v1/achievements/{achievement_id}": (EVERYONE, {"achievement_id": "published_achievement"}),
    "POST /api/v1/achievements": (only("researcher", "admin"), {}),
    # Another researcher's draft: admins may edit it; only its owner submits or withdraws it.
    "PUT /api/v1/achievements/{achievement_id}": (only("admin"), {"achievement_id": "draft_achievement"}),
    "POST /api/v1/achievements/{achievement_id}/submit": (NOBODY, {"achievement_id": "draft_achievement"}),
    "POST /api/v1/achievements/{achievement_id}/withdraw": (NOBODY, {"achievement_id": "published_achievement"}),
    "GET /api/v1/needs": (EVERYONE, {}),
    "GET /api/v1/needs/mine": (SIGNED_IN, {}),
    "GET /api/v1/needs/{need_id}": (EVERYONE, {"need_id": "published_need"}),
    "POST /api/v1/needs": (only("enterprise", "admin"), {}),
    "PUT /api/v1/needs/{need_id}": (only("admin"), {"need_id": "draft_need"}),
    "POST /api/v1/needs/{need_id}/submit": (NOBODY, {"need_id": "draft_need"}),
    "POST /api/v1/needs/{need_id}/withdraw": (NOBODY, {"need_id": "published_need"}),
    # Another enterprise's challenges (de-identified); the applications of other researchers.
    "GET /api/v1/challenges": (EVERYONE, {}),
    "GET /api/v1/challenges/mine": (SIGNED_IN, {}),
    "GET /api/v1/challenges/{challenge_id}": (EVERYONE, {"challenge_id": "published_challenge"}),
    "POST /api/v1/challenges": (only("enterprise"), {}),
    "PUT /api/v1/challenges/{challenge_id}": (NOBODY, {"challenge_id": "draft_challenge"}),
    "POST /api/v1/challenges/{challenge_id}/submit": (NOBODY, {"challenge_id": "draft_challenge"}),
    "POST /api/v1/challenges/{challenge_id}/withdraw": (NOBODY, {"challenge_id": "published_challenge"}),
    "POST /api/v1/challenges/{challenge_id}/applications": (
        only("researcher", "enterprise"),
        {"challenge_id": "published_challenge"},
    ),
    "GET /api/v1/applications/mine": (SIGNED_IN, {}),
    # A lodged application: its applicant, the enterprise and admins read it.
    "GET /api/v1/applications/{application_id}": (only("admin"), {"application_id": "lodged_application"}),
    "PUT /api/v1/applications/{application_id}": (NOBODY, {"application_id": "draft_application"}),
    "POST /api/v1/applications/{application_id}/submit": (NOBODY, {"application_id": "draft_application"}),
    "POST /api/v1/applications/{application_id}/withdraw": (NOBODY, {"application_id": "lodged_application"}),
    "GET /api/v1/dashboard": (only("admin"), {}),
    "GET /api/v1/dashboard/quarterly": (only("admin"), {}),
    # The caller researcher belongs to a university: their office uploads its achievements.
    "POST /api/v1/imports": (only("researcher", "admin"), {}),
    "GET /api/v1/imports": (SIGNED_IN, {}),
    "GET /api/v1/imports/{job_id}": (only("admin"), {"job_id": "import_job"}),
    # Deals: each caller sees the deals naming them (none of the samples'); another broker's deal is
    # for its parties, its broker and admins only, and only admins and its broker keep it.
    "GET /api/v1/deals": (SIGNED_IN, {}),
    "POST /api/v1/deals": (only("broker", "admin"), {}),
    "GET /api/v1/deals/{deal_id}": (only("admin"), {"deal_id": "signed_deal"}),
    "GET /api/v1/deals/{deal_id}/payments": (only("admin"), {"deal_id": "signed_deal"}),
    "POST /api/v1/deals/{deal_id}/payments": (only("admin"), {"deal_id": "signed_deal"}),
    "POST /api/v1/deals/{deal_id}/value": (only("admin"), {"deal_id": "signed_deal"}),
    "POST /api/v1/deals/{deal_id}/sign": (only("admin"), {"deal_id": "negotiating_deal"}),
    "POST /api/v1/deals/{deal_id}/register": (only("admin"), {"deal_id": "signed_deal"}),
    "PUT /api/v1/deals/{deal_id}/schedule": (only("admin"), {"deal_id": "signed_deal"}),
    "PUT /api/v1/deals/{deal_id}/field": (only("admin"), {"deal_id": "signed_deal"}),
    "POST /api/v1/deals/{deal_id}/cancel": (only("admin"), {"deal_id": "negotiating_deal"}),
    # Performance reports: another enterprise's report (a deal paid in full) is read by that enterprise
    # and admins only, and filed by that enterprise alone (admins file on an enterprise's behalf only
    # a report whose enterprise has no account: tests/api/test_performance_on_behalf.py); every
    # caller lists their own (none of the samples'); admins review (a draft: 409, past the access rule).
    "GET /api/v1/performance-reports": (SIGNED_IN, {}),
    "GET /api/v1/performance-reports/{report_id}": (only("admin"), {"report_id": "due_report"}),
    "PUT /api/v1/performance-reports/{report_id}": (NOBODY, {"report_id": "due_report"}),
    "POST /api/v1/performance-reports/{report_id}/evidence": (NOBODY, {"report_id": "due_report"}),
    "DELETE /api/v1/performance-reports/{report_id}/evidence/{file_id}": (
        NOBODY,
        {"report_id": "due_report", "file_id": "report_evidence"},
    ),
    "POST /api/v1/performance-reports/{report_id}/review": (only("admin"), {"report_id": "due_report"}),
    # Matching: the queue and its decisions are the brokers' and admins'; another broker's
    # introduction is for its broker, its two owners and admins; a listing's suggestions are read by
    # anyone who sees the listing (an empty list for all but its owner, brokers and admins).
    "GET /api/v1/suggestions": (only("broker", "admin"), {}),
    "GET /api/v1/suggestions/{suggestion_id}": (only("broker", "admin"), {"suggestion_id": "new_suggestion"}),
    "POST /api/v1/suggestions/{suggestion_id}/accept": (only("broker", "admin"), {"suggestion_id": "new_suggestion"}),
    "POST /api/v1/suggestions/{suggestion_id}/reject": (only("broker", "admin"), {"suggestion_id": "new_suggestion"}),
    "GET /api/v1/introductions": (SIGNED_IN, {}),
    "GET /api/v1/introductions/{intro_id}": (only("admin"), {"intro_id": "introduction"}),
    "POST /api/v1/introductions/{intro_id}/outcome": (only("admin"), {"intro_id": "introduction"}),
    # Only the two owners answer, each for their side; the callers own neither (admins read it: 403).
    # A broker or admin records a side's answer only where its listing has no owner account; the
    # sample's two listings both have owners, so admins are refused here too.
    "POST /api/v1/introductions/{intro_id}/consent": (NOBODY, {"intro_id": "introduction"}),
    # A negotiation room: its two parties and its broker (owners, never the callers) and admins.
    "GET /api/v1/rooms/{intro_id}": (only("admin"), {"intro_id": "room"}),
    "GET /api/v1/achievements/{achievement_id}/suggestions": (
        EVERYONE,
        {"achievement_id": "published_achievement"},
    ),
    "GET /api/v1/needs/{need_id}/suggestions": (EVERYONE, {"need_id": "published_need"}),
    # The caller's own notifications, settings and followed fields and keywords: every account has
    # them, as the pages (login only); nobody reaches anyone else's, so no sample is needed.
    "GET /api/v1/me/notifications": (SIGNED_IN, {}),
    "POST /api/v1/me/notifications/read": (SIGNED_IN, {}),
    "GET /api/v1/me/notification-settings": (SIGNED_IN, {}),
    "PUT /api/v1/me/notification-settings": (SIGNED_IN, {}),
    "GET /api/v1/me/subscriptions": (SIGNED_IN, {}),
    "PUT /api/v1/me/subscriptions": (SIGNED_IN, {}),
}


def make_samples(session, owners: dict) -> dict[str, int]:
    """The sample objects the table names, owned by `owners` (users of each role who are not the
    callers); returns their ids by sample name."""
    from tests.listings.search_factory import make_listing
    from webapp.listings.models import ListingStatus

    samples = {
        "published_achievement": make_listing(
            session, "a", title="接口样例成果", owner_id=owners["researcher"].id, confidential="样例保密内容"
        ),
        "draft_achievement": make_listing(
            session, "a", title="接口样例成果草稿", status=ListingStatus.DRAFT, owner_id=owners["researcher"].id
        ),
        "published_need": make_listing(
            session, "n", title="接口样例需求", owner_id=owners["enterprise"].id, show_identity=False
        ),
        "draft_need": make_listing(
            session, "n", title="接口样例需求草稿", status=ListingStatus.DRAFT, owner_id=owners["enterprise"].id
        ),
    }
    samples["import_job"] = _import_job(session, owners["researcher"])
    session.flush()
    samples |= _challenge_samples(session, owners)
    samples |= _deals(session, owners)
    samples |= _matching(session, owners, samples["published_need"], samples["published_achievement"])
    samples |= _room(session, owners)
    return {name: obj.id for name, obj in samples.items()}


def _challenge_samples(session, owners: dict) -> dict:
    """A draft and a published challenge of the enterprise, a lodged application to the published
    one by the researcher and a draft one by another researcher."""
    from tests.challenges import factory
    from webapp.accounts.models import Role
    from webapp.challenges import applications

    enterprise, admin, researcher = owners["enterprise"], owners["admin"], owners["researcher"]
    # Only the enterprise that posts and the admin who publishes take part in posting.
    people = factory.People(**dict.fromkeys(factory.People.__dataclass_fields__, admin) | {"owner": enterprise})
    draft = factory.draft(people)
    published = factory.published(people)
    lodged = applications.save_application(researcher, published, factory.application_input("接口样例大学"))
    applications.submit_application(researcher, lodged)
    other = factory.user(Role.RESEARCHER, "接口样例研究员")
    draft_application = applications.save_application(other, published, factory.application_input("接口样例研究院"))
    return {
        "draft_challenge": draft,
        "published_challenge": published,
        "lodged_application": lodged,
        "draft_application": draft_application,
    }


def _import_job(session, owner):
    """A finished import of a researcher's, with its summary."""
    from webapp.core.db import utcnow
    from webapp.imports.models import ImportJob, JobStatus
    from webapp.imports.report import ImportReport

    report = ImportReport("achievements", "样例成果.csv", rows=2, imported=1, skipped=[(3, "title: 请填写标题。")])
    job = ImportJob(
        kind="achievements",
        filename="样例成果.csv",
        target_status="submitted",
        created_by_id=owner.id,
        organisation_id=owner.organisation_id,
        status=JobStatus.DONE,
        total=2,
        processed=2,
        report=report.to_dict(),
        finished_at=utcnow(),
    )
    session.add(job)
    return job


def _deals(session, owners: dict) -> dict:
    """Deals of the broker among the owners, between the owners' enterprise and researcher: one
    negotiating, one signed, and one paid in full whose performance report is due, with the
    enterprise's evidence and figures."""
    from datetime import date

    from flask_babel import force_locale

    from tests.rooms.factory import PDF
    from webapp.deals import opening, services
    from webapp.deals.models import ContractType
    from webapp.performance import services as performance
    from webapp.performance.models import PerformanceReport

    enterprise, researcher = owners["enterprise"], owners["researcher"]
    deals = {}
    with force_locale("zh_CN"):
        for name in ("negotiating_deal", "signed_deal", "paid_deal"):
            deals[name] = opening.create_direct(
                owners["broker"],
                title="接口样例成交",
                parties=opening.Parties(
                    need_party=enterprise.organisation.name if enterprise.organisation else "样例企业",
                    need_org_id=enterprise.organisation_id,
                    need_user_id=enterprise.id,
                    provider_party="接口样例大学",
                    provider_user_id=researcher.id,
                ),
                contract_type=ContractType.DEVELOPMENT,
                contract_value=1_000_000,
            )
        services.sign(owners["broker"], deals["signed_deal"], date(2025, 3, 1))
        paid = deals.pop("paid_deal")
        services.sign(owners["broker"], paid, date(2025, 3, 1))
        services.record_payment(owners["broker"], paid, date(2025, 4, 1), 1_000_000)
        report = session.query(PerformanceReport).filter_by(deal_id=paid.id).one()
        evidence = performance.add_evidence(enterprise, report, "接口样例销售台账.pdf", PDF)
        performance.save_draft(enterprise, report, performance.ReportInput(sales=2_000_000, summary="接口样例绩效"))
    return deals | {"due_report": report, "report_evidence": evidence}


def _matching(session, owners: dict, need, achievement) -> dict:
    """A new suggestion between the sample need and achievement, and an introduction by the broker
    among the owners on a second pair (the same need, another achievement of the researcher's)."""
    from tests.listings.search_factory import make_listing
    from webapp.core.db import utcnow
    from webapp.matching.models import Introduction, Suggestion, SuggestionStatus

    other = make_listing(session, "a", title="接口样例撮合成果", owner_id=owners["researcher"].id)
    new = Suggestion(
        need_id=need.id, achievement_id=achievement.id, score=70.0, parts={"keywords": 40.0}, terms=["样例"]
    )
    accepted = Suggestion(
        need_id=need.id,
        achievement_id=other.id,
        score=65.0,
        parts={"keywords": 35.0},
        terms=["样例"],
        status=SuggestionStatus.ACCEPTED,
        decided_by_id=owners["broker"].id,
        decided_at=utcnow(),
    )
    session.add_all([new, accepted])
    session.flush()
    introduction = Introduction(suggestion_id=accepted.id, broker_id=owners["broker"].id, note="样例介绍")
    session.add(introduction)
    session.flush()
    return {"new_suggestion": new, "introduction": introduction}


def _room(session, owners: dict) -> dict:
    """The negotiation room of an introduction by the owners' broker that the owners' enterprise and
    researcher both agreed to, with a message and a file."""
    from tests.listings.search_factory import make_listing
    from tests.matching.consent_helpers import both_agree
    from tests.rooms.factory import PDF
    from webapp.matching.models import Suggestion
    from webapp.matching.services import decisions
    from webapp.rooms import services

    need = make_listing(session, "n", title="接口样例洽谈需求", owner_id=owners["enterprise"].id)
    achievement = make_listing(
        session, "a", title="接口样例洽谈成果", owner_id=owners["researcher"].id, confidential="接口样例洽谈保密"
    )
    suggestion = Suggestion(need_id=need.id, achievement_id=achievement.id, score=66.0, parts={}, terms=["样例"])
    session.add(suggestion)
    session.flush()
    introduction = both_agree(decisions.accept(suggestion, owners["broker"], None))
    services.post_message(owners["enterprise"], introduction, "接口样例留言", upload=("纪要.pdf", PDF))
    return {"room": introduction}
