"""Who may see and do what with a performance report. Nothing here changes anything.

A report, and its evidence, is seen by the enterprise that files it and by the district's
administrators, nobody else: not the public, and not the challenge's winning team nor the deal's
researcher. What it holds is the enterprise's own business after the project (sales, costs saved,
follow-on contracts, patents): commercial figures the enterprise owes the district, not its partners,
whose own work was judged at the final acceptance (验收) or by the contract's payments.

A report whose enterprise has no account on the platform (a deal from a need imported from the
district's lists) has nobody to file it: the district's administrators file it on the enterprise's
behalf (`files_for`), and it is then seen by the admins only.
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


def files_for(report: PerformanceReport, user) -> bool:
    """An active admin files, on the enterprise's behalf, a report whose enterprise has no account
    (whatever its state). A report with an enterprise account is only ever filed by that account."""
    return is_admin(user) and report.enterprise_id is None


def is_filer(report: PerformanceReport, user) -> bool:
    """Who files the report, whatever its state: its enterprise's account, or for a report without
    one the admins on the enterprise's behalf (the page's and the API's filing steps ask this first,
    then say when the report is no longer open)."""
    return is_reporter(report, user) or files_for(report, user)


def can_file_for(report: PerformanceReport, user) -> bool:
    """An admin may now file the report on the enterprise's behalf: it has no enterprise account and
    is open (to be filed, or returned). Filing so asks where the figures come from."""
    return files_for(report, user) and report.status in OPEN_STATES


def can_file(report: PerformanceReport, user) -> bool:
    """The report may be filled in, given evidence and submitted by `user` now, while it is open: by
    its enterprise, or by an admin on the behalf of an enterprise without an account."""
    return is_filer(report, user) and report.status in OPEN_STATES


def can_review(report: PerformanceReport, user) -> bool:
    """The district returns or accepts a submitted report."""
    return is_admin(user) and report.status is ReportStatus.SUBMITTED


def can_list(user) -> bool:
    """The reports list: administrators (every report) and enterprises (their own)."""
    from webapp.accounts.models import Role

    return is_admin(user) or (_active(user) and user.role is Role.ENTERPRISE)
