"""The performance reports in figures, for the district's dashboard and its quarterly summary: how
many are due, overdue, awaiting review and reviewed (by rating), with the sums of what the filed
reports give (sales, cost saved, follow-on contracts). A report is counted in its state today; the
sums are of filed reports (submitted or reviewed), whose figures are complete."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from webapp.core import clock
from webapp.extensions import db
from webapp.performance.models import OPEN_STATES, PerformanceReport, Rating, ReportStatus

SUMMED = ("sales", "cost_saved", "follow_on_value")


@dataclass
class Group:
    count: int = 0
    sales: int = 0
    cost_saved: int = 0
    follow_on_value: int = 0

    def add(self, other: Group) -> None:
        for name in ("count", *SUMMED):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Figures:
    due: Group = field(default_factory=Group)  # still to file, due date not passed
    overdue: Group = field(default_factory=Group)  # still to file after the due date
    submitted: Group = field(default_factory=Group)  # awaiting review
    ratings: dict[Rating, Group] = field(default_factory=lambda: {r: Group() for r in Rating})

    @property
    def reviewed(self) -> Group:
        total = Group()
        for group in self.ratings.values():
            total.add(group)
        return total

    @property
    def filed(self) -> Group:
        total = Group()
        total.add(self.submitted)
        total.add(self.reviewed)
        return total

    @property
    def total(self) -> Group:
        total = Group()
        for group in (self.due, self.overdue, self.submitted, self.reviewed):
            total.add(group)
        return total


def figures(today: date) -> Figures:
    """Every report in its state on `today` (a Beijing date), one grouped query."""
    report = PerformanceReport
    # Grouped by due date, compared with today here: a bound date in both SELECT and GROUP BY would be
    # two different parameters to PostgreSQL.
    rows = db.session.execute(
        sa.select(
            report.status,
            report.rating,
            report.due_on,
            sa.func.count(report.id),
            *(sa.func.coalesce(sa.func.sum(getattr(report, name)), 0) for name in SUMMED),
        ).group_by(report.status, report.rating, report.due_on)
    ).all()
    found = Figures()
    for status, rating, due_on, count, sales, cost_saved, follow_on in rows:
        group = Group(int(count), int(sales), int(cost_saved), int(follow_on))
        if status in OPEN_STATES:
            group.sales = group.cost_saved = group.follow_on_value = 0  # a draft's figures are not reported yet
            (found.overdue if due_on < today else found.due).add(group)
        elif status is ReportStatus.SUBMITTED:
            found.submitted.add(group)
        elif rating is not None:
            found.ratings[Rating(rating)].add(group)
    return found


def to_file(user) -> list[PerformanceReport]:
    """The reports `user`'s enterprise still has to file (drafts and returned ones), soonest due first."""
    return list(
        db.session.scalars(
            sa.select(PerformanceReport)
            .where(PerformanceReport.enterprise_id == user.id, PerformanceReport.status.in_(OPEN_STATES))
            .order_by(PerformanceReport.due_on, PerformanceReport.id)
        )
    )


def reports_until(end: date, limit: int = 5000) -> list[PerformanceReport]:
    """The reports due on or before `end` (what the district follows up to a period's end), and those
    filed by then ahead of their due date, in the order they fall due; each in its state today."""
    filed_by_then = PerformanceReport.submitted_at < clock.day_start(end + timedelta(days=1))
    return list(
        db.session.scalars(
            sa.select(PerformanceReport)
            .where(sa.or_(PerformanceReport.due_on <= end, filed_by_then))
            .order_by(PerformanceReport.due_on, PerformanceReport.id)
            .limit(limit)
        )
    )
