"""Money typed in 万元: one parse for every form and import, one format per language, one field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.validators import DataRequired, Optional

from webapp.core.money import (
    AboveZero,
    MoneyError,
    MoneyField,
    Yuan,
    format_money,
    format_money_range,
    parse_wan,
    parse_wan_range,
    wan_figure,
    wan_number,
    wan_range_text,
    wan_text,
)

PARSED = [
    ("12.5", (125_000, 125_000)),
    ("12.5万元", (125_000, 125_000)),
    ("12.5 万", (125_000, 125_000)),
    ("0.0001", (1, 1)),
    ("1,200", (12_000_000, 12_000_000)),
    ("1，200", (12_000_000, 12_000_000)),
    ("１００万", (1_000_000, 1_000_000)),  # full-width digits
    ("５０－１００", (500_000, 1_000_000)),
    ("50-100", (500_000, 1_000_000)),
    ("50~100万元", (500_000, 1_000_000)),
    ("50 至 100", (500_000, 1_000_000)),
    ("  50\u00a0万元 ", (500_000, 500_000)),
    ("1000000", (10_000_000_000, 10_000_000_000)),  # 100亿元, the largest figure taken
    ("12.50000", (125_000, 125_000)),  # trailing zeros are not fractions of a yuan
    ("0." + "0" * 40, (0, 0)),
    ("面议", (None, None)),
    ("", (None, None)),
    (None, (None, None)),
    (12.5, (125_000, 125_000)),  # a spreadsheet cell: a number of 万元
    (0.3, (3_000, 3_000)),
    (Decimal("0.0001"), (1, 1)),
    (Yuan(7), (7, 7)),  # already money
]

REFUSED = [
    ("0.00001", "at most four decimal places of 万元"),
    ("1.00015", "at most four decimal places of 万元"),
    ("1." + "0" * 30 + "1", "at most four decimal places of 万元"),  # beyond Decimal's 28 digits
    ("50-100.00005", "at most four decimal places of 万元"),
    (0.00001, "at most four decimal places of 万元"),
    ("-5", "Amounts cannot be negative."),
    ("-5--1", "Amounts cannot be negative."),
    ("1000000.0001", "more than 100亿元"),
    ("99999999999", "more than 100亿元"),
    (float("nan"), "is not a number"),
    ("100-50", "starts above its end"),
    ("abc", "is not an amount in 万元"),
    ("1e5", "is not an amount in 万元"),
    ("1.2.3", "is not a number"),
]


@pytest.fixture
def en(app):
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.mark.parametrize(("typed", "expected"), PARSED)
def test_amounts_in_wan_parse_to_exact_whole_yuan(app_ctx, typed, expected):
    low, high = parse_wan_range(typed)
    assert (low, high) == expected
    assert all(v is None or type(v) is Yuan for v in (low, high))


@pytest.mark.parametrize(("typed", "message"), REFUSED)
def test_what_is_not_a_whole_yuan_amount_is_refused_with_its_reason(en, typed, message):
    with pytest.raises(MoneyError, match=message):
        parse_wan_range(typed)


def test_one_amount_refuses_a_range_and_adds_up_exactly(en):
    assert parse_wan("0.1") + parse_wan("0.2") == parse_wan("0.3") == 3_000
    assert parse_wan("面议") is None
    with pytest.raises(MoneyError, match="not a range"):
        parse_wan("10-20")


def test_plain_figures_for_inputs_exports_and_charts():
    assert [wan_text(v) for v in (None, 1, 125_000, 1_000_000, 10_000_000_000)] == [
        "",
        "0.0001",
        "12.5",
        "100",
        "1000000",
    ]
    assert [wan_range_text(*r) for r in ((None, None), (500_000, 500_000), (500_000, 1_000_000))] == [
        "面议",
        "50",
        "50-100",
    ]
    assert wan_figure(12_345_000) == "1,234.5" and wan_figure(10_000) == "1"
    assert wan_number(23_456) == 2.3456 and wan_number(None) is None
    assert Yuan(125_000).wan == Decimal("12.5")


@pytest.mark.parametrize(
    ("yuan", "english", "chinese_figure"),
    [
        (600_000, "¥600k", "60"),
        (1_200_000, "¥1.2M", "120"),
        (123_456, "¥123,456", "12.3456"),
        (10_000_000_000, "¥10,000M", "1,000,000"),
        (1, "¥1", "0.0001"),
    ],
)
def test_an_amount_reads_in_the_readers_language(app, yuan, english, chinese_figure):
    with app.test_request_context():
        with force_locale("en"):
            assert format_money(yuan) == english
            assert format_money(None) == "Negotiable"
        with force_locale("zh_CN"):
            assert format_money(yuan).startswith(chinese_figure) and "万元" in format_money(yuan)


def test_a_range_reads_in_the_readers_language(app):
    with app.test_request_context():
        with force_locale("en"):
            assert format_money_range(500_000, 1_000_000) == "¥500k–¥1M"
            assert format_money_range(500_000, 500_000) == "¥500k"
            assert format_money_range(None, None) == "Negotiable"
        with force_locale("zh_CN"):
            assert format_money_range(500_000, 1_000_000).startswith("50–100")


class AmountForm(FlaskForm):
    class Meta:
        csrf = False

    value = MoneyField("Value", validators=[DataRequired(), AboveZero()])
    budget = MoneyField("Budget", validators=[Optional()], ranges=True)


@pytest.mark.parametrize(
    ("value", "budget", "errors"),
    [
        ("12.5", "50-100", {}),
        ("12.00001", "", {"value": "at most four decimal places of 万元"}),
        ("12.5", "50-100.00001", {"budget": "at most four decimal places of 万元"}),
        ("10-20", "", {"value": "Give one amount, not a range."}),
        ("面议", "面议", {"value": "Give one amount in 万元, for example 12.5."}),
        ("0", "", {"value": "must be more than zero"}),
    ],
)
def test_the_money_field_answers_next_to_itself_and_keeps_what_was_typed(app, value, budget, errors):
    with app.test_request_context(method="POST"), force_locale("en"):
        form = AmountForm(formdata=MultiDict({"value": value, "budget": budget}))
        assert form.validate() == (not errors)
        assert {name: messages[0] for name, messages in form.errors.items() if messages}.keys() == errors.keys()
        for name, message in errors.items():
            assert message in form.errors[name][0]
        assert form.value.data == value and form.budget.data == budget
        if not errors:
            assert form.value.yuan == 125_000 and form.budget.yuan_range == (500_000, 1_000_000)


def test_templates_show_amounts_and_ranges_as_people_write_them(app_ctx):
    """The `wan` and `wan_range` filters every page uses are the module's formats."""
    render = app_ctx.jinja_env.from_string(
        "{{ none|wan_range(none) }}|{{ 500000|wan_range(500000) }}|{{ 500000|wan_range(1000000) }}|"
        "{{ 15000|wan_range(20000) }}|{{ 15000|wan }}"
    ).render
    assert render(none=None) == "面议|50 万元|50–100 万元|1.5–2 万元|1.5 万元"
