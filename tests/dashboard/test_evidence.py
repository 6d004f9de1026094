"""An agency's subsidy evidence pack, read back with openpyxl, against totals worked out by hand on a
fixed ledger: payments on 31 Dec and 1 Jan at the period's edges, a contract registered on the
period's last day and one registered the day after it, a cancelled deal (listed, never counted), and a
deal of another agency (never in the pack). Who may download it, the audit event, a bad period."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from webapp.accounts.models import Organisation, OrgKind, User
from webapp.core.audit import AuditEvent
from webapp.deals.models import ContractType, Deal, DealFile, DealFileKind, Payment, PaymentInstalment

SHEETS = ["Cover", "Contract list", "Payments received", "By broker", "Cancelled deals"]


def add_deal(
    session,
    *,
    title: str,
    broker: User,
    value: int,
    signed_on: date | None = None,
    registered: tuple[str, date] | None = None,
    payments: list[tuple[date, int, str | None]] = (),
    cancelled: tuple[datetime, str] | None = None,
    schedule: list[tuple[date, int]] = (),
    **parties,
) -> Deal:
    """A deal written straight into the ledger, its money received equal to its payments."""
    deal = Deal(
        title=title,
        need_party=parties.pop("need_party", "津南储能科技有限公司"),
        provider_party=parties.pop("provider_party", "天津大学"),
        contract_type=ContractType.DEVELOPMENT,
        contract_value=value,
        received_total=sum(p[1] for p in payments),
        signed_on=signed_on,
        registration_no=registered[0] if registered else None,
        registered_on=registered[1] if registered else None,
        broker_id=broker.id,
        agency_id=broker.organisation_id,
        cancelled_at=cancelled[0] if cancelled else None,
        cancel_reason=cancelled[1] if cancelled else None,
        **parties,
    )
    session.add(deal)
    session.flush()
    for day, amount, evidence in payments:
        session.add(Payment(deal_id=deal.id, received_on=day, amount=amount, evidence=evidence))
    for day, amount in schedule:
        session.add(PaymentInstalment(deal_id=deal.id, due_on=day, amount=amount))
    session.flush()
    return deal


def make_ledger(query, make_user, make_org, **parties) -> SimpleNamespace:
    """Agency 滨海 (brokers 甲 and 乙) and agency 南开 (broker 丙). In 2025, by hand:

    contracts of 滨海: D1, D2, D3, D6, D7 (5); value registered in 2025: D1 + D6 = 1,300,000;
    received in 2025: D1 300,000 + 200,000 (31 Dec), D2 150,000 (1 Jan), D3 80,000 (never registered),
    D7 50,000 (registered 1 Jan 2026) = 780,000, of which counted D1 + D2 = 650,000.
    D4 is cancelled (its 400,000 counts nowhere); D5 belongs to 南开.
    """
    tag = uuid.uuid4().hex[:6]
    agency = make_org(OrgKind.AGENCY, name=f"滨海技术转移中心{tag}")
    other_agency = make_org(OrgKind.AGENCY, name=f"南开技术转移中心{tag}")
    people = SimpleNamespace(
        agency=agency,
        other_agency=other_agency,
        broker=make_user("broker", name="经纪人甲", organisation_id=agency.id, locale="en"),
        broker_2=make_user("broker", name="经纪人乙", organisation_id=agency.id, locale="en"),
        other_broker=make_user("broker", name="经纪人丙", organisation_id=other_agency.id, locale="en"),
        admin=make_user("admin", name="科技局", locale="en"),
        enterprise=make_user("enterprise", locale="en", organisation_id=agency.id),
    )

    def add(session):
        p = people
        d1 = add_deal(
            session,
            title="D1 储能液冷开发",
            broker=p.broker,
            value=1_000_000,
            signed_on=date(2025, 3, 1),
            registered=(f"2025120000001{tag}", date(2025, 3, 10)),
            payments=[
                (date(2025, 4, 1), 300_000, "银行回单 0001"),
                (date(2025, 12, 31), 200_000, "回单 0002"),
                (date(2026, 1, 1), 100_000, "回单 0003"),
            ],
            schedule=[(date(2025, 4, 1), 300_000), (date(2025, 12, 31), 300_000), (date(2026, 6, 30), 400_000)],
            **parties.get("d1", {}),
        )
        d2 = add_deal(
            session,
            title="D2 去年登记",
            broker=p.broker_2,
            value=500_000,
            signed_on=date(2024, 11, 1),
            registered=(f"2024120000009{tag}", date(2024, 11, 20)),
            payments=[(date(2025, 1, 1), 150_000, None)],
        )
        d3 = add_deal(
            session,
            title="D3 未登记",
            broker=p.broker,
            value=800_000,
            signed_on=date(2025, 6, 1),
            payments=[(date(2025, 7, 1), 80_000, "回单 0004")],
        )
        d4 = add_deal(
            session,
            title="D4 已取消",
            broker=p.broker_2,
            value=2_000_000,
            signed_on=date(2025, 5, 1),
            registered=(f"2025120000004{tag}", date(2025, 5, 20)),
            payments=[(date(2025, 6, 1), 400_000, None)],
            cancelled=(datetime(2025, 9, 1, 2, 0, tzinfo=UTC), "企业资金链断裂，双方协商解除"),
        )
        d5 = add_deal(
            session,
            title="D5 南开的合同",
            broker=p.other_broker,
            value=9_990_000,
            signed_on=date(2025, 2, 1),
            registered=(f"2025120000005{tag}", date(2025, 2, 2)),
            payments=[(date(2025, 3, 1), 999_000, None)],
            **parties.get("d5", {}),
        )
        d6 = add_deal(
            session,
            title="D6 年末登记",
            broker=p.broker,
            value=300_000,
            signed_on=date(2025, 12, 30),
            registered=(f"2025120000006{tag}", date(2025, 12, 31)),
        )
        d7 = add_deal(
            session,
            title="D7 次年登记",
            broker=p.broker,
            value=600_000,
            signed_on=date(2025, 12, 20),
            registered=(f"2026120000007{tag}", date(2026, 1, 1)),
            payments=[(date(2025, 12, 25), 50_000, None)],
        )
        first = session.scalar(sa.select(Payment).where(Payment.deal_id == d1.id).order_by(Payment.received_on))
        session.add(
            DealFile(
                deal_id=d1.id,
                payment_id=first.id,
                kind=DealFileKind.PAYMENT,
                filename="回单0001.pdf",
                content_type="application/pdf",
                size=4,
                sha256="0" * 64,
                data=b"%PDF",
            )
        )
        session.commit()
        return {
            name: deal.id
            for name, deal in (("d1", d1), ("d2", d2), ("d3", d3), ("d4", d4), ("d5", d5), ("d6", d6), ("d7", d7))
        }

    people.deals = query(add)
    return people


@pytest.fixture
def ledger(query, make_user, make_org):
    return make_ledger(query, make_user, make_org)


def table(sheet, first_header: str) -> tuple[list[str], list[dict], dict | None]:
    """A sheet written by the dashboard tables: its header, its rows as dicts, and its total row."""
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(values) if row and row[0] == first_header)
    header = values[start]
    rows, total = [], None
    for row in values[start + 1 :]:
        if not row or row[0] is None:
            break
        if row[0] == "Total":
            total = dict(zip(header, row, strict=False))
            break
        rows.append(dict(zip(header, row, strict=False)))
    return header, rows, total


def cover(book) -> dict:
    return {row[0]: row[1] for row in book["Cover"].iter_rows(values_only=True) if row and row[0]}


def download(client, user, agency_id: int, **args):
    client.login(user.email)
    return client.get(f"/dashboard/agency/{agency_id}/evidence.xlsx", query_string=args)


def test_the_pack_of_2025_adds_up_to_the_hand_computed_totals(client, ledger, query):
    response = download(client, ledger.admin, ledger.agency.id, period="2025")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == SHEETS

    front = cover(book)
    assert front["Agency"] == ledger.agency.name
    assert front["Period"] == "2025-01-01 – 2025-12-31"
    assert front["Deals in the pack"] == 5
    assert front["Contract value of deals registered in the period (CNY)"] == 1_300_000
    assert front["Money received in the period (CNY)"] == 650_000
    assert (
        front["Money received in the period on contracts not registered by its last day, not counted (CNY)"] == 130_000
    )
    assert front["Cancelled deals, listed separately and not counted"] == 1
    assert "registered, live contracts" in front["Rule used"]

    _header, contracts, total = table(book["Contract list"], "Contract")
    assert [r["Contract"] for r in contracts] == [
        "D2 去年登记",
        "D1 储能液冷开发",
        "D6 年末登记",
        "D7 次年登记",
        "D3 未登记",
    ]
    assert {r["Contract"]: r["Received in the period, counted (CNY)"] for r in contracts} == {
        "D1 储能液冷开发": 500_000,
        "D2 去年登记": 150_000,
        "D3 未登记": 0,
        "D6 年末登记": 0,
        "D7 次年登记": 0,
    }
    assert sum(r["Value registered in the period (CNY)"] or 0 for r in contracts) == 1_300_000
    assert total["Value registered in the period (CNY)"] == 1_300_000
    assert total["Received in the period (CNY)"] == 780_000
    assert total["Received in the period, counted (CNY)"] == 650_000
    d1 = contracts[1]
    assert (d1["Contract value (CNY)"], d1["Registered on"].date(), d1["Broker"], d1["Contract type"]) == (
        1_000_000,
        date(2025, 3, 10),
        "经纪人甲",
        "Technology development",
    )
    assert d1["Registration number"].startswith("2025120000001")
    assert all(isinstance(r["Contract value (CNY)"], int) for r in contracts)

    _header, payments, total = table(book["Payments received"], "Contract")
    assert [(r["Received on"].date(), r["Amount (CNY)"]) for r in payments] == [
        (date(2025, 1, 1), 150_000),
        (date(2025, 4, 1), 300_000),
        (date(2025, 7, 1), 80_000),
        (date(2025, 12, 25), 50_000),
        (date(2025, 12, 31), 200_000),
    ]
    assert sum(r["Amount (CNY)"] for r in payments) == total["Amount (CNY)"] == 780_000
    assert sum(r["Counted (CNY)"] or 0 for r in payments) == total["Counted (CNY)"] == 650_000
    assert (payments[1]["Evidence note"], payments[1]["Evidence files"]) == ("银行回单 0001", "回单0001.pdf")

    _header, brokers, total = table(book["By broker"], "Broker")
    assert {
        r["Broker"]: (
            r["Deals"],
            r["Value registered in the period (CNY)"],
            r["Received in the period (CNY)"],
            r["Received in the period, counted (CNY)"],
        )
        for r in brokers
    } == {"经纪人甲": (4, 1_300_000, 630_000, 500_000), "经纪人乙": (1, 0, 150_000, 150_000)}
    assert total["Received in the period, counted (CNY)"] == 650_000

    _header, cancelled, total = table(book["Cancelled deals"], "Contract")
    assert [
        (r["Contract"], r["Reason"], r["Cancelled on"].date(), r["Received in the period (not counted) (CNY)"])
        for r in cancelled
    ] == [("D4 已取消", "企业资金链断裂，双方协商解除", date(2025, 9, 1), 400_000)]
    assert total is None

    text = " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v)
    assert "D5 南开的合同" not in text and "经纪人丙" not in text and "9990000" not in text

    events = query(
        lambda s: [
            (e.actor_id, e.object_type, e.object_id, e.after)
            for e in s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "deal.evidence_export"))
        ]
    )
    assert len(events) == 1
    actor, object_type, object_id, after = events[0]
    assert (actor, object_type, object_id) == (ledger.admin.id, "organisations", ledger.agency.id)
    assert (after["period"], after["from"], after["to"], after["received"], after["registered"]) == (
        "2025",
        "2025-01-01",
        "2025-12-31",
        650_000,
        1_300_000,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # December 2025: D1's 31 Dec payment counts, D7's 25 Dec one does not (registered 1 Jan), D6 registered 31 Dec.
        ({"period": "2025-12"}, (3, 300_000, 200_000, 50_000)),
        # From 1 Jan 2026: D1's 1 Jan payment counts; D7 is registered on 1 Jan (600,000).
        ({"from": "2026-01-01", "to": "2026-01-31"}, (2, 600_000, 100_000, 0)),
        # The first quarter of 2025: D2's 1 Jan payment and D1's registration.
        ({"period": "2025-Q1"}, (2, 1_000_000, 150_000, 0)),
    ],
)
def test_the_period_edges_move_the_money_into_the_right_pack(client, ledger, args, expected):
    response = download(client, ledger.broker, ledger.agency.id, **args)
    assert response.status_code == 200
    front = cover(load_workbook(io.BytesIO(response.data)))
    assert (
        front["Deals in the pack"],
        front["Contract value of deals registered in the period (CNY)"],
        front["Money received in the period (CNY)"],
        front["Money received in the period on contracts not registered by its last day, not counted (CNY)"],
    ) == expected


def test_only_admins_and_the_agencys_own_brokers_get_the_pack(client, make_client, ledger):
    assert download(client, ledger.broker_2, ledger.agency.id, period="2025").status_code == 200
    assert download(make_client(), ledger.other_broker, ledger.agency.id, period="2025").status_code == 403
    assert download(make_client(), ledger.broker, ledger.other_agency.id, period="2025").status_code == 403
    assert download(make_client(), ledger.enterprise, ledger.agency.id, period="2025").status_code == 403
    anonymous = make_client().get(f"/dashboard/agency/{ledger.agency.id}/evidence.xlsx?period=2025")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    pack = download(make_client(), ledger.admin, ledger.other_agency.id, period="2025")
    front = cover(load_workbook(io.BytesIO(pack.data)))
    assert (front["Deals in the pack"], front["Money received in the period (CNY)"]) == (1, 999_000)


def test_an_organisation_that_is_not_an_agency_has_no_pack(client, ledger, make_org):
    university = make_org(OrgKind.UNIVERSITY)
    assert download(client, ledger.admin, university.id, period="2025").status_code == 404


def test_a_bad_period_says_what_is_wrong_and_makes_no_pack(client, make_client, ledger, query):
    response = download(client, ledger.broker, ledger.agency.id, period="2025-13")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/me/")
    page = client.get("/dashboard/me/").get_data(as_text=True)
    assert "The evidence pack was not made: Unknown period 2025-13" in page

    admin = make_client()
    response = download(admin, ledger.admin, ledger.agency.id, **{"from": "2025-02-01", "to": "2025-01-01"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/")
    with admin.http.session_transaction() as session:
        assert [m for _c, m in session["_flashes"]] == [
            "The evidence pack was not made: The last day comes before the first."
        ]
    assert (
        query(
            lambda s: s.scalar(
                sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "deal.evidence_export")
            )
        )
        == 0
    )


def test_the_ledger_fixture_is_consistent(ledger, query):
    """Money received on each deal equals its payments, as the ledger's services keep it."""
    from webapp.deals.turnover import ledger_mismatches

    assert query(lambda s: ledger_mismatches()) == []
    assert query(lambda s: s.get(Organisation, ledger.agency.id).kind) is OrgKind.AGENCY
