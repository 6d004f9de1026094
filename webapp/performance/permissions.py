"""Who may see and do what with a performance report. Nothing here changes anything.

A report, and its evidence, is seen by the enterprise that files it and by the district's
administrators, nobody else: not the public, and not the challenge's winning team nor the deal's
researcher. What it holds is the enterprise's own business after the project (sales, costs saved,
follow-on contracts, patents): commercial figures the enterprise owes the district, not its partners,
whose own work was judged at the final acceptance (验收) or by the contract's payments.
"""

from __future__ import annotations

import sqlalchemy as sa

from webapp.performance.models import OPEN_STATES, PerformanceReport, ReportStatus


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.active)


def is_admin(user) -> bool:
    return _active(user) and user.is_admin


def is_reporter(report: PerformanceReport, user) -> bool:
    return _active(user) and report.enterprise_id is not None and report.enterprise_id == user.id


def can_view(report: PerformanceReport, user) -> bool:
    return is_admin(user) or is_reporter(report, user)


def seen_by(user):
    """The reports `user` may read, as a query (the SQL form of `can_view`): every report for an
    admin, those it files for an enterprise, none for anyone else. The page and the API list it."""
    query = sa.select(PerformanceReport)
    if is_admin(user):
        return query
    if not _active(user):
        return query.where(sa.false())
    return query.where(PerformanceReport.enterprise_id == user.id)


def can_file(report: PerformanceReport, user) -> bool:
    """The enterprise fills in, attaches evidence to and submits its report while it is open."""
    return is_reporter(report, user) and report.status in OPEN_STATES


def can_review(report: PerformanceReport, user) -> bool:
    """The district returns or accepts a submitted report."""
    return is_admin(user) and report.status is ReportStatus.SUBMITTED


def can_list(user) -> bool:
    """The reports list: administrators (every report) and enterprises (their own)."""
    from webapp.accounts.models import Role

    return is_admin(user) or (_active(user) and user.role is Role.ENTERPRISE)
