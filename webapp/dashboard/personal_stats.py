"""Each signed-in user's own figures, read from the ledger, the libraries and the challenge board.

Every query is narrowed to the user first (the broker credited, the owner of the listing, the
applicant, the party of the deal, the expert on the panel): nobody's dashboard counts another
user's records. Cancelled deals count nowhere (as in the district's figures); days of a period are
Beijing days, both ends included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.core import clock
from webapp.core.money import format_money, wan_number
from webapp.dashboard.periods import Period
from webapp.dashboard.tables import Column, Table, share
from webapp.deals.models import Deal, DealState, Payment
from webapp.extensions import db


@dataclass
class Figure:
    """One number at the top of a dashboard."""

    key: str
    label: str
    value: str


@dataclass
class Chart:
    id: str
    title: str
    spec: dict


@dataclass
class Board:
    """What a personal dashboard shows: figures, charts, and tables (each exportable)."""

    role: str
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)


# ---------------------------------------------------------------- shared pieces


def instants(period: Period) -> tuple[datetime, datetime]:
    """The period's first moment and the moment after its last day, in UTC (for timestamp columns)."""
    start = clock.day_start(period.start).astimezone(UTC)
    end = clock.day_start(period.end + timedelta(days=1)).astimezone(UTC)
    return start, end


def within(column, period: Period):
    """A timestamp inside the period's days."""
    start, end = instants(period)
    return sa.and_(column >= start, column < end)


def on_days(column, period: Period):
    """A date inside the period (both ends included)."""
    return sa.and_(column >= period.start, column <= period.end)


def counted(query) -> dict:
    return {key: int(number) for key, number in db.session.execute(query).all()}


def month_key(column):
    hundred = sa.literal_column("100", sa.Integer)  # inlined, so that GROUP BY matches the selected expression
    return sa.func.extract("year", column) * hundred + sa.func.extract("month", column)


def month_label(key: int) -> str:
    return f"{key // 100}-{key % 100:02d}"


def status_table(name: str, title: str, what: str, counts: dict, labels: list, note: str | None = None) -> Table:
    """A count per state, in the enum's order, with its total."""
    rows = [{"status": str(member.label), "count": counts.get(member, 0)} for member in labels if counts.get(member, 0)]
    return Table(
        name,
        title,
        [Column("status", what), Column("count", _("Number"), "int")],
        rows,
        total={"status": _("Total"), "count": sum(counts.values())},
        note=note,
    )


def pie(table: Table) -> dict:
    return {
        "type": "pie",
        "categories": [r["status"] for r in table.rows],
        "series": [{"name": table.title, "data": [r["count"] for r in table.rows]}],
    }


def received_in(period: Period):
    """Per deal, the money received in the period (a subquery: deal_id, amount)."""
    return (
        sa.select(Payment.deal_id, sa.func.sum(Payment.amount).label("amount"))
        .where(on_days(Payment.received_on, period))
        .group_by(Payment.deal_id)
        .subquery()
    )


def deal_turnover(where, period: Period) -> dict[int, dict[str, int]]:
    """Signed, registered and received per month (yyyymm) for the live deals matching `where`."""
    live = Deal.cancelled_at.is_(None)
    months: dict[int, dict[str, int]] = {m: {"signed": 0, "registered": 0, "received": 0} for m in period.months}
    paid = sa.join(Payment, Deal, Payment.deal_id == Deal.id)
    parts = (
        ("signed", Deal.signed_on, Deal.contract_value, Deal.__table__),
        ("registered", Deal.registered_on, Deal.contract_value, Deal.__table__),
        ("received", Payment.received_on, Payment.amount, paid),
    )
    for name, day, amount, source in parts:
        key = month_key(day)
        query = (
            sa.select(key, sa.func.sum(amount))
            .select_from(source)
            .where(where, live, on_days(day, period))
            .group_by(key)
        )
        for month, total in db.session.execute(query):
            months.setdefault(int(month), {"signed": 0, "registered": 0, "received": 0})[name] = int(total or 0)
    return dict(sorted(months.items()))


