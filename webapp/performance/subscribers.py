"""The performance report falls due in the transaction that completes a challenge or pays a deal in
full: the challenges and the deals announce it (their `signals`), this subscribes."""

from __future__ import annotations

from webapp.challenges import signals as challenge_signals
from webapp.deals import signals as deal_signals


def _challenge_completed(challenge, at=None, **_extra) -> None:
    from webapp.performance.services import open_report

    open_report(challenge=challenge, at=at)


def _deal_paid(deal, **_extra) -> None:
    from webapp.performance.services import open_report

    open_report(deal=deal)


def register() -> None:
    """Connect the receivers (blinker keeps one connection per receiver: safe to run again)."""
    challenge_signals.challenge_completed.connect(_challenge_completed)
    deal_signals.paid_in_full.connect(_deal_paid)
