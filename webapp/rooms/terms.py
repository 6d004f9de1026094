"""The 保密承诺 (confidentiality terms) of an achievement, and the enterprise's acceptance of them.

An achievement's owner may write terms of their own; each change is a new version (1, 2, 3 …) and
every version is kept. Without terms of its own an achievement has the platform's default text,
version 0. In a room the enterprise accepts the version in force; from then on the achievement's
confidential part is theirs to read (`Achievement.can_see_confidential` asks `has_accepted`). A new
version needs a new acceptance before the confidential part shows again.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.core import audit, clock
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.rooms import access
from webapp.rooms.models import ConfidentialityTerms, TermsAcceptance
from webapp.rooms.services import RoomError, notify_members

TERMS_MAX = 20000
DEFAULT_VERSION = 0

DEFAULT_TERMS = _l(
    "Confidentiality undertaking\n\n"
    "1. The enterprise will use the confidential part of this achievement (technical details, data, "
    "drawings, process parameters and any other non-public information shown to it on Jiebang) only "
    "to evaluate and negotiate a cooperation with its owner.\n"
    "2. It will not disclose that information to any third party, nor publish, copy or pass it on, "
    "except to its own staff who need it for that evaluation and who are bound by the same duty.\n"
    "3. It will not file patent applications, nor reverse engineer or exploit the information, "
    "without the owner's written consent.\n"
    "4. The duty lasts three years from acceptance, whether or not a contract is signed; it does not "
    "cover information that is already public or was lawfully known to the enterprise before.\n"
    "5. A breach makes the enterprise liable under the PRC Civil Code and the Anti-Unfair Competition "
    "Law. The platform keeps a record of who accepted which version of these terms, and when."
)


@dataclass(frozen=True)
class Terms:
    """The terms in force for an achievement: its newest version, or the platform's default."""

    version: int
    text: str
    row: ConfidentialityTerms | None

    @property
    def is_default(self) -> bool:
        return self.row is None


def versions_of(achievement) -> list[ConfidentialityTerms]:
    """Every version the owner wrote, newest first."""
    return list(
        db.session.scalars(
            sa.select(ConfidentialityTerms)
            .where(ConfidentialityTerms.achievement_id == achievement.id)
            .order_by(ConfidentialityTerms.version.desc())
        )
    )


def current_terms(achievement) -> Terms:
    row = db.session.scalar(
        sa.select(ConfidentialityTerms)
        .where(ConfidentialityTerms.achievement_id == achievement.id)
        .order_by(ConfidentialityTerms.version.desc())
        .limit(1)
    )
    if row is None:
        return Terms(DEFAULT_VERSION, str(DEFAULT_TERMS), None)
    return Terms(row.version, row.body, row)


def set_terms(user, achievement, body: str | None) -> ConfidentialityTerms:
    """The owner writes a new version; enterprises in open rooms of the achievement are told that
    the confidential part waits for their acceptance of it."""
    require(access.can_set_terms(achievement, user))
    text = (body or "").strip()
    if not text:
        raise RoomError(_("Write the terms the enterprise is to accept."), field="body")
    if len(text) > TERMS_MAX:
        raise RoomError(_("At most %(count)d characters, please.", count=TERMS_MAX), field="body")
    before = current_terms(achievement)
    if not before.is_default and before.text == text:
        raise RoomError(_("These are already the terms in force."), field="body")
    row = ConfidentialityTerms(
        achievement_id=achievement.id,
        version=before.version + 1,
        body=text,
        created_by_id=user.id,
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()  # a second version of the same number fails here (unique per achievement)
    audit.record(
        "room.terms_set",
        row,
        actor=user,
        before={"version": before.version},
        after={"achievement": achievement.id, "version": row.version, "length": len(text)},
    )
    for introduction in _open_rooms_of(achievement):
        notify_members(introduction, user, "room.terms_changed", version=row.version)
    return row


def _open_rooms_of(achievement) -> list:
    from webapp.matching.models import Introduction, Suggestion

    rooms = db.session.scalars(
        sa.select(Introduction)
        .join(Suggestion, Suggestion.id == Introduction.suggestion_id)
        .where(Suggestion.achievement_id == achievement.id, Introduction.closed_at.is_(None))
        .order_by(Introduction.id)
    )
    return [intro for intro in rooms if access.is_open(intro)]


def acceptance_of(introduction, user, version: int) -> TermsAcceptance | None:
    return db.session.scalar(
        sa.select(TermsAcceptance).where(
            TermsAcceptance.introduction_id == introduction.id,
            TermsAcceptance.user_id == user.id,
            TermsAcceptance.version == version,
        )
    )


def acceptances_in(introduction) -> list[TermsAcceptance]:
    return list(
        db.session.scalars(
            sa.select(TermsAcceptance)
            .where(TermsAcceptance.introduction_id == introduction.id)
            .order_by(TermsAcceptance.accepted_at, TermsAcceptance.id)
        )
    )


def accept_terms(user, introduction, version: int | None) -> TermsAcceptance:
    """The enterprise accepts the version it was shown; if the owner changed the terms meanwhile, it
    is asked to read the new version first."""
    require(access.can_accept_terms(introduction, user))
    achievement = introduction.suggestion.achievement
    terms = current_terms(achievement)
    if version != terms.version:
        raise RoomError(_("The terms changed while you were reading them: read the new version and accept it."))
    if acceptance_of(introduction, user, terms.version) is not None:
        raise RoomError(_("You have already accepted this version of the terms."))
    accepted = TermsAcceptance(
        introduction_id=introduction.id,
        achievement_id=achievement.id,
        user_id=user.id,
        terms_id=terms.row.id if terms.row else None,
        version=terms.version,
        text=terms.text,
        accepted_at=clock.now(),
    )
    db.session.add(accepted)
    db.session.flush()
    audit.record(
        "room.terms_accept",
        accepted,
        actor=user,
        after={"room": introduction.id, "achievement": achievement.id, "version": terms.version},
    )
    notify_members(introduction, user, "room.terms_accepted", who=user.name or user.email, version=terms.version)
    return accepted


def has_accepted(achievement, user) -> bool:
    """Whether `user` accepted, as the enterprise of an open room of the achievement, the terms now
    in force: the rule `Achievement.can_see_confidential` adds for the rooms (registered by
    create_app through `webapp.rooms.texts.register`)."""
    from webapp.matching.models import Introduction

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    version = current_terms(achievement).version
    rooms = db.session.scalars(
        sa.select(Introduction)
        .join(TermsAcceptance, TermsAcceptance.introduction_id == Introduction.id)
        .where(
            TermsAcceptance.achievement_id == achievement.id,
            TermsAcceptance.user_id == user.id,
            TermsAcceptance.version == version,
        )
    )
    return any(access.is_open(intro) and intro.side_of(user) == access.NEED_SIDE for intro in rooms)


def register() -> None:
    """Let the room's acceptance count in `Achievement.can_see_confidential` (once per process)."""
    from webapp.achievements.models import CONFIDENTIAL_GRANTS

    if has_accepted not in CONFIDENTIAL_GRANTS:
        CONFIDENTIAL_GRANTS.append(has_accepted)