def turnover_table(months: dict[int, dict[str, int]], title: str) -> tuple[Table, Chart]:
    rows = [{"month": month_label(m), **values} for m, values in months.items()]
    total = {"month": _("Total"), **{k: sum(r[k] for r in rows) for k in ("signed", "registered", "received")}}
    table = Table(
        "turnover",
        title,
        [
            Column("month", _("Month")),
            Column("signed", _("Signed"), "money"),
            Column("registered", _("Registered"), "money"),
            Column("received", _("Received"), "money"),
        ],
        rows,
        total=total,
        note=_("Cancelled deals are left out."),
    )
    spec = {
        "type": "bar",
        "unit": _("10k CNY"),
        "categories": [r["month"] for r in rows],
        "series": [
            {"name": _("Signed"), "data": [wan_number(r["signed"]) for r in rows]},
            {"name": _("Registered"), "data": [wan_number(r["registered"]) for r in rows]},
            {"name": _("Received"), "data": [wan_number(r["received"]) for r in rows]},
        ],
    }
    return table, Chart("chart-turnover", title, spec)


def deals_of(
    where, period: Period, name: str, title: str, columns: list[str], *, schedule: bool = False, note: str | None = None
) -> Table:
    """Live deals matching `where` (largest first): value, money received in all and in the period,
    what remains and, with `schedule`, the next instalment due. `columns` picks what is shown."""
    paid = received_in(period)
    query = (
        sa.select(Deal, sa.func.coalesce(paid.c.amount, 0))
        .outerjoin(paid, paid.c.deal_id == Deal.id)
        .where(where, Deal.cancelled_at.is_(None))
        .order_by(Deal.contract_value.desc(), Deal.id)
    )
    found = db.session.execute(query).all()
    due = next_instalments([deal for deal, _amount in found]) if schedule else {}
    rows = []
    for deal, in_period in found:
        day, amount = due.get(deal.id, (None, None))
        rows.append(
            {
                "title": deal.title,
                "need_party": deal.need_party,
                "provider_party": deal.provider_party,
                "state": deal.state.label,
                "value": deal.contract_value,
                "received": deal.received_total,
                "in_period": int(in_period),
                "remaining": deal.remaining,
                "due_on": day,
                "due": amount,
                "_link": f"/deals/{deal.id}",
            }
        )
    every = {
        "title": Column("title", _("Contract")),
        "need_party": Column("need_party", _("Need side")),
        "provider_party": Column("provider_party", _("Provider side")),
        "state": Column("state", _("State")),
        "value": Column("value", _("Contract value"), "money"),
        "received": Column("received", _("Received"), "money"),
        "in_period": Column("in_period", _("Received in the period"), "money"),
        "remaining": Column("remaining", _("Still to be paid"), "money"),
        "due_on": Column("due_on", _("Next instalment due"), "date"),
        "due": Column("due", _("Next instalment amount"), "money"),
    }
    summed = [k for k in ("value", "received", "in_period", "remaining", "due") if k in columns]
    total = {"title": _("Total"), **{k: sum(r[k] or 0 for r in rows) for k in summed}}
    return Table(
        name,
        title,
        [every[k] for k in columns],
        rows,
        total=total,
        note=note or _("Live deals only: cancelled deals are left out."),
    )


