"""Following fields and keywords: a need or a challenge published in a followed field (or under it),
or with a followed keyword in its text (cut by the matching's segmenter), is notified once, as the
follower chose; the notification names the need as the public sees it."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests import clock
from tests.challenges import factory
from tests.listings.search_factory import field_named, make_listing
from tests.subscriptions.helpers import beijing, choose, follow, mails, run_digests
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.notifications.models import Notification


def notes(query, user, kind: str) -> list[Notification]:
    return query(
        lambda s: list(
            s.scalars(sa.select(Notification).where(Notification.user_id == user.id, Notification.kind == kind))
        )
    )


def submitted_need(query, owner, admin, **values):
    def make(session):
        need = make_listing(session, "n", status=ListingStatus.SUBMITTED, owner_id=owner.id, **values)
        session.commit()
        return need.id

    return query(make)


def approve(app, need_id: int, admin) -> None:
    from webapp.accounts.models import User
    from webapp.listings import lifecycle
    from webapp.needs.models import Need

    with app.app_context():
        lifecycle.apply(db.session.get(Need, need_id), "approve", db.session.get(User, admin.id))
        db.session.commit()


def test_a_published_need_reaches_the_followers_of_its_field_and_keywords(app, make_user, query, mailbox):
    uid = uuid.uuid4().hex[:6]
    enterprise, admin = make_user("enterprise"), make_user("admin")
    by_field, by_parent, by_keyword = make_user(), make_user(), make_user()
    unrelated, by_other_word = make_user(), make_user()
    ai, electronics = query(lambda s: (field_named(s, "人工智能").id, field_named(s, "电子信息").id))
    energy = query(lambda s: field_named(s, "新能源汽车").id)
    follow(app, by_field, fields=[ai])
    follow(app, by_parent, fields=[electronics])
    follow(app, by_keyword, keywords=["真空压铸"])
    follow(app, unrelated, fields=[energy], keywords=["机器视觉"])
    follow(app, by_other_word, keywords=["铸造"])
    choose(app, by_field, subscriptions="instant")
    title = f"压铸缺陷智能检测{uid}"
    need_id = submitted_need(
        query,
        enterprise,
        admin,
        title=title,
        field_id=ai,
        description="电驱壳体采用真空压铸工艺，需要在线识别气孔缺陷。",
    )
    assert not notes(query, by_field, "subscription.need")  # not yet published

    approve(app, need_id, admin)
    for follower in (by_field, by_parent, by_keyword):
        [note] = notes(query, follower, "subscription.need")
        assert note.link == f"/needs/{need_id}" and title in note.text
    assert "真空压铸" in notes(query, by_keyword, "subscription.need")[0].text
    for other in (unrelated, by_other_word, enterprise):
        assert not notes(query, other, "subscription.need")
    # At once for the one who chose so; the others' default is the daily digest.
    assert [m["Subject"] for m, _b in mails(mailbox, by_field.email)]
    assert not mails(mailbox, by_keyword.email)

    # Taken offline and published again: no news.
    from webapp.accounts.models import User
    from webapp.listings import lifecycle
    from webapp.needs.models import Need

    with app.app_context():
        need = db.session.get(Need, need_id)
        lifecycle.apply(need, "withdraw", db.session.get(User, enterprise.id))
        lifecycle.apply(need, "submit", db.session.get(User, enterprise.id))
        db.session.commit()
    approve(app, need_id, admin)
    assert len(notes(query, by_field, "subscription.need")) == 1


def test_a_published_challenge_reaches_the_followers_of_a_keyword_in_its_text(app, make_user, query, mailbox):
    follower = make_user()
    follow(app, follower, keywords=["压铸"])
    clock.set_time(clock.T0)

    def publish(session):
        people = factory.make_people()
        challenge = factory.published(people)
        session.commit()
        return challenge.id, challenge.title

    challenge_id, title = query(publish)
    [note] = notes(query, follower, "subscription.challenge")
    assert note.link == f"/challenges/{challenge_id}" and title in note.text

    # The daily digest of that day carries it the next morning.
    clock.set_time(beijing(2026, 3, 3, 8, 0))
    run_digests(app)
    [(_message, body)] = mails(mailbox, follower.email)
    assert title in body and f"/challenges/{challenge_id}" in body


def test_subscriptions_can_be_changed_and_off_means_no_notification(app, make_user, query):
    enterprise, admin, follower = make_user("enterprise"), make_user("admin"), make_user()
    ai = query(lambda s: field_named(s, "人工智能").id)
    follow(app, follower, fields=[ai], keywords=["机器视觉"])
    follow(app, follower, keywords=["机器视觉"])  # the field dropped
    choose(app, follower, subscriptions="off")
    need_id = submitted_need(query, enterprise, admin, title="机器视觉检测设备", field_id=ai)
    approve(app, need_id, admin)
    assert not notes(query, follower, "subscription.need")
    choose(app, follower, subscriptions="app")
    need_id = submitted_need(query, enterprise, admin, title="基于机器视觉的焊缝检测", field_id=ai)
    approve(app, need_id, admin)
    assert len(notes(query, follower, "subscription.need")) == 1


def test_an_admins_synonym_reaches_the_followers_of_the_term_it_stands_for(app, make_user, query):
    from webapp.accounts.models import User
    from webapp.matching.models import LexiconEntry, LexiconKind
    from webapp.matching.services.lexicon import add_lexicon_entry, remove_lexicon_entry

    enterprise, admin, follower = make_user("enterprise"), make_user("admin"), make_user()
    follow(app, follower, keywords=["固态电池"])

    def publish(title: str) -> int:
        need_id = submitted_need(
            query, enterprise, admin, title=title, description="拟开发车载固态锂电模组，需要解决界面阻抗问题。"
        )
        approve(app, need_id, admin)
        return need_id

    def heard() -> list[tuple[str, str]]:
        return [(n.link, n.params["topic"]) for n in notes(query, follower, "subscription.need")]

    def edit(change) -> None:
        with app.app_context():
            change(db.session.get(User, admin.id))
            db.session.commit()

    publish("车载储能模组开发")
    assert heard() == []  # 固态锂电 is not (yet) read as 固态电池

    edit(lambda user: add_lexicon_entry(user, LexiconKind.SYNONYM, "固态锂电", "固态电池"))
    need_id = publish("车载储能模组界面改进")
    assert heard() == [(f"/needs/{need_id}", "固态电池")]

    def remove(user) -> None:
        remove_lexicon_entry(user, db.session.scalar(sa.select(LexiconEntry).where(LexiconEntry.word == "固态锂电")))

    edit(remove)
    publish("车载储能模组冬季续航")
    assert len(heard()) == 1


def test_a_followed_keyword_is_heard_although_the_lexicon_calls_it_a_stop_word(app, make_user, query):
    """Generic words are stop words of matching (设计 is one of the admins'), but whoever follows one
    asked for it."""
    from webapp.accounts.models import User
    from webapp.matching.models import LexiconEntry, LexiconKind
    from webapp.matching.services.lexicon import add_lexicon_entry

    enterprise, admin, follower = make_user("enterprise"), make_user("admin"), make_user()
    with app.app_context():
        if db.session.scalar(sa.select(LexiconEntry.id).where(LexiconEntry.word == "设计")) is None:
            add_lexicon_entry(db.session.get(User, admin.id), LexiconKind.STOPWORD, "设计")
            db.session.commit()
    follow(app, follower, keywords=["设计"])

    need_id = submitted_need(query, enterprise, admin, title="储能柜结构设计优化", description="需要改进柜体散热。")
    approve(app, need_id, admin)

    [note] = notes(query, follower, "subscription.need")
    assert note.link == f"/needs/{need_id}" and note.params["topic"] == "设计"
