"""The district dashboard's figures for a period, as tables (shown, charted and exported alike).

Everything is read from the ledger and the libraries when asked (no second copy of any figure):
`stats_turnover.ledger` gives the turnover grouped every way in one statement, `stats_programme`
the funnel and the challenge board; this module names the rows and builds the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from webapp.accounts.models import Role
from webapp.dashboard import stats_performance
from webapp.dashboard.periods import Period
from webapp.dashboard.stats_programme import STAGES, Board, Funnel, board, funnel
from webapp.dashboard.stats_turnover import Figures, Ledger, ledger, year_to_date
from webapp.dashboard.tables import Column, Table, share
from webapp.extensions import db

TOP_INSTITUTIONS = 10
# Who sees the district's figures (the dashboard, its exports, the agency drill-down, the summary).
VIEWERS = (Role.ADMIN,)


def _turnover_columns(name_label: str) -> list[Column]:
    return [
        Column("name", name_label),
        Column("signed", _("Signed"), "money"),
        Column("registered", _("Registered"), "money"),
        Column("received", _("Received"), "money"),
        Column("deals", _("Deals signed"), "int"),
    ]


def _row(name: str, figures: Figures, **extra) -> dict:
    return {
        "name": name,
        "signed": figures.signed,
        "registered": figures.registered,
        "received": figures.received,
        "deals": figures.signed_count,
        **extra,
    }


def _rank(item: tuple) -> tuple:
    figures = item[1]
    return (-figures.registered, -figures.signed, -figures.received)


def _total_row(figures: Figures) -> dict:
    return _row(_("Total"), figures)


def _nonzero(figures: Figures) -> bool:
    return bool(figures.signed or figures.registered or figures.received or figures.signed_count)


def _names(model, ids) -> dict[int, str]:
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(model.id, model.name).where(model.id.in_(ids))).all())


def months_table(period: Period, data: Ledger, name: str = "months") -> Table:
    rows = []
    for yyyymm in period.months:
        figures = data.by_month.get(yyyymm, Figures())
        rows.append(_row(f"{yyyymm // 100}-{yyyymm % 100:02d}", figures, month=yyyymm))
    return Table(name, _("Turnover by month"), _turnover_columns(_("Month")), rows, _total_row(data.total))


def fields_table(data: Ledger) -> Table:
    from webapp.taxonomy.models import TechField

    parents = dict(db.session.execute(sa.select(TechField.id, TechField.parent_id)).all())
    names = dict(db.session.execute(sa.select(TechField.id, TechField.name)).all())

    def top(field_id):
        seen = set()
        while field_id is not None and parents.get(field_id) is not None and field_id not in seen:
            seen.add(field_id)
            field_id = parents[field_id]
        return field_id if field_id in names else None

    rolled: dict[int | None, Figures] = {}
    for field_id, figures in data.by_field.items():
        rolled.setdefault(top(field_id), Figures()).add(figures)
    known = sorted(((k, v) for k, v in rolled.items() if k is not None and _nonzero(v)), key=_rank)
    rows = [_row(names[k], v) for k, v in known]
    if None in rolled and _nonzero(rolled[None]):
        rows.append(_row(_("Unclassified"), rolled[None]))
    return Table(
        "fields",
        _("Turnover by technical field"),
        _turnover_columns(_("Technical field")),
        rows,
        _total_row(data.total),
        _("Each deal counts under the top-level field of its technical field."),
    )


def institutions_table(data: Ledger) -> Table:
    from webapp.accounts.models import Organisation, OrgKind

    ids = [k for k in data.by_provider if k is not None]
    institutions = {}
    if ids:
        institutions = dict(
            db.session.execute(
                sa.select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_(ids), Organisation.kind.in_([OrgKind.UNIVERSITY, OrgKind.INSTITUTE])
                )
            ).all()
        )
    ranked = sorted(((k, v) for k, v in data.by_provider.items() if k in institutions and _nonzero(v)), key=_rank)
    rows = [_row(institutions[k], v, org_id=k) for k, v in ranked[:TOP_INSTITUTIONS]]
    shown = {k for k, _v in ranked[:TOP_INSTITUTIONS]}
    other = Figures()
    for key, figures in data.by_provider.items():
        if key not in shown:
            other.add(figures)
    if _nonzero(other):
        rows.append(_row(_("Other providers"), other))
    return Table(
        "institutions",
        _("Turnover by institution"),
        _turnover_columns(_("Institution")),
        rows,
        _total_row(data.total),
        _(
            "The %(count)d universities and research institutes with the most registered turnover; "
            "companies and the rest are under Other providers.",
            count=TOP_INSTITUTIONS,
        ),
    )


def tiers_table(data: Ledger) -> Table:
    from webapp.accounts.models import OrganisationTier, Tier

    ids = [k for k in data.by_need if k is not None]
    held: dict[int, list[Tier]] = {}
    if ids:
        for org_id, tier in db.session.execute(
            sa.select(OrganisationTier.organisation_id, OrganisationTier.tier).where(
                OrganisationTier.organisation_id.in_(ids)
            )
        ):
            held.setdefault(org_id, []).append(tier)
    by_tier = {tier: Figures() for tier in Tier}
    untiered = Figures()
    for org_id, figures in data.by_need.items():
        tiers = held.get(org_id) or []
        for tier in tiers:
            by_tier[tier].add(figures)
        if not tiers:
            untiered.add(figures)
    rows = [_row(tier.label, by_tier[tier], tier=tier.value) for tier in Tier if _nonzero(by_tier[tier])]
    if _nonzero(untiered):
        rows.append(_row(_("No tier"), untiered, tier=""))
    return Table(
        "tiers",
        _("Turnover by enterprise tier"),
        _turnover_columns(_("Enterprise tier")),
        rows,
        _total_row(data.total),
        _(
            "A deal counts under every tier its enterprise (the need side) holds, so the tiers add up to "
            "more than the total."
        ),
    )


def agencies_table(period: Period, data: Ledger) -> Table:
    from webapp.accounts.models import Organisation

    names = _names(Organisation, data.by_agency.keys())
    ranked = sorted(((k, v) for k, v in data.by_agency.items() if k is not None and _nonzero(v)), key=_rank)
    rows = [
        _row(names.get(k, str(k)), v, org_id=k, _link=url_for("dashboard.agency", org_id=k, **period.query))
        for k, v in ranked
    ]
    if None in data.by_agency and _nonzero(data.by_agency[None]):
        rows.append(_row(_("No agency"), data.by_agency[None]))
    return Table("agencies", _("Turnover by agency"), _turnover_columns(_("Agency")), rows, _total_row(data.total))


def funnel_table(found: Funnel) -> Table:
    steps = [
        ("listings", _("Listings published"), found.listings, None),
        ("suggested", _("Suggestions made"), found.suggested, None),
        # The one step that is a share of a base of its own: of the suggestions brokers decided.
        ("accepted", _("Suggestions accepted"), found.accepted, share(found.accepted, found.decided)),
        ("introduced", _("Introductions"), found.introduced, None),
        ("signed", _("Deals signed"), found.signed, None),
        ("paid", _("Deals paid in full"), found.paid, None),
    ]
    rows = [{"step": key, "name": label, "count": count, "rate": rate} for key, label, count, rate in steps]
    return Table(
        "funnel",
        _("Conversion funnel"),
        [
            Column("name", _("Step")),
            Column("count", _("Count"), "int"),
            Column("rate", _("Accepted of those decided"), "percent"),
        ],
        rows,
        note=_(
            "Activity in the period at each step, not the same cases followed through: a deal signed "
            "this quarter may come from a suggestion made last year, so the steps are not shares of each "
            "other. The one rate is the share of the suggestions brokers decided in the period that they "
            "accepted. Paid in full: the deal's last payment fell in the period."
        ),
    )


def challenges_table(found: Board) -> Table:
    rows = [
        {"figure": "published", "name": _("Challenges published"), "count": found.published},
        {"figure": "applications", "name": _("Applications lodged"), "count": found.applications},
        {"figure": "awarded", "name": _("Challenges awarded"), "count": found.awarded},
        {"figure": "completed", "name": _("Challenges completed"), "count": found.completed},
        {"figure": "failed", "name": _("Failed (流榜)"), "count": found.failed},
        {"figure": "stopped", "name": _("Withdrawn or terminated"), "count": found.stopped},
    ]
    return Table(
        "challenges", _("Challenge board"), [Column("name", _("Figure")), Column("count", _("Count"), "int")], rows
    )


def stage_labels() -> dict[str, str]:
    return {
        "window": _("Application window (published → closed)"),
        "review": _("Formal check and review (closed → notice)"),
        "notice": _("Public notice (notice → awarded)"),
        "contracting": _("Contracting (awarded → contracted)"),
        "delivery": _("Delivery (contracted → completed)"),
    }


def stages_table(found: Board) -> Table:
    labels = stage_labels()
    rows = [
        {
            "stage": key,
            "name": labels[key],
            "days": found.stage_days.get(key),
            "challenges": found.stage_counts.get(key, 0),
        }
        for key, _b, _e in STAGES
    ]
    return Table(
        "stages",
        _("Average days per challenge stage"),
        [
            Column("name", _("Stage")),
            Column("days", _("Average days"), "days"),
            Column("challenges", _("Challenges"), "int"),
        ],
        rows,
        note=_("Over the challenges whose stage ended in the period."),
    )


@dataclass
class Target:
    year: int
    amount: int | None  # 元; None: no target set for the year
    until: date  # the progress counts up to this day
    figures: Figures  # signed, registered, received from 1 January to `until`

    @property
    def progress(self):
        """Registered turnover ÷ target (technology-contract turnover counts registered contracts)."""
        return share(self.figures.registered, self.amount) if self.amount else None


def target_for(period: Period, data: Ledger) -> Target:
    from webapp.deals.models import TurnoverTarget

    until = period.end
    row = db.session.get(TurnoverTarget, until.year)
    if period.start == date(until.year, 1, 1):
        figures = Figures(signed=data.total.signed, registered=data.total.registered, received=data.total.received)
    else:
        figures = year_to_date(until)
    return Target(until.year, row.amount if row else None, until, figures)


def target_table(target: Target) -> Table:
    rows = [
        {
            "name": _("Registered (counts towards the target)"),
            "amount": target.figures.registered,
            "share": target.progress,
        },
        {"name": _("Signed"), "amount": target.figures.signed, "share": share(target.figures.signed, target.amount)},
        {
            "name": _("Received"),
            "amount": target.figures.received,
            "share": share(target.figures.received, target.amount),
        },
        {"name": _("Target"), "amount": target.amount, "share": None},
    ]
    return Table(
        "target",
        _("Year %(year)d against its target", year=target.year),
        [
            Column("name", _("Figure")),
            Column("amount", _("Amount"), "money"),
            Column("share", _("Of the target"), "percent"),
        ],
        rows,
        note=_(
            "From 1 January to %(day)s. Technology-contract turnover officially counts registered contracts.",
            day=target.until.isoformat(),
        ),
    )


@dataclass
class Dashboard:
    period: Period
    data: Ledger
    target: Target
    funnel: Funnel
    board: Board
    tables: dict[str, Table] = field(default_factory=dict)

    @property
    def registered_before(self) -> int:
        """The year's registered turnover before the period (where the months chart's cumulative line
        starts); 0 for a period over more than one year."""
        if self.period.start.year != self.period.end.year:
            return 0
        return self.target.figures.registered - self.data.total.registered


def admin_dashboard(period: Period) -> Dashboard:
    data = ledger(period.start, period.end)
    found_funnel = funnel(period.start, period.end, data.total.signed_count, data.paid_in_full)
    found_board = board(period.start, period.end)
    target = target_for(period, data)
    out = Dashboard(period, data, target, found_funnel, found_board)
    for table in (
        months_table(period, data),
        fields_table(data),
        institutions_table(data),
        tiers_table(data),
        agencies_table(period, data),
        funnel_table(found_funnel),
        challenges_table(found_board),
        stages_table(found_board),
        target_table(target),
        stats_performance.figures_table(),
        stats_performance.reports_table(period),
    ):
        out.tables[table.name] = table
    return out


def totals_table(period: Period, earlier: Period) -> Table:
    """This period's totals beside the same period a year earlier (for the quarterly summary)."""
    now, before = ledger(period.start, period.end).total, ledger(earlier.start, earlier.end).total
    figures = [
        ("signed", _("Signed turnover (CNY)")),
        ("registered", _("Registered turnover (CNY)")),
        ("received", _("Received (CNY)")),
        ("signed_count", _("Deals signed")),
        ("registered_count", _("Contracts registered")),
    ]
    rows = []
    for key, label in figures:
        a, b = getattr(now, key), getattr(before, key)
        rows.append({"figure": key, "name": label, "now": a, "before": b, "change": share(a - b, b)})
    columns = [
        Column("name", _("Figure")),
        Column("now", period.label, "int"),
        Column("before", earlier.label, "int"),
        Column("change", _("Change"), "percent"),
    ]
    return Table(
        "totals",
        _("Totals"),
        columns,
        rows,
        note=_("Money in whole yuan; compared with the same period a year earlier."),
    )
