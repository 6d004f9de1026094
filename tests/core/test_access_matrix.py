"""Who may open what: every rule in the URL map, requested as every role, against one policy table.

A new route must be added to POLICY before the suite passes; the table is the one place that says
who can reach a page. Expected outcomes:

- ALLOW: 200, or a redirect (302/303) to any page other than /login, i.e. the view ran and
  finished its work (a form re-rendered for empty data, a redirect after an action, an expired
  reset link sent back to /password/forgot). Every sample id in a URL points at an object the
  requesting user may see, so 404 is never an allowed answer here.
- TO_LOGIN: 302 to /login with ?next= pointing back at the requested path.
- TO_HOME: 302 to the home page (login and register pages for a signed-in user).
- FORBIDDEN: 403.

Rules that accept GET are requested with GET; rules that accept POST (or PUT, PATCH, DELETE) are
also requested with that method, carrying a valid CSRF token and no other data.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from webapp.accounts.models import OrgKind
from webapp.notifications.models import Notification

ROLES = ["anonymous", "enterprise", "researcher", "broker", "expert", "admin"]
SIGNED_IN = [role for role in ROLES if role != "anonymous"]

ALLOW, TO_LOGIN, TO_HOME, FORBIDDEN = "allow", "to_login", "to_home", "forbidden"
TOKEN_NEEDED = "token_needed"  # 401: the API takes its bearer token, never the session cookie

# What each policy answers to each role.
OUTCOMES = {
    "public": dict.fromkeys(ROLES, ALLOW),
    # The JSON API's own and changing operations: a session cookie counts for nothing there.
    "api_token": dict.fromkeys(ROLES, TOKEN_NEEDED),
    "anonymous_only": {"anonymous": ALLOW, **dict.fromkeys(SIGNED_IN, TO_HOME)},
    "login": {"anonymous": TO_LOGIN, **dict.fromkeys(SIGNED_IN, ALLOW)},
    "admin": {
        "anonymous": TO_LOGIN,
        **dict.fromkeys(SIGNED_IN, FORBIDDEN),
        "admin": ALLOW,
    },
    # Roles that list achievements (researchers) or post needs (enterprises), and admins.
    "researcher": {"anonymous": TO_LOGIN, **dict.fromkeys(SIGNED_IN, FORBIDDEN), "researcher": ALLOW, "admin": ALLOW},
    "enterprise": {"anonymous": TO_LOGIN, **dict.fromkeys(SIGNED_IN, FORBIDDEN), "enterprise": ALLOW, "admin": ALLOW},
    # Admins, and researchers of a university or institute (the matrix's researcher has none).
    "uploader": {"anonymous": TO_LOGIN, **dict.fromkeys(SIGNED_IN, FORBIDDEN), "admin": ALLOW},
    # Technology brokers and admins (matching: the queue, decisions, the broker's own introductions).
    "broker": {"anonymous": TO_LOGIN, **dict.fromkeys(SIGNED_IN, FORBIDDEN), "broker": ALLOW, "admin": ALLOW},
    # The owner of the sample object (never the requesting user) and admins.
    "owner_or_admin": {"anonymous": TO_LOGIN, **dict.fromkeys(SIGNED_IN, FORBIDDEN), "admin": ALLOW},
    # Enterprises only (a challenge is posted from the enterprise's own need; admins review it).
    "enterprise_only": {"anonymous": TO_LOGIN, **dict.fromkeys(SIGNED_IN, FORBIDDEN), "enterprise": ALLOW},
    # Only the owner of the sample object, never the requester (admins included).
    "owner_only": {"anonymous": TO_LOGIN, **dict.fromkeys(SIGNED_IN, FORBIDDEN)},
    # Those who may apply to challenges: researchers and enterprises (not the challenge's own).
    "applicant": {
        "anonymous": TO_LOGIN,
        **dict.fromkeys(SIGNED_IN, FORBIDDEN),
        "researcher": ALLOW,
        "enterprise": ALLOW,
    },
    # Review experts (the matrix's expert is on the sample challenge's panel).
    "expert": {"anonymous": TO_LOGIN, **dict.fromkeys(SIGNED_IN, FORBIDDEN), "expert": ALLOW},
    # Only the party the sample belongs to (an applicant, the enterprise, a winner), never the requester.
    "party_only": {"anonymous": TO_LOGIN, **dict.fromkeys(SIGNED_IN, FORBIDDEN)},
    # Admins (any agency) and the brokers of the sample agency (the matrix's broker works for it).
    "agency_broker": {"anonymous": TO_LOGIN, **dict.fromkeys(SIGNED_IN, FORBIDDEN), "broker": ALLOW, "admin": ALLOW},
}

# THE policy table: every endpoint in app.url_map, with the policy it must follow.
POLICY = {
    "static": "public",
    "bootstrap.static": "public",
    "core.index": "public",
    "core.set_language": "public",
    "core.healthz": "public",
    "listings.achievements": "public",
    "listings.needs": "public",
    "listings.export_achievements": "login",
    "listings.export_needs": "login",
    "accounts.login": "anonymous_only",
    "accounts.register": "anonymous_only",
    "accounts.logout": "login",
    "accounts.forgot_password": "public",
    "accounts.reset_password": "public",
    "accounts.profile": "login",
    "accounts.change_password": "login",
    "accounts.organisation": "login",
    "accounts.tokens": "login",
    "accounts.revoke_token": "owner_or_admin",  # the sample token belongs to another user
    "notifications.index": "login",
    "notifications.open_": "login",
    "notifications.read_all": "login",
    "subscriptions.settings": "login",
    # The signed link is the permission: an invalid one gets a page that says so (never a login).
    "subscriptions.unsubscribe_": "public",
    "admin.index": "admin",
    "admin.users": "admin",
    "admin.new_user": "admin",
    "admin.edit_user": "admin",
    "admin.organisations": "admin",
    "admin.new_organisation": "admin",
    "admin.edit_organisation": "admin",
    "admin.audit_log": "admin",
    "admin.tokens": "admin",
    "achievements.new": "researcher",
    "achievements.mine": "researcher",
    "achievements.detail": "public",
    "achievements.edit": "owner_or_admin",
    "achievements.transition": "owner_or_admin",
    "achievements.request_access": "login",
    "achievements.decide_access": "owner_or_admin",
    "needs.new": "enterprise",
    "needs.mine": "enterprise",
    "needs.detail": "public",
    # The JSON API reads the public libraries for anyone (tokens are tested in tests/api/).
    "api-docs.openapi_json": "public",
    "developers.api": "public",
    "api_listings.achievements": "public",
    "api_listings.achievement": "public",
    "api_listings.needs": "public",
    "api_listings.need": "public",
    "api_listings.taxonomy": "public",
    "api_listings.my_achievements": "api_token",
    "api_listings.create_achievement": "api_token",
    "api_listings.replace_achievement": "api_token",
    "api_listings.submit_achievement": "api_token",
    "api_listings.withdraw_achievement": "api_token",
    "api_listings.my_needs": "api_token",
    "api_listings.create_need": "api_token",
    "api_listings.replace_need": "api_token",
    "api_listings.submit_need": "api_token",
    "api_listings.withdraw_need": "api_token",
    "api_challenges.board": "public",
    "api_challenges.challenge": "public",
    "api_challenges.my_challenges": "api_token",
    "api_challenges.create_challenge": "api_token",
    "api_challenges.replace_challenge": "api_token",
    "api_challenges.submit_challenge": "api_token",
    "api_challenges.withdraw_challenge": "api_token",
    "api_challenges.my_applications": "api_token",
    "api_challenges.application": "api_token",  # never anonymous: 401 before anything is looked up
    "api_challenges.create_application": "api_token",
    "api_challenges.replace_application": "api_token",
    "api_challenges.submit_application": "api_token",
    "api_challenges.withdraw_application": "api_token",
    "api_dashboard.dashboard": "api_token",
    "api_dashboard.quarterly": "api_token",
    "api_imports.create_import": "api_token",
    "api_imports.import_job": "api_token",
    "api_imports.import_jobs": "api_token",
    "api_deals.deals": "api_token",
    "api_deals.deal": "api_token",
    "api_deals.payments": "api_token",
    "api_deals.create_deal": "api_token",
    "api_deals.set_value": "api_token",
    "api_deals.sign": "api_token",
    "api_deals.register": "api_token",
    "api_deals.replace_schedule": "api_token",
    "api_deals.record_payment": "api_token",
    "api_deals.cancel": "api_token",
    "api_deals.set_technical_field": "api_token",
    # The broker's queue, decisions and introductions need a token (brokers', parties', admins');
    # a listing's own suggestions are read by anyone who sees the listing (empty for all but its
    # owner, brokers and admins).
    "api_matching.queue": "api_token",
    "api_matching.suggestion": "api_token",
    "api_matching.accept": "api_token",
    "api_matching.reject": "api_token",
    "api_matching.introductions": "api_token",
    "api_matching.introduction": "api_token",
    "api_rooms.room": "api_token",
    "api_matching.outcome": "api_token",
    "api_matching.consent": "api_token",
    "api_matching.achievement_suggestions": "public",
    "api_matching.need_suggestions": "public",
    "api_notifications.my_notifications": "api_token",
    "api_notifications.mark_read": "api_token",
    "api_notifications.notification_settings": "api_token",
    "api_notifications.change_notification_settings": "api_token",
    "api_notifications.my_subscriptions": "api_token",
    "api_notifications.replace_subscriptions": "api_token",
    "api_performance.performance_reports": "api_token",
    "api_performance.performance_report": "api_token",
    "api_performance.file_report": "api_token",
    "api_performance.add_evidence": "api_token",
    "api_performance.remove_evidence": "api_token",
    "api_performance.review_report": "api_token",
    "needs.edit": "owner_or_admin",
    "needs.transition": "owner_or_admin",
    "moderation.queue": "admin",
    "dedupe.index": "admin",
    "dedupe.merge": "admin",
    "dedupe.dismiss": "admin",
    "taxonomy.index": "admin",
    "taxonomy.new": "admin",
    "taxonomy.edit": "admin",
    "taxonomy.delete": "admin",
    "imports.upload": "uploader",
    "imports.job": "login",  # the sample job is the requesting user's own upload
    "imports.status": "login",
    "matching.queue": "broker",
    "matching.suggestion": "broker",
    "matching.accept": "broker",
    "matching.reject": "broker",
    "matching.introductions": "broker",
    "matching.introduction": "broker",  # the sample's broker is the requesting broker; owners are others
    "matching.outcome": "broker",
    "matching.answer": "owner_only",  # only the two owners answer, each for their side; never admins
    # Answering for a side without an owner account: the introduction's broker (the requesting broker)
    # and admins; the sample's need has none (an owned side: tests/matching/test_consent_pages.py).
    "matching.answer_for": "broker",
    "matching.admin": "admin",
    "matching.add_entry": "admin",
    "matching.remove_entry": "admin",
    "matching.rematch": "admin",
    "matching.job": "admin",
    "matching.job_status": "admin",
    "challenges.board": "public",
    "challenges.detail": "public",
    "challenges.new": "enterprise_only",
    "challenges.edit": "owner_only",
    "challenges.act": "owner_or_admin",  # the sample: terminating a published challenge (admins)
    "challenges.mine": "enterprise",
    "challenges.admin_queue": "admin",
    "challenges.check": "admin",
    "challenges.experts": "admin",
    "challenges.ranking": "admin",
    "challenges.objection": "login",
    "challenges.resolve_objection": "admin",
    "challenges.award": "admin",
    "challenge_work.apply": "applicant",
    "challenge_work.application": "owner_or_admin",
    "challenge_work.withdraw": "party_only",
    "challenge_work.mine": "login",
    "challenge_work.download": "owner_or_admin",
    "challenge_work.remove_file": "party_only",
    "challenge_work.expert_home": "expert",
    "challenge_work.review": "expert",
    "challenge_work.contract": "owner_or_admin",
    "challenge_work.milestones": "owner_or_admin",
    "challenge_work.report": "party_only",
    "challenge_work.decide_milestone": "party_only",
    "challenge_work.accept": "party_only",
    "my_dashboard.index": "login",
    "my_dashboard.export": "login",  # every table of the user's own dashboard; admins are sent to theirs
    "evidence.agency_pack": "agency_broker",
    "deals.index": "login",
    "deals.export": "login",
    # The sample deal is credited to the requesting broker; its parties are other users.
    "deals.detail": "broker",
    "deals.download": "broker",
    "deals.new": "broker",
    "deals.from_introduction": "broker",  # the sample introduction is the requesting broker's
    "deals.from_award": "broker",
    "deals.value": "broker",
    "deals.sign": "broker",
    "deals.register": "broker",
    "deals.schedule": "broker",
    "deals.payment": "broker",
    "deals.attach": "broker",
    "deals.field": "broker",
    "deals.cancel": "broker",
    "dashboard.index": "admin",
    "dashboard.export": "admin",
    "dashboard.agency": "admin",
    "dashboard.targets_page": "admin",
    "dashboard.quarterly": "admin",
    # Negotiation rooms: the sample room's introduction is the requesting broker's, its parties are
    # others; the 保密承诺 are accepted by the enterprise of the room only, set by the achievement's owner.
    "rooms.index": "login",
    "rooms.room": "broker",
    "rooms.message": "broker",
    "rooms.attach": "broker",
    "rooms.download": "broker",
    "rooms.next_step": "broker",
    "rooms.accept_terms": "party_only",
    "rooms.terms_page": "owner_or_admin",
    "rooms.set_terms": "owner_or_admin",
    # 事后绩效: the enterprise's own reports (admins see every report); the sample report is another
    # enterprise's; only the enterprise files it, only admins review it. A report whose enterprise has
    # no account is filed by admins on its behalf (ON_BEHALF, below).
    "performance.index": "enterprise",
    "performance.detail": "owner_or_admin",
    "performance.file": "owner_only",
    "performance.review": "admin",
    "performance.download": "owner_or_admin",
    "performance.remove_file": "owner_only",
}

# The same rules on a report whose enterprise has no account (a deal from an imported need): admins
# file it on the enterprise's behalf, nobody else files it or reads it.
ON_BEHALF = {
    "performance.detail": "owner_or_admin",
    "performance.file": "admin",
    "performance.download": "owner_or_admin",
    "performance.remove_file": "admin",
}

# Requests that end the login; the client signs in again after them.
ENDS_SESSION = {"accounts.logout"}

# Sample values for URL variables; a per-endpoint entry wins over the per-name one.
STATIC_SAMPLES = {
    (None, "fmt"): "csv",
    ("static", "filename"): "css/app.css",
    ("bootstrap.static", "filename"): "css/bootstrap.min.css",
    (None, "code"): "en",
    (None, "token"): "not-a-valid-reset-token",
    (None, "side"): "need",
}


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


def _methods(rule) -> list[str]:
    return [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if m in rule.methods]


def _missing_policies(app) -> list[str]:
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()} - POLICY.keys())


def test_every_endpoint_has_a_policy(app):
    missing = _missing_policies(app)
    assert not missing, (
        f"endpoints without an access policy: {', '.join(missing)} - add them to the policy table "
        "(POLICY in tests/core/test_access_matrix.py)"
    )
    unknown_policy = {e: p for e, p in POLICY.items() if p not in OUTCOMES}
    assert not unknown_policy, f"policies without expected outcomes: {unknown_policy}"
    stale = sorted(POLICY.keys() - {rule.endpoint for rule in app.url_map.iter_rules()})
    assert not stale, f"policy table names endpoints that no longer exist: {', '.join(stale)}"


def _url(app, rule, samples: dict) -> str:
    values = {}
    for arg in sorted(rule.arguments):
        for key in ((rule.endpoint, arg), (None, arg)):
            if key in samples:
                values[arg] = samples[key]
                break
        else:
            pytest.fail(f"no sample value for <{arg}> in {rule.rule} ({rule.endpoint}): add one to the samples")
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=_methods(rule)[0])


def _check(outcome: str, response, path: str) -> str | None:
    """None if the response matches the expected outcome, otherwise what was wrong."""
    status = response.status_code
    location = urlsplit(response.headers.get("Location", ""))
    redirect = status in (302, 303)
    matches = {
        ALLOW: status == 200 or (redirect and location.path != "/login"),
        TO_LOGIN: redirect and location.path == "/login" and parse_qs(location.query).get("next") == [path],
        TO_HOME: redirect and location.path == "/",
        FORBIDDEN: status == 403,
        TOKEN_NEEDED: status == 401 and response.mimetype == "application/problem+json",
    }[outcome]
    if matches:
        return None
    where = f" -> {response.headers['Location']}" if "Location" in response.headers else ""
    return f"expected {outcome}, got {status}{where}"


def _listings_of(query, researcher_id: int, enterprise_id: int, requester_id: int) -> dict:
    """A published achievement (with a confidential part and an access request) and a published need,
    owned by other users than the one requesting the URLs."""
    from webapp.achievements.models import Achievement, AchievementAccess
    from webapp.core.db import utcnow
    from webapp.listings.models import ListingStatus
    from webapp.needs.models import Need

    def add(session):
        published = {"status": ListingStatus.PUBLISHED, "published_at": utcnow()}
        achievement = Achievement(
            title="矩阵样例成果", summary="样例", confidential="细节", owner_id=researcher_id, **published
        )
        need = Need(title="矩阵样例需求", description="样例", owner_id=enterprise_id, **published)
        session.add_all([achievement, need])
        session.flush()
        grant = AchievementAccess(achievement_id=achievement.id, user_id=requester_id)
        session.add(grant)
        session.commit()
        return {(None, "achievement_id"): achievement.id, (None, "need_id"): need.id, (None, "grant_id"): grant.id}

    return query(add)


def _import_job_for(query, user_id: int) -> int:
    from webapp.imports.models import ImportJob

    def add(session):
        job = ImportJob(kind="achievements", filename="样例.csv", target_status="draft", created_by_id=user_id)
        session.add(job)
        session.commit()
        return job.id

    return query(add)


def _duplicates_and_field(query) -> dict:
    """A possible-duplicate pair of two published achievements, and a technical field no listing uses."""
    from webapp.achievements.models import Achievement
    from webapp.core.db import utcnow
    from webapp.listings.models import DuplicateCandidate, ListingStatus
    from webapp.taxonomy.models import TechField

    def add(session):
        published = {"status": ListingStatus.PUBLISHED, "published_at": utcnow()}
        older = Achievement(title="矩阵样例重复成果", summary="样例", **published)
        newer = Achievement(title="矩阵样例重复成果", summary="样例", **published)
        field = TechField(code="ZZ99", name="矩阵样例领域", parent_id=None)
        session.add_all([older, newer, field])
        session.flush()
        pair = DuplicateCandidate(kind="a", listing_id=newer.id, other_id=older.id, score=95.0)
        session.add(pair)
        session.commit()
        return {(None, "candidate_id"): pair.id, (None, "field_id"): field.id}

    return query(add)


def _matching_samples(query, listings: dict, broker_id: int) -> dict:
    """A NEW suggestion between the sample listings, an introduction by `broker_id` on a second
    pair, a lexicon entry and a finished re-match job."""
    from webapp.achievements.models import Achievement
    from webapp.core.db import utcnow
    from webapp.listings.models import ListingStatus
    from webapp.matching.models import (
        Introduction,
        LexiconEntry,
        LexiconKind,
        MatchJob,
        MatchJobStatus,
        Suggestion,
        SuggestionStatus,
    )
    from webapp.needs.models import Need

    def add(session):
        published = {"status": ListingStatus.PUBLISHED, "published_at": utcnow()}
        need = Need(title="矩阵样例撮合需求", description="样例", **published)
        achievement = Achievement(title="矩阵样例撮合成果", summary="样例", **published)
        session.add_all([need, achievement])
        session.flush()
        new = Suggestion(
            need_id=listings[(None, "need_id")],
            achievement_id=listings[(None, "achievement_id")],
            score=60.0,
            parts={"keywords": 40.0},
            terms=["样例"],
        )
        accepted = Suggestion(
            need_id=need.id,
            achievement_id=achievement.id,
            score=70.0,
            parts={},
            terms=[],
            status=SuggestionStatus.ACCEPTED,
            decided_by_id=broker_id,
            decided_at=utcnow(),
        )
        entry = LexiconEntry(kind=LexiconKind.TERM, word="矩阵样例术语")
        job = MatchJob(status=MatchJobStatus.DONE, finished_at=utcnow())
        session.add_all([new, accepted, entry, job])
        session.flush()
        intro = Introduction(suggestion_id=accepted.id, broker_id=broker_id)
        session.add(intro)
        session.commit()
        return {
            (None, "suggestion_id"): new.id,
            (None, "intro_id"): intro.id,
            (None, "entry_id"): entry.id,
            ("matching.job", "job_id"): job.id,
            ("matching.job_status", "job_id"): job.id,
        }

    return query(add)


def _challenge_work_samples(query, expert_id: int | None) -> dict:
    """An open challenge, another person's lodged application with a file, an application in expert
    review (the requesting expert on its panel), and a contracted challenge with its milestones; all
    belong to other users than the requester."""
    from tests import clock
    from tests.challenges import factory
    from webapp.accounts.models import User
    from webapp.challenges import files, review

    def add(session):
        try:
            people = factory.make_people()
            open_ = factory.published(people)
            application = factory.apply(people.tju, open_, submit=False)
            attachment = files.add_application_file(people.tju, application, "方案.pdf", factory.PDF)
            from webapp.challenges.applications import submit_application

            submit_application(people.tju, application)
            in_review, apps = factory.in_review(people)
            if expert_id is not None:
                review.assign_expert(people.admin, in_review, session.get(User, expert_id))
            contracted, _apps = factory.contracted(people)
            milestone = contracted.milestones[0].id
        finally:
            clock.reset()
        session.commit()
        work = {("challenge_work.apply", "challenge_id"): open_.id}
        work.update(
            {(f"challenge_work.{name}", "challenge_id"): contracted.id for name in ("contract", "milestones", "accept")}
        )
        work.update(
            {(f"challenge_work.{name}", "application_id"): application.id for name in ("application", "withdraw")}
        )
        api = ("application", "replace_application", "submit_application", "withdraw_application")
        work.update({(f"api_challenges.{name}", "application_id"): application.id for name in api})
        work[("challenge_work.review", "application_id")] = apps[0].id
        work.update(
            {(f"challenge_work.{name}", "attachment_id"): attachment.id for name in ("download", "remove_file")}
        )
        work.update({(f"challenge_work.{name}", "milestone_id"): milestone for name in ("report", "decide_milestone")})
        return work

    return query(add)


def _challenge_samples(query) -> dict:
    """A draft and a published challenge with an objection, of another enterprise than the requester."""
    from tests.challenges import factory
    from webapp.challenges.models import Objection
    from webapp.core.db import utcnow

    def add(session):
        people = factory.make_people()
        draft = factory.draft(people)
        published = factory.published(people)
        objection = Objection(challenge_id=published.id, filed_by_id=people.nku.id, text="样例异议", filed_at=utcnow())
        session.add(objection)
        session.commit()
        samples = {
            (f"challenges.{name}", "challenge_id"): published.id
            for name in ("detail", "act", "check", "experts", "ranking", "objection", "resolve_objection", "award")
        }
        api = ("challenge", "replace_challenge", "submit_challenge", "withdraw_challenge", "create_application")
        samples.update({(f"api_challenges.{name}", "challenge_id"): published.id for name in api})
        samples[("challenges.edit", "challenge_id")] = draft.id
        samples[("challenges.act", "name")] = "terminate"
        samples[("challenges.resolve_objection", "objection_id")] = objection.id
        return samples

    return query(add)


def _deal_samples(query, broker_id: int) -> dict:
    """A deal credited to `broker_id` between two other parties, with a document, and a challenge
    award whose contract has no deal yet."""
    from tests import clock
    from tests.challenges import factory
    from webapp.accounts.models import User
    from webapp.challenges.models import Award
    from webapp.deals import files, opening
    from webapp.deals.models import ContractType, DealFileKind

    def add(session):
        try:
            people = factory.make_people()
            contracted, _apps = factory.contracted(people)
            award = session.query(Award).filter_by(challenge_id=contracted.id).first()
        finally:
            clock.reset()
        broker = session.get(User, broker_id)
        parties = opening.Parties(
            need_party="矩阵样例企业",
            need_user_id=people.owner.id,
            provider_party="矩阵样例大学",
            provider_user_id=people.tju.id,
        )
        deal = opening.create_direct(
            broker,
            title="矩阵样例成交",
            parties=parties,
            contract_type=ContractType.DEVELOPMENT,
            contract_value=100_000,
        )
        stored = files.attach_file(broker, deal, DealFileKind.CONTRACT, ("合同.pdf", factory.PDF))
        session.commit()
        return {(None, "deal_id"): deal.id, (None, "file_id"): stored.id, (None, "award_id"): award.id}

    return query(add)


def _room_samples(query, broker_id: int) -> dict:
    """The negotiation room of an introduction by `broker_id` that both owners (other users) agreed
    to, with a file kept in it."""
    from tests.rooms.factory import PDF, agree, person
    from webapp.accounts.models import User
    from webapp.core.db import utcnow
    from webapp.listings.models import ListingStatus
    from webapp.matching.models import Introduction, Suggestion, SuggestionStatus
    from webapp.needs.models import Need
    from webapp.rooms import services

    def add(session):
        from webapp.achievements.models import Achievement

        published = {"status": ListingStatus.PUBLISHED, "published_at": utcnow()}
        enterprise = person(session, "enterprise", "矩阵样例洽谈企业")
        researcher = person(session, "researcher", "矩阵样例洽谈教授")
        need = Need(title="矩阵样例洽谈需求", description="样例", owner_id=enterprise.id, **published)
        achievement = Achievement(
            title="矩阵样例洽谈成果", summary="样例", confidential="洽谈细节", owner_id=researcher.id, **published
        )
        session.add_all([need, achievement])
        session.flush()
        accepted = Suggestion(
            need_id=need.id,
            achievement_id=achievement.id,
            score=70.0,
            parts={},
            terms=[],
            status=SuggestionStatus.ACCEPTED,
            decided_by_id=broker_id,
            decided_at=utcnow(),
        )
        session.add(accepted)
        session.flush()
        intro = Introduction(suggestion_id=accepted.id, broker_id=broker_id)
        session.add(intro)
        session.flush()
        agree(intro)
        stored = services.attach_file(session.get(User, broker_id), intro, ("纪要.pdf", PDF))
        session.commit()
        rooms = ("room", "message", "attach", "download", "next_step", "accept_terms")
        samples = {(f"rooms.{name}", "intro_id"): intro.id for name in rooms}
        samples[("rooms.download", "file_id")] = stored.id
        return samples

    return query(add)


def _performance_samples(query) -> dict:
    """A completed challenge's performance report, due, with an evidence file, of another enterprise."""
    from tests import clock
    from tests.challenges import factory
    from tests.performance import factory as performance
    from webapp.performance import services

    def add(session):
        try:
            people = factory.make_people()
            report = performance.report_of(challenge=performance.completed(people))
        finally:
            clock.reset()
        stored = services.add_evidence(people.owner, report, "台账.pdf", factory.PDF)
        session.commit()
        files = {(f"performance.{name}", "file_id"): stored.id for name in ("download", "remove_file")}
        return {(None, "report_id"): report.id, **files}

    return query(add)


