"""Needs published by an import reach the followers of their fields and keywords as one notification
per person for the file (how many, the newest by name, a link to the library searched for the topic),
not one per row — or, when only one of them concerns the person, as a need published on its own. A
back catalogue (needs posted a month or more before) is not news, and importing the same file again
tells nobody anything."""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

from tests import clock
from tests.imports.conftest import need, write_csv
from tests.imports.test_upload import upload
from tests.listings.search_factory import field_named
from tests.subscriptions.helpers import beijing, choose, follow, mails
from webapp.needs.models import Need
from webapp.notifications.models import Notification

KIND = "subscription.needs_imported"


def notes_of(query, user, kind: str = KIND) -> list[Notification]:
    return query(
        lambda s: list(
            s.scalars(
                sa.select(Notification)
                .where(Notification.user_id == user.id, Notification.kind == kind)
                .order_by(Notification.id)
            )
        )
    )


def district_list(tmp_path, uid: str):
    """Three battery needs posted yesterday, one posted last year, one on something else."""
    rows = [need(n, external_id=f"imp-{uid}-{n}", title=f"电池热失控预警需求{uid}-{n}") for n in (1, 2, 3)]
    for row in rows:
        row["posted_on"] = "2026-03-09"
    rows.append(need(4, external_id=f"imp-{uid}-4", title=f"往年电池需求{uid}", posted_on="2025-06-01"))
    rows.append(
        need(
            5,
            external_id=f"imp-{uid}-5",
            title=f"中药提取工艺优化{uid}",
            description="需要提高中药有效成分的提取率。",
            keywords="中药，提取",
            field="生物医药",
            posted_on="2026-03-09",
        )
    )
    return write_csv(tmp_path / f"需求清单{uid}.csv", rows)


def test_an_imported_list_reaches_each_follower_once(app, client, make_user, query, mailbox, tmp_path):
    clock.set_time(beijing(2026, 3, 10, 10, 0))
    uid = uuid.uuid4().hex[:6]
    admin, by_field, by_keyword, unrelated = make_user("admin"), make_user(), make_user(), make_user()
    herbal = make_user()
    battery, ai = query(lambda s: (field_named(s, "动力电池与储能").id, field_named(s, "人工智能").id))
    follow(app, by_field, fields=[battery])
    follow(app, by_keyword, keywords=["热失控"])
    follow(app, unrelated, fields=[ai])
    follow(app, herbal, keywords=["中药"])
    choose(app, by_field, subscriptions="instant")
    path = district_list(tmp_path, uid)

    client.login(admin.email)
    assert upload(client, path, kind="needs").status_code == 302

    [note] = notes_of(query, by_field)
    assert note.params["count"] == 3 and note.params["title"] == f"电池热失控预警需求{uid}-3"
    [by_mail] = mails(mailbox, by_field.email)
    assert "新导入的 3 项需求" in by_mail[1] and "/needs/?field=" in by_mail[1]
    [keyword_note] = notes_of(query, by_keyword)
    assert keyword_note.params["count"] == 3 and keyword_note.params["topic"] == "热失控"
    assert not mails(mailbox, by_keyword.email)  # the default: in the daily digest
    assert not notes_of(query, unrelated)
    for person in (by_field, by_keyword):  # one notification for the file, none per need
        assert not notes_of(query, person, "subscription.need")
    # Whom only one of the needs concerns hears of it as of a need published on its own.
    herbal_need = query(lambda s: s.scalar(sa.select(Need.id).where(Need.external_id == f"imp-{uid}-5")))
    [single] = notes_of(query, herbal, "subscription.need")
    assert single.link == f"/needs/{herbal_need}" and single.params["title"] == f"中药提取工艺优化{uid}"
    assert not notes_of(query, herbal)

    # The link opens the library on the topic, from the day the first of them was posted.
    client.logout()
    client.login(by_field.email)
    assert f"新导入的 3 项需求与您的关注相关（如“动力电池与储能”），最新一项：“电池热失控预警需求{uid}-3”" in (
        client.get("/notifications/").get_data(as_text=True)
    )
    page = client.get(note.link).get_data(as_text=True)
    titles = set(re.findall(rf"电池热失控预警需求{uid}-\d|往年电池需求{uid}", page))
    assert titles == {f"电池热失控预警需求{uid}-{n}" for n in (1, 2, 3)}

    # The same file again updates nothing new: nobody hears of it twice.
    client.logout()
    client.login(admin.email)
    assert upload(client, path, kind="needs").status_code == 302
    assert len(notes_of(query, by_field)) == len(notes_of(query, by_keyword)) == 1
    assert len(notes_of(query, herbal, "subscription.need")) == 1


def run_import(app, path):
    return app.test_cli_runner().invoke(args=["import", "needs", str(path)])


def test_the_announcement_delivered_twice_tells_nobody_twice(app, make_user, query, tmp_path):
    clock.set_time(beijing(2026, 3, 10, 10, 0))
    uid = uuid.uuid4().hex[:6]
    follower = make_user()
    follow(app, follower, keywords=["热失控"])

    result = run_import(app, district_list(tmp_path, uid))  # the operators' command announces too

    assert result.exit_code == 0, result.output
    [note] = notes_of(query, follower)
    assert note.params["count"] == 3
    ids = query(lambda s: list(s.scalars(sa.select(Need.id).where(Need.external_id.like(f"imp-{uid}-%")))))
    app.extensions["celery"].tasks["subscriptions.announce_imported"].apply(kwargs={"ids": ids})
    assert len(notes_of(query, follower)) == 1


def test_a_back_catalogue_is_not_news(app, make_user, query, tmp_path):
    clock.set_time(beijing(2026, 6, 1, 10, 0))  # the whole list was posted months ago
    uid = uuid.uuid4().hex[:6]
    follower = make_user()
    follow(app, follower, keywords=["热失控"])

    assert run_import(app, district_list(tmp_path, uid)).exit_code == 0

    assert not notes_of(query, follower)
