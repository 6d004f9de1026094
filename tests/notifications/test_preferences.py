"""People choose per category how they hear of things; notify() honours it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.subscriptions.helpers import choose, mails, send
from webapp.notifications import catalogue, preferences
from webapp.notifications.models import Notification


def notes_of(query, user) -> list[Notification]:
    return query(lambda s: list(s.scalars(sa.select(Notification).where(Notification.user_id == user.id))))


def test_every_registered_kind_belongs_to_exactly_one_category(app):
    kinds = catalogue.kinds()
    assert "challenge.awarded" in kinds and "subscription.need" in kinds
    misplaced = {kind: [c.code for c in preferences.categories_of(kind)] for kind in kinds}
    assert not {kind: codes for kind, codes in misplaced.items() if len(codes) != 1}


def test_by_default_as_before_in_the_app_and_by_e_mail_at_once(app, make_user, mailbox, query):
    user = make_user()
    send(app, user, "challenge.won", link="/challenges/1", title="电驱壳体")
    assert len(notes_of(query, user)) == 1
    assert len(mails(mailbox, user.email)) == 1
    quiet = make_user(email_notifications=False)
    send(app, quiet, "challenge.won", link="/challenges/1", title="电驱壳体")
    assert len(notes_of(query, quiet)) == 1 and not mails(mailbox, quiet.email)


@pytest.mark.parametrize(
    ("delivery", "in_app", "mailed_now", "digest"),
    [
        ("app", True, False, None),
        ("instant", True, True, None),
        ("daily", True, False, "daily"),
        ("weekly", True, False, "weekly"),
        ("off", False, False, None),
    ],
)
def test_each_choice_is_honoured(app, make_user, mailbox, query, delivery, in_app, mailed_now, digest):
    user = make_user()
    choose(app, user, challenges=delivery)
    send(app, user, "challenge.won", link="/challenges/1", title="电驱壳体")
    send(app, user, "deal.signed", link="/deals/1", title="电驱壳体", day="2026-03-02")  # another category
    notes = {note.kind: note for note in notes_of(query, user)}
    assert ("challenge.won" in notes) is in_app
    assert "deal.signed" in notes  # untouched: the default
    if in_app:
        assert (notes["challenge.won"].digest.value if notes["challenge.won"].digest else None) == digest
    subjects = [message["Subject"] for message, _body in mails(mailbox, user.email)]
    assert len(subjects) == (2 if mailed_now else 1)


def test_account_notices_cannot_be_switched_off(app, make_user, mailbox, query):
    user = make_user()
    with pytest.raises(ValueError):
        choose(app, user, account="off")
    choose(app, user, account="app")
    send(app, user, "account.password_changed")
    assert [n.kind for n in notes_of(query, user)] == ["account.password_changed"]
    assert not mails(mailbox, user.email)


def test_the_settings_page_saves_choices_with_an_audit_event(app, client, make_user, query):
    from webapp.core.audit import AuditEvent

    user = make_user()
    client.login(user.email)
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'href="/notifications/settings"' in page
    assert 'href="/notifications/settings"' in client.get("/account").get_data(as_text=True)
    form = client.get("/notifications/settings").get_data(as_text=True)
    assert 'name="delivery_account"' in form and 'value="off"' in form
    data = {f"delivery_{c.code}": c.default.value for c in preferences.CATEGORIES}
    data.update(delivery_deals="weekly", followed_keywords="真空压铸，机器视觉")
    response = client.post("/notifications/settings", data)
    assert response.status_code == 302
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert 'value="weekly" selected' in page or 'selected value="weekly"' in page
    assert "真空压铸, 机器视觉" in page
    actions = query(lambda s: list(s.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor_id == user.id))))
    assert "notification.preferences" in actions and "notification.subscriptions" in actions


def test_a_keyword_too_long_is_refused_and_what_was_typed_is_kept(app, client, make_user):
    user = make_user()
    client.login(user.email)
    data = {f"delivery_{c.code}": c.default.value for c in preferences.CATEGORIES}
    typed = "机器视觉, " + "超" * 45
    data.update(delivery_deals="weekly", followed_keywords=typed)
    page = client.post("/notifications/settings", data).get_data(as_text=True)
    assert "invalid-feedback" in page and typed in page
    again = client.get("/notifications/settings").get_data(as_text=True)
    assert 'name="followed_keywords" type="text" value=""' in again  # nothing was saved