def _on_behalf_samples(query) -> dict:
    """The due report of a deal paid in full whose need side has no account, with an evidence file
    an admin attached on the enterprise's behalf."""
    from tests import clock
    from tests.challenges import factory
    from tests.performance import factory as performance
    from webapp.performance import services

    def add(session):
        try:
            people = factory.make_people()
            report = performance.report_of(deal=performance.paid(people, performance.broker(), ownerless=True))
        finally:
            clock.reset()
        stored = services.add_evidence(people.admin, report, "电话核实记录.pdf", factory.PDF)
        session.commit()
        return {(None, "report_id"): report.id, (None, "file_id"): stored.id}

    return query(add)


def _agency_for(query, broker_id: int | None) -> dict:
    """A technology-transfer agency; the requesting broker (if any) works for it."""
    from webapp.accounts.models import Organisation, User

    def add(session):
        agency = Organisation(kind=OrgKind.AGENCY, name="矩阵样例技术转移中心")
        session.add(agency)
        session.flush()
        if broker_id is not None:
            session.get(User, broker_id).organisation_id = agency.id
        session.commit()
        return {("evidence.agency_pack", "org_id"): agency.id}

    return query(add)


def _notification_for(query, user_id: int) -> int:
    def add(session):
        note = Notification(user_id=user_id, kind="account.welcome", params={"name": "tester"})
        session.add(note)
        session.commit()
        return note.id

    return query(add)