def next_instalments(deals: list[Deal]) -> dict[int, tuple[date, int]]:
    """Per deal, the first instalment of the schedule not yet covered by the money received, and how
    much of it is still due (payments are applied to the schedule in date order)."""
    from webapp.deals.models import PaymentInstalment

    ids = [d.id for d in deals]
    if not ids:
        return {}
    received = {d.id: d.received_total for d in deals}
    out: dict[int, tuple[date, int]] = {}
    cumulative: dict[int, int] = {}
    for row in db.session.scalars(
        sa.select(PaymentInstalment)
        .where(PaymentInstalment.deal_id.in_(ids))
        .order_by(PaymentInstalment.deal_id, PaymentInstalment.due_on, PaymentInstalment.id)
    ):
        if row.deal_id in out:
            continue
        cumulative[row.deal_id] = cumulative.get(row.deal_id, 0) + row.amount
        if cumulative[row.deal_id] > received[row.deal_id]:
            out[row.deal_id] = (row.due_on, min(row.amount, cumulative[row.deal_id] - received[row.deal_id]))
    return out


# ---------------------------------------------------------------- broker


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


# ---------------------------------------------------------------- expert


def expert(user, period: Period) -> Board:
    """Review tasks: per challenge on the expert's panel, reviews done and still to do."""
    from webapp.challenges.models import (
        Application,
        ApplicationStatus,
        Challenge,
        ChallengeStatus,
        ConflictDeclaration,
        ExpertAssignment,
        Review,
    )

    board = Board("expert")
    rows = []
    panels = db.session.execute(
        sa.select(ExpertAssignment, Challenge)
        .join(Challenge, Challenge.id == ExpertAssignment.challenge_id)
        .where(ExpertAssignment.expert_id == user.id)
        .order_by(Challenge.id.desc())
    ).all()
    for assignment, challenge in panels:
        eligible = list(
            db.session.scalars(
                sa.select(Application.id).where(
                    Application.challenge_id == challenge.id, Application.status == ApplicationStatus.ELIGIBLE
                )
            )
        )
        reviews = (
            {
                r.application_id: r
                for r in db.session.scalars(
                    sa.select(Review).where(Review.expert_id == user.id, Review.application_id.in_(eligible))
                )
            }
            if eligible
            else {}
        )
        conflicts = set(
            db.session.scalars(
                sa.select(ConflictDeclaration.application_id).where(
                    ConflictDeclaration.assignment_id == assignment.id, ConflictDeclaration.has_conflict.is_(True)
                )
            )
        )
        done = sum(1 for r in reviews.values() if not r.awaiting_revision)
        pending = 0
        if challenge.status is ChallengeStatus.REVIEW:
            pending = sum(
                1 for a in eligible if a not in conflicts and (a not in reviews or reviews[a].awaiting_revision)
            )
        rows.append(
            {
                "title": challenge.title,
                "status": challenge.status.label,
                "eligible": len(eligible),
                "done": done,
                "pending": pending,
                "_link": f"/challenges/{challenge.id}",
            }
        )
    reviews_table = Table(
        "reviews",
        _("My review tasks"),
        [
            Column("title", _("Challenge")),
            Column("status", _("State")),
            Column("eligible", _("Applications to review"), "int"),
            Column("done", _("Reviews done"), "int"),
            Column("pending", _("Still to score"), "int"),
        ],
        rows,
        total={"title": _("Total"), **{k: sum(r[k] for r in rows) for k in ("eligible", "done", "pending")}},
        note=_("Applications you declared a conflict with are not yours to score."),
    )
    in_period = int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Review)
            .where(Review.expert_id == user.id, within(Review.submitted_at, period))
        )
        or 0
    )
    board.figures = [
        Figure("panels", _("Challenges on my panels"), f"{len(rows):,}"),
        Figure("done", _("Reviews submitted in the period"), f"{in_period:,}"),
        Figure("pending", _("Reviews still to score"), f"{reviews_table.total['pending']:,}"),
    ]
    board.charts = [
        Chart(
            "chart-reviews",
            reviews_table.title,
            {
                "type": "stacked",
                "categories": [r["title"] for r in rows],
                "series": [
                    {"name": _("Reviews done"), "data": [r["done"] for r in rows]},
                    {"name": _("Still to score"), "data": [r["pending"] for r in rows]},
                ],
            },
        )
    ]
    board.tables = [reviews_table]
    return board
