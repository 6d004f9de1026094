"""Each domain registers its notification texts; the texts render in the reader's language."""

from __future__ import annotations

from flask_babel import force_locale

from webapp.notifications import catalogue


def test_a_role_is_stored_as_its_code_and_shown_in_words(app):
    with app.test_request_context(), force_locale("en"):
        text = catalogue.render_text("account.created_by_admin", {"role": "broker"})
    assert text == "An administrator created your Technology broker account."


def test_every_domain_registered_its_texts(app):
    for kind in ("account.welcome", "listing.approve", "listing.duplicate", "achievement.access_granted"):
        assert catalogue.known(kind), kind
    for kind in ("match.introduced", "challenge.awarded", "deal.payment"):
        assert catalogue.known(kind), kind


def test_an_unknown_kind_shows_as_its_code(app):
    assert catalogue.render_text("nothing.here", {}) == "nothing.here"
