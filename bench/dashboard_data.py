"""A generated deal ledger for the dashboard benchmark: DEALS deals signed over the last seven years and
about ten payments per deal, bulk-inserted (executemany on SQLite, COPY on PostgreSQL).

Realistic shape: ~30 agencies with 3 brokers each (a few deals credited to no agency), ~60 universities
and institutes plus 40 provider companies, 3,000 enterprises of which about half hold one or more tiers,
technical fields from the taxonomy (leaves and top-level fields alike, a few deals unclassified), ~85%
of signed deals registered within two months, ~5% cancelled, contract values log-normal around 50万元,
payments spread over up to two years after signing and never above the value.
"""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, date, datetime, timedelta

AGENCIES = 30
INSTITUTIONS = 60
COMPANIES = 40
ENTERPRISES = 3000
YEARS = 7
SEED = 20261125


def _engine(url: str):
    import sqlalchemy as sa

    from config import database_url

    return sa.create_engine(database_url(url))


def _organisations(conn, rng: random.Random) -> dict[str, list[int]]:
    import sqlalchemy as sa

    from webapp.accounts.models import Organisation, OrganisationTier, OrgKind, Role, Tier, User

    now = datetime.now(UTC)
    specs = (
        [(OrgKind.AGENCY, f"基准技术转移机构{i:02d}") for i in range(AGENCIES)]
        + [(OrgKind.UNIVERSITY if i % 3 else OrgKind.INSTITUTE, f"基准高校院所{i:02d}") for i in range(INSTITUTIONS)]
        + [(OrgKind.ENTERPRISE, f"基准科技服务公司{i:02d}") for i in range(COMPANIES)]
        + [(OrgKind.ENTERPRISE, f"基准津南企业{i:04d}") for i in range(ENTERPRISES)]
    )
    conn.execute(
        sa.insert(Organisation.__table__),
        [{"kind": kind, "name": name, "created_at": now, "updated_at": now} for kind, name in specs],
    )
    ids = dict(conn.execute(sa.select(Organisation.name, Organisation.id).where(Organisation.name.like("基准%"))).all())
    out = {
        "agencies": [ids[f"基准技术转移机构{i:02d}"] for i in range(AGENCIES)],
        "institutions": [ids[f"基准高校院所{i:02d}"] for i in range(INSTITUTIONS)],
        "companies": [ids[f"基准科技服务公司{i:02d}"] for i in range(COMPANIES)],
        "enterprises": [ids[f"基准津南企业{i:04d}"] for i in range(ENTERPRISES)],
    }
    tiers = []
    for org_id in out["enterprises"]:
        if rng.random() < 0.5:
            for tier in rng.sample(list(Tier), rng.choice([1, 1, 1, 2, 2, 3])):
                tiers.append({"organisation_id": org_id, "tier": tier})
    conn.execute(sa.insert(OrganisationTier.__table__), tiers)
    brokers = [
        {
            "email": f"bench-broker-{a}-{n}@bench.jiebang.cn",
            "password_hash": "!",
            "name": f"经纪人{a}-{n}",
            "role": Role.BROKER,
            "organisation_id": agency,
            "active": True,
            "email_notifications": False,
            "password_changed_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for a, agency in enumerate(out["agencies"])
        for n in range(3)
    ]
    conn.execute(sa.insert(User.__table__), brokers)
    rows = conn.execute(sa.select(User.id, User.organisation_id).where(User.email.like("bench-broker-%"))).all()
    out["brokers"] = {}
    for user_id, agency in rows:
        out["brokers"].setdefault(agency, []).append(user_id)
    return out


def _deals(rng: random.Random, count: int, first_id: int, orgs: dict, fields: list[int], today: date):
    """Rows of (deal, payments) as tuples in column order."""
    start = date(today.year - YEARS + 1, 1, 1)
    span = (today - start).days
    names = {}
    for deal_id in range(first_id, first_id + count):
        signed = start + timedelta(days=int(span * math.sqrt(rng.random())))  # more deals in later years
        value = max(10_000, min(200_000_000, int(math.exp(rng.gauss(13.1, 1.2)))))  # ~50万元, whole 元
        registered = signed + timedelta(days=rng.randint(3, 60)) if rng.random() < 0.85 else None
        if registered and registered > today:
            registered = None
        agency = rng.choice(orgs["agencies"]) if rng.random() < 0.97 else None
        broker = rng.choice(orgs["brokers"][agency]) if agency else None
        provider = rng.choice(orgs["institutions"]) if rng.random() < 0.8 else rng.choice(orgs["companies"])
        need = rng.choice(orgs["enterprises"])
        field = rng.choice(fields) if fields and rng.random() < 0.95 else None
        cancelled = rng.random() < 0.05
        payments = []
        paid_share = 1.0 if rng.random() < 0.6 else rng.uniform(0.1, 0.9)
        n = rng.randint(2, 26)  # about 14 planned, about 10 of them received by today
        budget = int(value * paid_share)
        if budget >= n:
            cuts = sorted(rng.sample(range(1, budget), n - 1)) if n > 1 else []
            amounts = [b - a for a, b in zip([0, *cuts], [*cuts, budget], strict=True)]
            for amount in amounts:
                day = signed + timedelta(days=rng.randint(0, 720))
                if day <= today and amount > 0:
                    payments.append((deal_id, day, amount))
        received = sum(p[2] for p in payments)
        names.setdefault(provider, f"提供方{provider}")
        yield (
            (
                deal_id,
                f"基准技术合同{deal_id}",
                need,
                f"需求方{need}",
                provider,
                names[provider],
                field,
                rng.choice(["development", "transfer", "licence", "consulting", "service"]),
                value,
                received,
                signed,
                f"BENCH{deal_id:09d}" if registered else None,
                registered,
                broker,
                agency,
                datetime(2026, 1, 1, tzinfo=UTC) if cancelled else None,
                "合同解除" if cancelled else None,
            ),
            payments,
        )


DEAL_COLUMNS = (
    "id",
    "title",
    "need_org_id",
    "need_party",
    "provider_org_id",
    "provider_party",
    "field_id",
    "contract_type",
    "contract_value",
    "received_total",
    "signed_on",
    "registration_no",
    "registered_on",
    "broker_id",
    "agency_id",
    "cancelled_at",
    "cancel_reason",
    "created_at",
    "updated_at",
)
PAYMENT_COLUMNS = ("deal_id", "received_on", "amount", "recorded_at")


def load_ledger(url: str, deals: int, today: date) -> dict:
    """Fill the database at url (migrated, with the demo content); return counts and timings."""
    import sqlalchemy as sa

    import webapp.models  # noqa: F401  (every mapper, so that relationships resolve)
    from webapp.deals.models import Deal, Payment, TurnoverTarget
    from webapp.taxonomy.models import TechField

    rng = random.Random(SEED)
    engine = _engine(url)
    began = time.perf_counter()
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            orgs = _organisations(conn, rng)
            fields = list(conn.scalars(sa.select(TechField.id)))
            first_id = (conn.scalar(sa.select(sa.func.max(Deal.id))) or 0) + 1
            for year in range(today.year - YEARS + 1, today.year + 1):
                if conn.scalar(sa.select(TurnoverTarget.year).where(TurnoverTarget.year == year)) is None:
                    conn.execute(
                        sa.insert(TurnoverTarget.__table__), {"year": year, "amount": 5_000_000_000, "set_at": now}
                    )
            deal_rows, payment_rows = [], []
            for deal, payments in _deals(rng, deals, first_id, orgs, fields, today):
                deal_rows.append((*deal, now, now))
                payment_rows.extend((*p, now) for p in payments)
            generated = time.perf_counter() - began
            if engine.dialect.name == "postgresql":
                raw = conn.connection.dbapi_connection
                with raw.cursor() as cursor:
                    with cursor.copy(f"COPY deals ({', '.join(DEAL_COLUMNS)}) FROM STDIN") as copy:
                        for row in deal_rows:
                            copy.write_row(row)
                    with cursor.copy(f"COPY deal_payments ({', '.join(PAYMENT_COLUMNS)}) FROM STDIN") as copy:
                        for row in payment_rows:
                            copy.write_row(row)
                    cursor.execute("SELECT setval(pg_get_serial_sequence('deals', 'id'), (SELECT max(id) FROM deals))")
            else:
                conn.execute(sa.insert(Deal.__table__), [dict(zip(DEAL_COLUMNS, r, strict=True)) for r in deal_rows])
                for i in range(0, len(payment_rows), 100_000):
                    conn.execute(
                        sa.insert(Payment.__table__),
                        [dict(zip(PAYMENT_COLUMNS, r, strict=True)) for r in payment_rows[i : i + 100_000]],
                    )
            inserted = time.perf_counter() - began - generated
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # PostgreSQL: VACUUM too, as autovacuum would have on a live database, so that the visibility
            # map lets index-only scans skip the table.
            conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
        return {
            "deals": len(deal_rows),
            "payments": len(payment_rows),
            "generate s": generated,
            "insert s": inserted,
            "total s": time.perf_counter() - began,
        }
    finally:
        engine.dispose()
