"""The shapes of the district dashboard in the API (webapp.api.dashboard): every figure of the admin
dashboard page and of the quarterly summary, money in whole 元 with the text the page shows."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from webapp.api.schemas import Money

PERIOD_TEXT = validate.Length(max=100)


class DashboardQuery(Schema):
    period = fields.String(
        validate=PERIOD_TEXT,
        metadata={
            "description": "A year (2026), a quarter (2026-Q3) or a month (2026-07), as the page's selector; "
            "the current year (Beijing time) when neither this nor from/to is given."
        },
    )
    from_ = fields.String(
        data_key="from",
        validate=PERIOD_TEXT,
        metadata={"description": "A custom period's first day (YYYY-MM-DD), with `to`; it overrides `period`."},
    )
    to = fields.String(
        validate=PERIOD_TEXT, metadata={"description": "A custom period's last day (YYYY-MM-DD), included."}
    )


class QuarterQuery(Schema):
    quarter = fields.String(
        required=True, validate=PERIOD_TEXT, metadata={"description": "The quarter: 2026Q3 or 2026-Q3."}
    )


class PeriodOut(Schema):
    key = fields.String(
        required=True, metadata={"description": "2026, 2026-Q3 or 2026-07 (pass as period=), or custom."}
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["year", "quarter", "month", "custom"]),
        metadata={"description": "year, quarter, month or custom."},
    )
    label = fields.String(required=True, metadata={"description": "As the page names it."})
    start = fields.Date(required=True, metadata={"description": "First day (Beijing time)."})
    end = fields.Date(required=True, metadata={"description": "Last day, included."})


class Turnover(Schema):
    signed = fields.Nested(Money, required=True, metadata={"description": "Value of live contracts signed."})
    registered = fields.Nested(
        Money, required=True, metadata={"description": "Value of live contracts registered (the official turnover)."}
    )
    received = fields.Nested(Money, required=True, metadata={"description": "Money received on live deals."})
    deals_signed = fields.Integer(required=True, metadata={"description": "Live deals signed."})
    contracts_registered = fields.Integer(required=True, metadata={"description": "Live contracts registered."})


class TargetRow(Schema):
    name = fields.String(required=True, metadata={"description": "The figure, as the page's table names it."})
    amount = fields.Nested(Money, allow_none=True, metadata={"description": "Null: no target set."})
    share = fields.Float(allow_none=True, metadata={"description": "Of the target, as a fraction (0.37 = 37%)."})
    share_text = fields.String(allow_none=True, metadata={"description": "The same as the page shows it (37.0%)."})


class Target(Schema):
    year = fields.Integer(required=True, metadata={"description": "The year of the period's last day."})
    until = fields.Date(required=True, metadata={"description": "The figures count from 1 January to this day."})
    amount = fields.Nested(Money, allow_none=True, metadata={"description": "The year's target; null when not set."})
    signed = fields.Nested(Money, required=True, metadata={"description": "Signed from 1 January to `until`."})
    registered = fields.Nested(
        Money, required=True, metadata={"description": "Registered from 1 January to `until` (counts to the target)."}
    )
    received = fields.Nested(Money, required=True, metadata={"description": "Received from 1 January to `until`."})
    progress = fields.Float(allow_none=True, metadata={"description": "Registered ÷ target; null without a target."})
    progress_text = fields.String(allow_none=True, metadata={"description": "The gauge's figure (37.0%)."})
    title = fields.String(required=True, metadata={"description": "The target table's title."})
    note = fields.String(required=True, metadata={"description": "The target table's note."})
    rows = fields.List(fields.Nested(TargetRow), required=True, metadata={"description": "The target table."})


class TurnoverRow(Schema):
    name = fields.String(required=True, metadata={"description": "What the row counts, as the page names it."})
    signed = fields.Nested(Money, required=True, metadata={"description": "Signed turnover."})
    registered = fields.Nested(Money, required=True, metadata={"description": "Registered turnover."})
    received = fields.Nested(Money, required=True, metadata={"description": "Money received."})
    deals = fields.Integer(required=True, metadata={"description": "Deals signed."})


class MonthRow(TurnoverRow):
    month = fields.String(required=True, metadata={"description": "The month, YYYY-MM."})
    registered_cumulative = fields.Nested(
        Money,
        required=True,
        metadata={"description": "The year's registered turnover at the month's end (the chart's line)."},
    )


class OrgRow(TurnoverRow):
    org_id = fields.Integer(
        allow_none=True, metadata={"description": "The organisation; null for a row of the rest (Other, No agency)."}
    )


class TierRow(TurnoverRow):
    tier = fields.String(allow_none=True, metadata={"description": "The enterprise tier; null for No tier."})


class TableBase(Schema):
    title = fields.String(required=True, metadata={"description": "The table's (and chart's) title."})
    note = fields.String(allow_none=True, metadata={"description": "The note under the table."})


class TurnoverTableBase(TableBase):
    total = fields.Nested(TurnoverRow, required=True, metadata={"description": "The total row."})


class MonthTable(TurnoverTableBase):
    rows = fields.List(fields.Nested(MonthRow), required=True, metadata={"description": "Every month of the period."})


class TurnoverTable(TurnoverTableBase):
    rows = fields.List(fields.Nested(TurnoverRow), required=True, metadata={"description": "In the page's order."})


class OrgTable(TurnoverTableBase):
    rows = fields.List(fields.Nested(OrgRow), required=True, metadata={"description": "In the page's order."})


class TierTable(TurnoverTableBase):
    rows = fields.List(fields.Nested(TierRow), required=True, metadata={"description": "In the page's order."})


class FunnelRow(Schema):
    step = fields.String(
        required=True,
        validate=validate.OneOf(["listings", "suggested", "accepted", "introduced", "signed", "paid"]),
        metadata={"description": "listings, suggested, accepted, introduced, signed or paid."},
    )
    name = fields.String(required=True, metadata={"description": "As the page names the step."})
    count = fields.Integer(required=True, metadata={"description": "Activity at this step in the period."})
    rate = fields.Float(
        allow_none=True, metadata={"description": "accepted only: the share of the decided suggestions."}
    )
    rate_text = fields.String(allow_none=True, metadata={"description": "The rate as the page shows it."})


class FunnelTable(TableBase):
    rows = fields.List(fields.Nested(FunnelRow), required=True, metadata={"description": "The steps in order."})


class ChallengeRow(Schema):
    figure = fields.String(
        required=True,
        validate=validate.OneOf(["published", "applications", "awarded", "completed", "failed", "stopped"]),
        metadata={"description": "published, applications, awarded, completed, failed or stopped."},
    )
    name = fields.String(required=True, metadata={"description": "As the page names the figure."})
    count = fields.Integer(required=True, metadata={"description": "How many in the period."})


class ChallengeTable(TableBase):
    rows = fields.List(fields.Nested(ChallengeRow), required=True, metadata={"description": "The board's figures."})


class StageRow(Schema):
    stage = fields.String(
        required=True,
        validate=validate.OneOf(["window", "review", "notice", "contracting", "delivery"]),
        metadata={"description": "window, review, notice, contracting or delivery."},
    )
    name = fields.String(required=True, metadata={"description": "As the page names the stage."})
    days = fields.Float(allow_none=True, metadata={"description": "Average days; null when none ended."})
    challenges = fields.Integer(required=True, metadata={"description": "Challenges whose stage ended."})


class StageTable(TableBase):
    rows = fields.List(fields.Nested(StageRow), required=True, metadata={"description": "The stages in order."})


class DashboardOut(Schema):
    period = fields.Nested(PeriodOut, required=True, metadata={"description": "The period shown."})
    turnover = fields.Nested(Turnover, required=True, metadata={"description": "The headline cards."})
    target = fields.Nested(Target, required=True, metadata={"description": "The year against its target."})
    months = fields.Nested(MonthTable, required=True, metadata={"description": "Turnover by month."})
    fields_ = fields.Nested(
        TurnoverTable, required=True, data_key="fields", metadata={"description": "By top-level technical field."}
    )
    institutions = fields.Nested(OrgTable, required=True, metadata={"description": "By university or institute."})
    tiers = fields.Nested(TierTable, required=True, metadata={"description": "By the need side's enterprise tier."})
    agencies = fields.Nested(OrgTable, required=True, metadata={"description": "By technology-transfer agency."})
    funnel = fields.Nested(FunnelTable, required=True, metadata={"description": "The conversion funnel."})
    challenges = fields.Nested(ChallengeTable, required=True, metadata={"description": "The challenge board."})
    stages = fields.Nested(StageTable, required=True, metadata={"description": "Average days per challenge stage."})
    quarterly = fields.String(
        allow_none=True,
        metadata={"description": "For a quarter: the quarterly summary's address in this API; else null."},
    )


class TotalRow(Schema):
    figure = fields.String(
        required=True,
        validate=validate.OneOf(["signed", "registered", "received", "signed_count", "registered_count"]),
        metadata={"description": "signed, registered, received (元), signed_count or registered_count."},
    )
    name = fields.String(required=True, metadata={"description": "As the summary names it."})
    now = fields.Integer(required=True, metadata={"description": "In the quarter (元 or a count)."})
    before = fields.Integer(required=True, metadata={"description": "In the same quarter a year earlier."})
    now_text = fields.String(required=True, metadata={"description": "`now` as a page shows it."})
    before_text = fields.String(required=True, metadata={"description": "`before` as a page shows it."})
    change = fields.Float(allow_none=True, metadata={"description": "(now − before) ÷ before; null without before."})
    change_text = fields.String(allow_none=True, metadata={"description": "The change as a page shows it."})


class QuarterlyOut(Schema):
    period = fields.Nested(PeriodOut, required=True, metadata={"description": "The quarter."})
    earlier = fields.Nested(PeriodOut, required=True, metadata={"description": "The same quarter a year earlier."})
    target = fields.Nested(Target, required=True, metadata={"description": "The year to the quarter's end."})
    totals_title = fields.String(required=True, metadata={"description": "The totals table's title."})
    totals_note = fields.String(required=True, metadata={"description": "The totals table's note."})
    totals = fields.List(
        fields.Nested(TotalRow), required=True, metadata={"description": "The quarter against a year earlier."}
    )
    workbook = fields.String(required=True, metadata={"description": "The summary workbook's page (.xlsx)."})
    dashboard = fields.String(
        required=True, metadata={"description": "The quarter's full dashboard in this API (every table)."}
    )