def _api_token_of(query, user_id: int) -> int:
    from webapp.accounts.models import User
    from webapp.accounts.tokens import create_token

    def add(session):
        token, _plaintext = create_token(session.get(User, user_id), "矩阵样例令牌", "read")
        session.commit()
        return token.id

    return query(add)


def samples_for(role: str, client, make_user, make_org, query):
    """A user of `role` (None for a visitor), signed in on `client`, and a sample for every URL
    variable: objects the user may see, owned by others unless the policy names the user."""
    org = make_org(OrgKind.UNIVERSITY)
    other = make_user("researcher", organisation_id=org.id)
    user = None if role == "anonymous" else make_user(role)
    owner = user or other
    samples = {
        **STATIC_SAMPLES,
        (None, "org_id"): org.id,
        (None, "user_id"): other.id,
        (None, "note_id"): _notification_for(query, owner.id),
        **_duplicates_and_field(query),
        (None, "job_id"): _import_job_for(query, owner.id),
        (None, "token_id"): _api_token_of(query, other.id),
    }
    listings = _listings_of(query, other.id, make_user("enterprise").id, make_user("broker").id)
    samples.update(listings)
    samples.update(_matching_samples(query, listings, user.id if role == "broker" else make_user("broker").id))
    samples.update(_challenge_samples(query))
    samples.update(_challenge_work_samples(query, user.id if role == "expert" else None))
    samples.update(_agency_for(query, user.id if role == "broker" else None))
    samples.update(_deal_samples(query, user.id if role == "broker" else make_user("broker").id))
    samples.update(_room_samples(query, user.id if role == "broker" else make_user("broker").id))
    samples.update(_performance_samples(query))
    if user is not None:
        assert client.login(user.email).status_code == 302
    return user, samples


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(role, app, client, make_user, make_org, query):
    missing = _missing_policies(app)
    assert not missing, f"no access policy for {', '.join(missing)} - add it to the policy table"

    user, samples = samples_for(role, client, make_user, make_org, query)

    failures = _walk(app, client, POLICY, role, samples, user)
    if failures:
        pytest.fail(f"access matrix for {role}:\n" + "\n".join(failures), pytrace=False)


