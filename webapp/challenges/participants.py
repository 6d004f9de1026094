"""Who takes part in a challenge: its experts, its proposed and awarded winners."""

from __future__ import annotations

import sqlalchemy as sa

from webapp.challenges.models import Application, Award, Challenge, ExpertAssignment
from webapp.extensions import db


def experts_of(challenge: Challenge) -> list:
    return [
        a.expert
        for a in db.session.scalars(
            sa.select(ExpertAssignment)
            .where(ExpertAssignment.challenge_id == challenge.id)
            .order_by(ExpertAssignment.id)
        )
    ]


def proposed(challenge: Challenge) -> list[Application]:
    """The applications proposed for the award, in their order."""
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(Application.challenge_id == challenge.id, Application.proposed_slot.is_not(None))
            .order_by(Application.proposed_slot)
        )
    )


def winners(challenge: Challenge) -> list[Application]:
    return list(
        db.session.scalars(
            sa.select(Application)
            .join(Award, Award.application_id == Application.id)
            .where(Award.challenge_id == challenge.id)
            .order_by(Award.slot)
        )
    )
