"""A broker's own dashboard: the suggestions waiting and their decisions on them, their introductions
and how they ended, the deals credited to them, their turnover by month and their top deals."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.core.money import format_money
from webapp.dashboard.periods import Period
from webapp.dashboard.personal_board import (
    Board,
    Chart,
    Figure,
    counted,
    deal_turnover,
    on_days,
    received_in,
    status_table,
    turnover_table,
    within,
)
from webapp.dashboard.tables import Column, Table, share
from webapp.deals.models import Deal, DealState
from webapp.extensions import db


def broker(user, period: Period) -> Board:
    from webapp.matching.models import Introduction, IntroductionOutcome, Suggestion, SuggestionStatus
    from webapp.matching.queue import QueueFilter, queue_query

    board = Board("broker")
    queue = queue_query(QueueFilter()).order_by(None).subquery()
    waiting = int(db.session.scalar(sa.select(sa.func.count()).select_from(queue)) or 0)

    decided = counted(
        sa.select(Suggestion.status, sa.func.count())
        .where(Suggestion.decided_by_id == user.id, within(Suggestion.decided_at, period))
        .group_by(Suggestion.status)
    )
    accepted, rejected = decided.get(SuggestionStatus.ACCEPTED, 0), decided.get(SuggestionStatus.REJECTED, 0)
    rate = share(accepted, accepted + rejected)
    decisions = Table(
        "decisions",
        _("My decisions in the period"),
        [
            Column("decision", _("Decision")),
            Column("count", _("Number"), "int"),
            Column("share", _("Share"), "percent"),
        ],
        [
            {"decision": SuggestionStatus.ACCEPTED.label, "count": accepted, "share": rate},
            {
                "decision": SuggestionStatus.REJECTED.label,
                "count": rejected,
                "share": share(rejected, accepted + rejected),
            },
        ],
        total={"decision": _("Total"), "count": accepted + rejected},
    )

    outcomes = counted(
        sa.select(Introduction.outcome, sa.func.count())
        .where(Introduction.broker_id == user.id, within(Introduction.created_at, period))
        .group_by(Introduction.outcome)
    )
    introductions = status_table(
        "introductions", _("My introductions made in the period"), _("Outcome"), outcomes, list(IntroductionOutcome)
    )

    mine = Deal.broker_id == user.id
    state = Deal.state
    by_state = {
        DealState(s): (int(n), int(v or 0), int(r or 0))
        for s, n, v, r in db.session.execute(
            sa.select(state, sa.func.count(), sa.func.sum(Deal.contract_value), sa.func.sum(Deal.received_total))
            .where(mine)
            .group_by(state)
        )
    }
    live = [v for s, v in by_state.items() if s is not DealState.CANCELLED]
    deals = Table(
        "deal_states",
        _("Deals credited to me, by state"),
        [
            Column("state", _("State")),
            Column("count", _("Deals"), "int"),
            Column("value", _("Contract value"), "money"),
            Column("received", _("Received"), "money"),
        ],
        [
            {"state": s.label, "count": by_state[s][0], "value": by_state[s][1], "received": by_state[s][2]}
            for s in DealState
            if s in by_state
        ],
        total={
            "state": _("Total (live deals)"),
            "count": sum(v[0] for v in live),
            "value": sum(v[1] for v in live),
            "received": sum(v[2] for v in live),
        },
        note=_("All deals credited to me, whatever their dates; cancelled deals are not in the total."),
    )

    turnover, chart = turnover_table(deal_turnover(mine, period), _("My turnover by month"))

    paid = received_in(period)
    active = sa.or_(on_days(Deal.signed_on, period), on_days(Deal.registered_on, period), paid.c.amount.is_not(None))
    top = (
        sa.select(Deal, sa.func.coalesce(paid.c.amount, 0))
        .outerjoin(paid, paid.c.deal_id == Deal.id)
        .where(mine, Deal.cancelled_at.is_(None), active)
        .order_by(Deal.contract_value.desc(), Deal.id)
        .limit(10)
    )
    top_deals = Table(
        "top_deals",
        _("My top deals in the period"),
        [
            Column("title", _("Contract")),
            Column("need_party", _("Need side")),
            Column("state", _("State")),
            Column("value", _("Contract value"), "money"),
            Column("in_period", _("Received in the period"), "money"),
            Column("signed_on", _("Signed on"), "date"),
        ],
        [
            {
                "title": d.title,
                "need_party": d.need_party,
                "state": d.state.label,
                "value": d.contract_value,
                "in_period": int(amount),
                "signed_on": d.signed_on,
                "_link": f"/deals/{d.id}",
            }
            for d, amount in db.session.execute(top)
        ],
        note=_("The ten largest live deals signed, registered or paid in the period."),
    )

    totals = turnover.total
    board.figures = [
        Figure("queue", _("Suggestions waiting in the queue"), f"{waiting:,}"),
        Figure("decisions", _("Decisions in the period"), f"{accepted + rejected:,}"),
        Figure("acceptance", _("Acceptance rate"), "—" if rate is None else f"{rate * 100:.1f}%"),
        Figure("introductions", _("Introductions in the period"), f"{sum(outcomes.values()):,}"),
        Figure("signed", _("Signed in the period"), format_money(totals["signed"])),
        Figure("received", _("Received in the period"), format_money(totals["received"])),
    ]
    board.charts = [
        chart,
        Chart(
            "chart-acceptance",
            _("My acceptance rate in the period"),
            {
                "type": "gauge",
                "unit": "%",
                "series": [
                    {
                        "name": _(
                            "%(accepted)d of %(decided)d accepted", accepted=accepted, decided=accepted + rejected
                        ),
                        "data": [round(float(rate or 0) * 100, 1)],
                    }
                ],
            },
        ),
    ]
    board.tables = [turnover, decisions, introductions, deals, top_deals]
    return board