def _walk(app, client, policy: dict, role: str, samples, user=None) -> list[str]:
    """Ask every method of every rule `policy` names, as `role`; what went otherwise than its policy."""
    failures = []
    for rule in _rules(app):
        if rule.endpoint not in policy:
            continue
        outcome = OUTCOMES[policy[rule.endpoint]][role]
        url = _url(app, rule, samples)
        for method in _methods(rule):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.http.open(url, method=method, data={"csrf_token": client.csrf()}, buffered=True)
            problem = _check(outcome, response, urlsplit(url).path)
            if problem:
                failures.append(f"{method} {url} ({rule.endpoint}, policy {policy[rule.endpoint]!r}): {problem}")
            if user is not None and rule.endpoint in ENDS_SESSION:
                assert client.login(user.email).status_code == 302
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_access_to_a_report_filed_on_the_enterprises_behalf(role, app, client, make_user, query):
    samples = _on_behalf_samples(query)
    user = None if role == "anonymous" else make_user(role)
    if user is not None:
        assert client.login(user.email).status_code == 302
    failures = _walk(app, client, ON_BEHALF, role, samples)
    if failures:
        pytest.fail(f"access on the enterprise's behalf for {role}:\n" + "\n".join(failures), pytrace=False)


def test_sample_notification_of_someone_else_is_not_found(client, make_user, query):
    """The matrix only opens the user's own notification; another user's answers 404."""
    owner, intruder = make_user("enterprise"), make_user("enterprise")
    note_id = _notification_for(query, owner.id)
    client.login(intruder.email)
    assert client.post(f"/notifications/{note_id}/open").status_code == 404
    assert query(lambda s: s.get(Notification, note_id).read_at) is None
