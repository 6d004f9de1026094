"""The broker's queue and suggestion pages, introductions, what owners see on their listing pages,
and the admin's matching page, with suggestions made directly in the database."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from tests.listings.search_factory import field_named, make_listing
from tests.matching.consent_helpers import introduce
from webapp.accounts.models import OrgKind
from webapp.core.db import utcnow
from webapp.listings.models import ListingStatus, Maturity
from webapp.matching.models import (
    Introduction,
    IntroductionOutcome,
    LexiconEntry,
    LexiconKind,
    MatchJob,
    MatchJobStatus,
    RejectReason,
    Suggestion,
    SuggestionStatus,
)


def zh(app, msgid: str, **params) -> str:
    """The Chinese text a user sees for msgid."""
    with app.test_request_context(), force_locale("zh_CN"):
        return gettext(msgid, **params)


def add_pair(
    query,
    *,
    score: float = 60.0,
    need: dict | None = None,
    achievement: dict | None = None,
    parts: dict | None = None,
    terms: list | None = None,
    age: timedelta | None = None,
    status: SuggestionStatus = SuggestionStatus.NEW,
    need_field: str | None = None,
    achievement_field: str | None = None,
) -> int:
    """A published need and a published achievement with a suggestion between them; its id."""

    def add(session):
        need_values = {"title": "锂电池热管理系统需求", "description": "需要锂电池热管理技术。", **(need or {})}
        ach_values = {"title": "动力锂电池热管理技术", "summary": "一种锂电池热管理方法。", **(achievement or {})}
        if need_field:
            need_values["field_id"] = field_named(session, need_field).id
        if achievement_field:
            ach_values["field_id"] = field_named(session, achievement_field).id
        n = make_listing(session, "n", **need_values)
        a = make_listing(session, "a", **ach_values)
        decided = {} if status is SuggestionStatus.NEW else {"decided_at": utcnow()}
        if status is SuggestionStatus.REJECTED:
            decided["reason"] = RejectReason.OTHER
        s = Suggestion(
            need_id=n.id,
            achievement_id=a.id,
            score=score,
            status=status,
            parts=parts
            if parts is not None
            else {"keywords": 30.0, "title": 12.0, "fuzzy": 18.0, "field": 5.0, "maturity": -10.0},
            terms=terms if terms is not None else ["锂电池", "热管理"],
            computed_at=utcnow() - (age or timedelta(0)),
            **decided,
        )
        session.add(s)
        session.commit()
        return s.id

    return query(add)


def rows(page: str) -> list[int]:
    """Suggestion ids of the queue rows, in order."""
    return [int(i) for i in re.findall(r'<tr data-suggestion="(\d+)"', page)]


@pytest.fixture
def broker(client, make_user):
    user = make_user("broker")
    client.login(user.email)
    return user


# -- the queue ----------------------------------------------------------------------------


def test_queue_shows_new_suggestions_above_the_threshold_best_first(app, client, query, broker):
    best = add_pair(
        query, score=82, need={"title": "需求甲"}, achievement={"title": "成果甲", "institution_name": "天津大学"}
    )
    good = add_pair(query, score=55)
    low = add_pair(query, score=1)  # below every confidence band
    done = add_pair(query, score=90, status=SuggestionStatus.REJECTED)
    offline = add_pair(query, score=70, achievement={"status": ListingStatus.OFFLINE})

    page = client.get("/broker/suggestions").get_data(as_text=True)
    shown = rows(page)
    assert shown.index(best) < shown.index(good)
    assert low not in shown and done not in shown and offline not in shown
    row = page[page.index(f'data-suggestion="{best}"') :].split("</tr>")[0]
    assert "需求甲" in row and "成果甲" in row and "天津大学" in row
    assert zh(app, "An enterprise") in row  # the need's poster stays de-identified
    assert 'value="82"' in row  # the score bar
    assert f"{zh(app, 'Keywords')} +30" in row and f"{zh(app, 'Maturity')} \u221210" in row
    assert "锂电池" in row and "热管理" in row


def test_queue_filters_by_field_including_sub_fields(client, query, broker):
    need_side = add_pair(query, need_field="人工智能")
    achievement_side = add_pair(query, achievement_field="人工智能")
    elsewhere = add_pair(query, need_field="新能源汽车", achievement_field="新能源汽车")
    parent = query(lambda s: field_named(s, "电子信息").id)
    child = query(lambda s: field_named(s, "人工智能").id)

    for field in (parent, child):
        shown = rows(client.get(f"/broker/suggestions?field={field}").get_data(as_text=True))
        assert need_side in shown and achievement_side in shown and elsewhere not in shown


def test_queue_filters_by_institution_name_or_organisation(client, query, make_org, broker):
    institute = make_org(OrgKind.INSTITUTE, name="滨海先进材料研究院")
    by_name = add_pair(query, achievement={"institution_name": "天津大学化工学院"})
    by_org = add_pair(query, achievement={"organisation_id": institute.id})
    other = add_pair(query, achievement={"institution_name": "河北工业大学"})

    shown = rows(client.get("/broker/suggestions?institution=天津大学").get_data(as_text=True))
    assert by_name in shown and by_org not in shown and other not in shown
    shown = rows(client.get("/broker/suggestions?institution=滨海先进").get_data(as_text=True))
    assert by_org in shown and by_name not in shown and other not in shown


def test_queue_filters_by_minimum_score_and_age_and_sorts_by_newest(client, query, broker):
    fresh = add_pair(query, score=50)
    old_high = add_pair(query, score=90, age=timedelta(days=3))
    ancient = add_pair(query, score=80, age=timedelta(days=40))

    shown = rows(client.get("/broker/suggestions?min_score=75").get_data(as_text=True))
    assert old_high in shown and ancient in shown and fresh not in shown
    shown = rows(client.get("/broker/suggestions?age=1").get_data(as_text=True))
    assert fresh in shown and old_high not in shown and ancient not in shown
    shown = rows(client.get("/broker/suggestions?age=7").get_data(as_text=True))
    assert fresh in shown and old_high in shown and ancient not in shown
    shown = rows(client.get("/broker/suggestions?age=30&min_score=40").get_data(as_text=True))
    assert ancient not in shown
    shown = rows(client.get("/broker/suggestions?sort=newest").get_data(as_text=True))
    assert shown.index(fresh) < shown.index(old_high) < shown.index(ancient)
    shown = rows(client.get("/broker/suggestions").get_data(as_text=True))
    assert shown.index(old_high) < shown.index(ancient) < shown.index(fresh)


def test_queue_filters_by_confidence_band_and_shows_each_band(client, query, broker):
    from webapp.matching.scoring import DEFAULT_WEIGHTS

    (_, high), (_, medium), (_, low) = DEFAULT_WEIGHTS.bands  # no other set made live
    strong = add_pair(query, score=high + 1)
    middling = add_pair(query, score=medium + 1)
    weak = add_pair(query, score=low + 0.5)

    page = client.get("/broker/suggestions?band=high").get_data(as_text=True)
    assert rows(page) == [strong]
    assert 'data-band="high"' in page
    assert rows(client.get("/broker/suggestions?band=medium").get_data(as_text=True)) == [middling]
    assert rows(client.get("/broker/suggestions?band=low").get_data(as_text=True)) == [weak]
    everything = client.get("/broker/suggestions").get_data(as_text=True)
    assert rows(everything) == [strong, middling, weak]
    assert all(f'data-band="{band}"' in everything for band in ("high", "medium", "low"))
    assert rows(client.get("/broker/suggestions?band=nonsense").get_data(as_text=True)) == [strong, middling, weak]


def test_queue_pages_twenty_rows(client, query, broker):
    ids = [add_pair(query, score=60 + i / 100) for i in range(21)]
    page_one = rows(client.get("/broker/suggestions?min_score=60").get_data(as_text=True))
    page_two = rows(client.get("/broker/suggestions?min_score=60&page=2").get_data(as_text=True))
    assert len(page_one) == 20 and len(page_two) == 1
    assert set(page_one) | set(page_two) == set(ids)


# -- one suggestion -------------------------------------------------------------------------


def _section(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</div>", start)]


def test_suggestion_page_marks_shared_terms_in_both_texts_and_explains_the_score(app, client, query, broker):
    sid = add_pair(
        query,
        need={
            "description": "我公司需要锂电池热管理方案，预算有限。",
            "budget_min": 100_000,
            "budget_max": 200_000,
            "expected_maturity": Maturity.SAMPLE,
        },
        achievement={
            "summary": "锂电池包的热管理：液冷板与相变材料。",
            "price_min": 500_000,
            "price_max": 500_000,
            "maturity": Maturity.LAB,
        },
        need_field="新能源汽车",
        achievement_field="新能源汽车",
        parts={"keywords": 30.0, "field": 5.0, "maturity": -10.0, "budget": -6.0},
    )
    page = client.get(f"/broker/suggestions/{sid}").get_data(as_text=True)
    assert "<mark>锂电池</mark>" in _section(page, "need-text") and "<mark>热管理</mark>" in _section(page, "need-text")
    assert "<mark>锂电池</mark>" in _section(page, "achievement-text")
    assert "<mark>热管理</mark>" in _section(page, "achievement-text")
    reasons = page[page.index('id="score-reasons"') : page.index("</table>", page.index('id="score-reasons"'))]
    assert zh(app, "Same technical field (%(field)s)", field="新能源与节能 · 新能源汽车") in reasons
    assert "+5" in reasons and "\u221210" in reasons
    assert (
        zh(
            app,
            "Less mature than the need asks (%(offered)s, needed %(wanted)s)",
            offered=zh(app, "Lab-scale tested"),
            wanted=zh(app, "Samples available"),
        )
        in reasons
    )
    assert zh(app, "Budget below the price (%(budget)s for %(price)s)", budget="10–20 万元", price="50 万元") in reasons
    assert 'id="accept-form"' in page and 'id="reject-form"' in page
    for reason in RejectReason:
        assert f'value="{reason.value}"' in page


def test_synonyms_of_a_shared_term_are_marked_too(client, query, broker):
    sid = add_pair(
        query,
        need={"description": "寻找锂电回收技术"},
        achievement={"summary": "锂离子电池回收"},
        terms=["锂离子电池", "回收"],
    )
    page = client.get(f"/broker/suggestions/{sid}").get_data(as_text=True)
    assert "<mark>锂电</mark>" in _section(page, "need-text")
    assert "<mark>锂离子电池</mark>" in _section(page, "achievement-text")


def test_accept_from_the_suggestion_page_opens_an_introduction_and_keeps_the_filters(app, client, query, broker):
    sid = add_pair(query, score=70)
    filters = "min_score=50&sort=newest&age=7"
    page = client.get(f"/broker/suggestions/{sid}?{filters}").get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"[^>]*id="accept-form"', page).group(1)
    response = client.post(action.replace("&amp;", "&"), {"note": "双方可先就液冷方案交流"})

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/broker/suggestions"
    assert parse_qs(location.query) == {"min_score": ["50"], "sort": ["newest"], "age": ["7"]}
    s = query(lambda session: session.get(Suggestion, sid))
    assert s.status is SuggestionStatus.ACCEPTED and s.decided_by_id == broker.id
    intro = query(lambda session: session.scalar(sa.select(Introduction).where(Introduction.suggestion_id == sid)))
    assert intro.broker_id == broker.id and intro.note == "双方可先就液冷方案交流"
    assert intro.outcome is IntroductionOutcome.NEGOTIATING
    queue = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "alert-success" in queue
    assert sid not in rows(queue)


def test_reject_with_a_coded_reason(app, client, query, broker):
    sid = add_pair(query)
    response = client.post(f"/broker/suggestions/{sid}/reject?field=1", {"reason": "field"})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {"field": ["1"]}
    s = query(lambda session: session.get(Suggestion, sid))
    assert s.status is SuggestionStatus.REJECTED and s.reason is RejectReason.FIELD
    queue = client.get(response.headers["Location"]).get_data(as_text=True)
    assert zh(app, "Different field") in queue  # the flash names the reason


def test_reject_needs_a_reason_and_a_note_for_other(app, client, query, broker):
    sid = add_pair(query)
    page = client.post(f"/broker/suggestions/{sid}/reject", {}).get_data(as_text=True)
    assert zh(app, "Choose a reason.") in page
    page = client.post(f"/broker/suggestions/{sid}/reject", {"reason": "other", "reject_note": "  "}).get_data(
        as_text=True
    )
    assert zh(app, "Say why when the reason is “Other”.") in page
    assert query(lambda session: session.get(Suggestion, sid)).status is SuggestionStatus.NEW
    client.post(f"/broker/suggestions/{sid}/reject", {"reason": "other", "reject_note": "企业已搬迁"})
    s = query(lambda session: session.get(Suggestion, sid))
    assert s.status is SuggestionStatus.REJECTED and s.note == "企业已搬迁"


def test_a_decided_suggestion_cannot_be_decided_again(client, query, broker):
    sid = add_pair(query)
    client.post(f"/broker/suggestions/{sid}/reject", {"reason": "budget"})
    response = client.post(f"/broker/suggestions/{sid}/accept", {"note": "再试一次"})
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == f"/broker/suggestions/{sid}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "alert-danger" in page and 'id="accept-form"' not in page and 'id="decided"' in page
    assert query(lambda session: session.get(Suggestion, sid)).status is SuggestionStatus.REJECTED


# -- introductions --------------------------------------------------------------------------


def test_introductions_list_the_brokers_own_and_the_outcome_is_recorded(app, client, query, make_user, broker):
    mine = introduce(query, add_pair(query, need={"title": "我的对接需求"}), broker.id, agreed=True)
    theirs = introduce(query, add_pair(query, need={"title": "别人的对接需求"}), make_user("broker").id)

    page = client.get("/broker/introductions").get_data(as_text=True)
    assert "我的对接需求" in page and "别人的对接需求" not in page
    assert client.get(f"/broker/introductions/{theirs}").status_code == 403

    page = client.get(f"/broker/introductions/{mine}").get_data(as_text=True)
    assert zh(app, "Negotiating") in page and 'id="outcome-form"' in page
    response = client.post(
        f"/broker/introductions/{mine}/outcome", {"outcome": "deal", "outcome_note": "已签技术许可合同"}
    )
    assert response.status_code == 302
    intro = query(lambda session: session.get(Introduction, mine))
    assert intro.outcome is IntroductionOutcome.DEAL and intro.closed_at is not None
    page = client.get(f"/broker/introductions/{mine}").get_data(as_text=True)
    assert "已签技术许可合同" in page and 'id="outcome-form"' not in page


def test_listing_owners_see_the_introduction_but_cannot_record_its_outcome(client, query, make_user, make_client):
    need_owner, stranger, broker = make_user("enterprise"), make_user("enterprise"), make_user("broker")
    sid = add_pair(query, need={"owner_id": need_owner.id})
    intro = introduce(query, sid, broker.id)

    owner_client = make_client()
    owner_client.login(need_owner.email)
    page = owner_client.get(f"/broker/introductions/{intro}").get_data(as_text=True)
    assert "请尽快联系" in page and 'id="outcome-form"' not in page
    assert owner_client.post(f"/broker/introductions/{intro}/outcome", {"outcome": "deal"}).status_code == 403
    need_id = query(lambda session: session.get(Suggestion, sid).need_id)
    page = owner_client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert f'href="/broker/introductions/{intro}"' in page  # from the suggestion on the owner's page
    client.login(stranger.email)
    assert client.get(f"/broker/introductions/{intro}").status_code == 403


# -- what owners see on their listing pages -------------------------------------------------


def test_owners_brokers_and_admins_see_suggestions_on_the_listing_page_and_nobody_else(
    app, client, query, make_user, make_client
):
    enterprise, researcher = make_user("enterprise"), make_user("researcher")
    sid = add_pair(
        query,
        score=77,
        need={"owner_id": enterprise.id, "title": "电池包热失控预警需求"},
        achievement={"owner_id": researcher.id, "title": "锂电池热失控预警算法"},
    )
    s = query(lambda session: session.get(Suggestion, sid))
    need_url, ach_url = f"/needs/{s.need_id}", f"/achievements/{s.achievement_id}"

    def section(c, url):
        page = c.get(url).get_data(as_text=True)
        return page[page.index('id="match-suggestions"') :] if 'id="match-suggestions"' in page else None

    client.login(enterprise.email)
    box = section(client, need_url)
    assert box is not None and "锂电池热失控预警算法" in box and "热管理" in box and 'value="77"' in box
    assert section(client, ach_url) is None  # not the enterprise's achievement

    other = make_client()
    other.login(researcher.email)
    box = section(other, ach_url)
    assert box is not None and "电池包热失控预警需求" in box
    assert section(other, need_url) is None

    for role in ("broker", "admin"):
        c = make_client()
        c.login(make_user(role).email)
        assert section(c, need_url) is not None and section(c, ach_url) is not None

    stranger = make_client()
    stranger.login(make_user("enterprise").email)
    assert section(stranger, need_url) is None and section(stranger, ach_url) is None
    public = make_client()
    assert section(public, need_url) is None and section(public, ach_url) is None
    assert "锂电池热失控预警算法" not in public.get(need_url).get_data(as_text=True)


# -- the admin's matching page --------------------------------------------------------------


def test_admin_adds_and_removes_lexicon_entries(app, client, query, make_user):
    client.login(make_user("admin").email)
    response = client.post("/admin/matching/lexicon", {"kind": "synonym", "word": "固态锂电", "canonical": "固态电池"})
    assert response.status_code == 302 and "kind=synonym" in response.headers["Location"]
    entry = query(lambda s: s.scalar(sa.select(LexiconEntry).where(LexiconEntry.word == "固态锂电")))
    assert entry.kind is LexiconKind.SYNONYM and entry.canonical == "固态电池"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "固态锂电" in page and "固态电池" in page

    page = client.post("/admin/matching/lexicon", {"kind": "synonym", "word": "半固态"}).get_data(as_text=True)
    assert zh(app, "A synonym needs the word it stands for.") in page
    page = client.post("/admin/matching/lexicon", {"kind": "term", "word": "固态锂电"}).get_data(as_text=True)
    assert "invalid-feedback" in page  # already in the lexicon: the service's message under the field

    client.post(f"/admin/matching/lexicon/{entry.id}/remove")
    assert query(lambda s: s.get(LexiconEntry, entry.id)) is None


def test_job_page_and_its_status(client, query, make_user):
    def add(session):
        job = MatchJob(status=MatchJobStatus.RUNNING, total=200, processed=50, suggestions=31, started_at=utcnow())
        session.add(job)
        session.commit()
        return job.id

    job_id = query(add)
    client.login(make_user("admin").email)
    page = client.get(f"/admin/matching/jobs/{job_id}").get_data(as_text=True)
    assert 'id="match-progress"' in page and 'value="25"' in page and "50/200" in page
    assert f'data-status-url="/admin/matching/jobs/{job_id}/status"' in page
    assert "js/job-progress.js" in page
    status = client.get(f"/admin/matching/jobs/{job_id}/status").get_json()
    assert status == {
        "status": "running",
        "label": status["label"],
        "processed": 50,
        "total": 200,
        "suggestions": 31,
        "percent": 25,
        "finished": False,
    }

    def finish(session):
        job = session.get(MatchJob, job_id)
        job.status, job.processed, job.finished_at = MatchJobStatus.DONE, 200, utcnow()
        session.commit()

    query(finish)
    assert client.get(f"/admin/matching/jobs/{job_id}/status").get_json()["finished"] is True
    page = client.get(f"/admin/matching/jobs/{job_id}").get_data(as_text=True)
    assert 'id="match-done"' in page and 'data-finished="true"' in page


def test_rematch_button_starts_a_job_and_opens_its_page(client, query, make_user):
    client.login(make_user("admin").email)
    response = client.post("/admin/matching/rematch")
    assert response.status_code == 302
    job_id = int(re.search(r"/admin/matching/jobs/(\d+)$", response.headers["Location"]).group(1))
    assert query(lambda s: s.get(MatchJob, job_id)) is not None


def test_a_need_without_suggestions_tells_its_owner_why_and_nobody_else(client, query, make_user, make_client):
    enterprise = make_user("enterprise")
    sid = add_pair(query, need={"owner_id": enterprise.id}, status=SuggestionStatus.REJECTED)
    s = query(lambda session: session.get(Suggestion, sid))
    client.login(enterprise.email)
    page = client.get(f"/needs/{s.need_id}").get_data(as_text=True)
    assert 'id="match-suggestions-none"' in page and 'id="match-suggestions"' not in page
    assert "技术用词" in page or "technical wording" in page
    stranger = make_client()
    stranger.login(make_user("enterprise").email)
    assert 'id="match-suggestions-none"' not in stranger.get(f"/needs/{s.need_id}").get_data(as_text=True)
    assert 'id="match-suggestions-none"' not in make_client().get(f"/needs/{s.need_id}").get_data(as_text=True)
