"""Technology-contract turnover for a period, read from the deal ledger in one statement.

Signed and registered turnover is the contract value of live deals signed (registered) in the period;
received is the money received in the period on live deals. Cancelled deals count nowhere, and both
ends of the period are included (as in `webapp.deals.turnover.turnover`, which gives the same totals).

One pass over the period's payments (through the covering index ix_deal_payments_period) gives the
money received per deal and month; the deals touched in the period are read once by primary key; the
same rows are then grouped several ways (month, agency, technical field, provider, need side) with
UNION ALL, so the whole dashboard costs one statement instead of one scan per chart. Both CTEs are
MATERIALIZED (SQLite 3.35+ and PostgreSQL 12+), so each is computed once however often it is read.

The figures are cached by the ledger's version (`ledger_version`): in each process, and with REDIS_URL
also in Redis for every process and host (`webapp.dashboard.shared_cache`), where the `dashboard.warm`
task puts them after each change to the ledger (`webapp.dashboard.warming`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app

from webapp.dashboard import shared_cache
from webapp.extensions import db


@dataclass
class Figures:
    signed: int = 0  # 元
    signed_count: int = 0
    registered: int = 0  # 元
    registered_count: int = 0
    received: int = 0  # 元

    def add(self, other: Figures) -> None:
        self.signed += other.signed
        self.signed_count += other.signed_count
        self.registered += other.registered
        self.registered_count += other.registered_count
        self.received += other.received


@dataclass
class Ledger:
    """The period's turnover grouped every way the dashboard shows it (keys are raw ids; None = none)."""

    total: Figures = field(default_factory=Figures)
    by_month: dict[int, Figures] = field(default_factory=lambda: defaultdict(Figures))  # yyyymm
    by_agency: dict[int | None, Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_field: dict[int | None, Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_provider: dict[int | None, Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_need: dict[int | None, Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_broker: dict[int | None, Figures] = field(default_factory=lambda: defaultdict(Figures))  # one agency only
    paid_in_full: int = 0  # live deals fully paid whose last payment falls in the period


def _month_sql(column: str, dialect: str) -> str:
    if dialect == "sqlite":
        # Dates are ISO text on SQLite: yyyy-mm-dd → yyyymm without parsing a date per row.
        return f"CAST(substr({column}, 1, 4) || substr({column}, 6, 2) AS INTEGER)"
    return f"CAST(EXTRACT(YEAR FROM {column}) * 100 + EXTRACT(MONTH FROM {column}) AS INTEGER)"


def _statement(dialect: str, agency: bool) -> str:
    signed_month = _month_sql("d.signed_on", dialect)
    registered_month = _month_sql("d.registered_on", dialect)
    only_agency = " AND d.agency_id = :agency" if agency else ""
    brokers = (
        """SELECT 'broker', broker_id, SUM(s * contract_value), SUM(s), SUM(r * contract_value), SUM(r),
       SUM(received), CAST(NULL AS DATE) FROM d GROUP BY broker_id
UNION ALL"""
        if agency
        else ""
    )
    # Money received by day, in the index's order (no sort), on live deals only (of the one agency).
    if agency:
        days = """SELECT 'received_day', NULL, 0, 0, 0, 0, SUM(amount), received_on
FROM deal_payments WHERE received_on >= :start AND received_on <= :end
  AND deal_id IN (SELECT id FROM d) GROUP BY received_on"""
    else:
        days = """SELECT 'received_day', NULL, 0, 0, 0, 0, SUM(amount), received_on
FROM deal_payments WHERE received_on >= :start AND received_on <= :end
  AND deal_id NOT IN (SELECT id FROM deals WHERE cancelled_at IS NOT NULL) GROUP BY received_on"""
    if dialect == "sqlite":  # the deals touched, found through the date indexes, then read by primary key
        touched = f"""FROM (SELECT id FROM deals WHERE signed_on >= :start AND signed_on <= :end
          UNION SELECT id FROM deals WHERE registered_on >= :start AND registered_on <= :end
          UNION SELECT deal_id FROM p) AS ids
    JOIN deals AS d ON d.id = ids.id
    LEFT JOIN p ON p.deal_id = d.id
    WHERE d.cancelled_at IS NULL{only_agency}"""
    else:  # PostgreSQL: one sequential pass over the deals hashed against p beats 60,000 index probes
        touched = f"""FROM deals AS d LEFT JOIN p ON p.deal_id = d.id
    WHERE d.cancelled_at IS NULL{only_agency} AND (p.deal_id IS NOT NULL
      OR (d.signed_on >= :start AND d.signed_on <= :end) OR (d.registered_on >= :start AND d.registered_on <= :end))"""
    # PostgreSQL: deal_id + 0 makes it hash the period's index entries instead of reading every payment
    # in deal order through the deal_id index (its choice otherwise); SQLite keeps the plain column, so
    # that it indexes p for the join below.
    deal = "deal_id" if dialect == "sqlite" else "deal_id + 0 AS deal_id"
    return f"""
WITH p AS MATERIALIZED (
    SELECT {deal}, SUM(amount) AS received
    FROM deal_payments WHERE received_on >= :start AND received_on <= :end
    GROUP BY 1
),
d AS MATERIALIZED (
    SELECT d.id, d.agency_id, d.broker_id, d.field_id, d.provider_org_id, d.need_org_id, d.contract_value,
           d.received_total, d.signed_on, d.registered_on,
           CASE WHEN d.signed_on >= :start AND d.signed_on <= :end THEN 1 ELSE 0 END AS s,
           CASE WHEN d.registered_on >= :start AND d.registered_on <= :end THEN 1 ELSE 0 END AS r,
           COALESCE(p.received, 0) AS received, CASE WHEN p.deal_id IS NULL THEN 0 ELSE 1 END AS paid
    {touched}
)
{brokers}
SELECT 'agency' AS dim, agency_id AS k, SUM(s * contract_value), SUM(s), SUM(r * contract_value), SUM(r),
       SUM(received), CAST(NULL AS DATE) AS day FROM d GROUP BY agency_id
UNION ALL
SELECT 'field', field_id, SUM(s * contract_value), SUM(s), SUM(r * contract_value), SUM(r), SUM(received), NULL
FROM d GROUP BY field_id
UNION ALL
SELECT 'provider', provider_org_id, SUM(s * contract_value), SUM(s), SUM(r * contract_value), SUM(r),
       SUM(received), NULL FROM d GROUP BY provider_org_id
UNION ALL
SELECT 'need', need_org_id, SUM(s * contract_value), SUM(s), SUM(r * contract_value), SUM(r), SUM(received), NULL
FROM d GROUP BY need_org_id
UNION ALL
SELECT 'signed_month', {signed_month}, SUM(contract_value), COUNT(*), 0, 0, 0, NULL FROM d WHERE s = 1
GROUP BY {signed_month}
UNION ALL
SELECT 'registered_month', {registered_month}, 0, 0, SUM(contract_value), COUNT(*), 0, NULL FROM d WHERE r = 1
GROUP BY {registered_month}
UNION ALL
SELECT 'paid_in_full', NULL, 0, COUNT(*), 0, 0, 0, NULL FROM d
WHERE paid = 1 AND received_total >= contract_value
  AND NOT EXISTS (SELECT 1 FROM deal_payments AS later WHERE later.deal_id = d.id AND later.received_on > :end)
UNION ALL
{days}
"""


GROUPS = {
    "broker": "by_broker",
    "agency": "by_agency",
    "field": "by_field",
    "provider": "by_provider",
    "need": "by_need",
}
MONTHS = ("signed_month", "registered_month")


def ledger(start: date, end: date, agency_id: int | None = None) -> Ledger:
    """The period's figures, from the cache when the ledger has not changed since they were computed
    (see `ledger_version`), else computed (`compute_ledger`) and kept. DASHBOARD_CACHE = False (set by
    JIEBANG_DASHBOARD_CACHE=0) turns the cache off (the benchmark reports both)."""
    return _cached("ledger", compute_ledger, _ledger_to_json, _ledger_from_json, start, end, agency_id)


def cache_disabled() -> bool:
    return not current_app.config["DASHBOARD_CACHE"]


def _cached(name, compute, dump, load, *args):
    """Two levels: this process's dictionary (no I/O), then the figures shared through Redis
    (`shared_cache`, when REDIS_URL is set), then the database. Both are keyed by the ledger's version."""
    if cache_disabled():
        return compute(*args)
    version = ledger_version()
    local_key = (str(db.session.get_bind().engine.url), name, *args, version)
    with _LOCK:
        found = _CACHE.get(local_key)
        if found is not None:
            _CACHE.move_to_end(local_key)
            return found
    shared_key = shared_cache.key(name, args, version) if shared_cache.enabled() else None
    stored = shared_cache.get(shared_key) if shared_key else None
    found = None
    if stored is not None:
        try:
            found = load(stored)
        except (KeyError, TypeError, ValueError):
            found = None
    if found is None:
        found = compute(*args)
        if shared_key:
            shared_cache.put(shared_key, dump(found))
    _keep(local_key, found)
    return found


def _keep(local_key: tuple, found) -> None:
    with _LOCK:
        _CACHE[local_key] = found
        _CACHE.move_to_end(local_key)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)


def warm(name: str, *args) -> bool:
    """Compute the figures into the shared cache unless they are already there for the ledger's current
    version; True when they were computed. For the warming task (`webapp.dashboard.warming`)."""
    compute, dump = {
        "ledger": (compute_ledger, _ledger_to_json),
        "year_to_date": (compute_year_to_date, _figures_to_json),
    }[name]
    shared_key = shared_cache.key(name, args, ledger_version())
    if shared_cache.has(shared_key) is not False:  # there already, or Redis unavailable
        return False
    shared_cache.put(shared_key, dump(compute(*args)))
    return True


def clear_local() -> None:
    """Forget this process's figures (as a new process would start)."""
    with _LOCK:
        _CACHE.clear()


CACHE_SIZE = 64
_CACHE: OrderedDict[tuple, object] = OrderedDict()
_LOCK = threading.Lock()


def _figures_to_json(figures: Figures) -> list[int]:
    return [figures.signed, figures.signed_count, figures.registered, figures.registered_count, figures.received]


def _figures_from_json(values: list) -> Figures:
    if len(values) != 5 or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ValueError("not five whole numbers")
    return Figures(*values)


def _ledger_to_json(found: Ledger) -> dict:
    out: dict = {"total": _figures_to_json(found.total), "paid_in_full": found.paid_in_full}
    for attr in ("by_month", *GROUPS.values()):
        out[attr] = [[k, _figures_to_json(v)] for k, v in getattr(found, attr).items()]
    return out


def _ledger_from_json(data: dict) -> Ledger:
    found = Ledger(total=_figures_from_json(data["total"]), paid_in_full=int(data["paid_in_full"]))
    for attr in ("by_month", *GROUPS.values()):
        target = getattr(found, attr)
        for k, values in data[attr]:
            target[k] = _figures_from_json(values)
    return found


def ledger_version() -> tuple:
    """What changes whenever a figure can: the ledger's revision (one more with every change made
    through the ledger's services, in their transaction, so a transaction committing after a later one
    still makes a new version), and, for rows written around the services (bulk loads), the number of
    deals, the last change to any deal and the last payment row. Index-only reads, a few milliseconds."""
    row = db.session.execute(
        sa.text(
            "SELECT (SELECT number FROM ledger_revision WHERE id = 1), (SELECT COUNT(*) FROM deals),"
            " (SELECT MAX(updated_at) FROM deals), (SELECT MAX(id) FROM deal_payments)"
        )
    ).one()
    return tuple(str(value) for value in row)


def compute_ledger(start: date, end: date, agency_id: int | None = None) -> Ledger:
    """The live deals' turnover for the days start..end (both included), grouped every way at once;
    with agency_id, only the deals credited to that agency."""
    dialect = db.session.get_bind().dialect.name
    params = {"start": start, "end": end}
    if agency_id is not None:
        params["agency"] = agency_id
    if dialect == "postgresql":
        # JIT compiling this plan costs more (about 100 ms) than it saves; for this transaction only.
        db.session.execute(sa.text("SET LOCAL jit = off"))
    rows = db.session.execute(sa.text(_statement(dialect, agency_id is not None)), params)
    out = Ledger()
    for dim, key, signed, signed_count, registered, registered_count, received, day in rows:
        figures = Figures(
            int(signed or 0),
            int(signed_count or 0),
            int(registered or 0),
            int(registered_count or 0),
            int(received or 0),
        )
        if dim == "received_day":
            day = day if isinstance(day, date) else date.fromisoformat(day)
            out.by_month[day.year * 100 + day.month].add(figures)
        elif dim == "paid_in_full":
            out.paid_in_full = figures.signed_count
        elif dim in MONTHS:
            out.by_month[int(key)].add(figures)
        else:
            getattr(out, GROUPS[dim])[key].add(figures)
            if dim == "agency":
                out.total.add(figures)
    return out


def year_to_date(end: date) -> Figures:
    """From 1 January of end's year to end, cached like `ledger`."""
    return _cached("year_to_date", compute_year_to_date, _figures_to_json, _figures_from_json, end)


def compute_year_to_date(end: date) -> Figures:
    """Signed, registered and received from 1 January of end's year to end (for the year's target),
    live deals only: three index range scans in one statement."""
    start = date(end.year, 1, 1)
    row = db.session.execute(
        sa.text("""
SELECT (SELECT COALESCE(SUM(contract_value), 0) FROM deals
        WHERE signed_on >= :start AND signed_on <= :end AND cancelled_at IS NULL),
       (SELECT COALESCE(SUM(contract_value), 0) FROM deals
        WHERE registered_on >= :start AND registered_on <= :end AND cancelled_at IS NULL),
       (SELECT COALESCE(SUM(amount), 0) FROM deal_payments WHERE received_on >= :start AND received_on <= :end
        AND deal_id NOT IN (SELECT id FROM deals WHERE cancelled_at IS NOT NULL))
"""),
        {"start": start, "end": end},
    ).one()
    return Figures(signed=int(row[0]), registered=int(row[1]), received=int(row[2]))
