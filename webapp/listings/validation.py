"""One validation path for listings, used by the forms and by the importer alike.

Every rule produces a message for the person (or the import summary line) and nothing is saved
unless every field is valid."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _

from webapp.core import clock
from webapp.core.identifiers import InvalidIdentifier, validate_patent_number
from webapp.core.money import MoneyError, parse_wan_range
from webapp.core.text import fold, normalise, tidy
from webapp.listings.models import CoopMode, Maturity
from webapp.listings.text import split_list

TITLE_MAX = 200
TEXT_MAX = 20_000  # characters; a 100 KB description is refused with this figure in the message
KEYWORDS_MAX = 20
KEYWORD_MAX = 30

MATURITY_WORDS = {
    Maturity.RESEARCH: ["正在研发", "研发中", "研发阶段", "实验室阶段", "research"],
    Maturity.LAB: ["小试", "通过小试", "小试阶段", "lab"],
    Maturity.PILOT: ["中试", "通过中试", "中试阶段", "pilot"],
    Maturity.SAMPLE: ["已有样品", "样品", "样机", "sample"],
    Maturity.MASS: ["可量产", "可以量产", "量产", "产业化", "mass"],
}
COOP_WORDS = {
    CoopMode.TRANSFER: ["转让", "完全转让", "技术转让", "transfer"],
    CoopMode.LICENSE: ["许可", "许可转让", "技术许可", "license", "licence"],
    CoopMode.CO_DEVELOP: ["合作开发", "联合开发", "合作生产", "co_develop"],
    CoopMode.COMMISSIONED: ["委托开发", "委托研发", "commissioned"],
    CoopMode.EQUITY: ["作价入股", "技术入股", "入股", "equity"],
    CoopMode.SERVICE: ["技术咨询", "技术服务", "咨询", "服务", "service"],
    CoopMode.OTHER: ["其他", "other"],
}


class ListingInvalid(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def parse_maturity(value) -> Maturity | None:
    text = fold(str(value or ""))
    if not text:
        return None
    for maturity, words in MATURITY_WORDS.items():
        if text == maturity.value or any(w in text for w in words):
            return maturity
    raise ValueError(_("Unknown maturity “%(value)s”: use 正在研发, 小试, 中试, 已有样品 or 可量产.", value=value))


def parse_coop_modes(value) -> list[CoopMode]:
    """Modes from a list or from text such as 完全转让许可转让技术入股 (the real data glues them)."""
    if not value:
        return []
    texts = value if isinstance(value, list | tuple) else [str(value)]
    found: list[CoopMode] = []
    # Longest words first, each consumed once, so 许可转让 counts as a licence, not also a transfer.
    words = sorted(((w, m) for m, ws in COOP_WORDS.items() for w in ws), key=lambda item: -len(item[0]))
    for text in texts:
        text = fold(str(text))
        for mode in CoopMode:
            if text == mode.value:
                text = ""
                found.append(mode)
        for word, mode in words:
            if word in text:
                text = text.replace(word, " ")
                if mode not in found:
                    found.append(mode)
    if texts and not found:
        raise ValueError(_("Unknown cooperation mode “%(value)s”.", value=value))
    return found


def parse_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = (
        normalise(str(value))
        .replace("/", "-")
        .replace(".", "-")
        .replace("年", "-")
        .replace("月", "-")
        .replace("日", "")
    )
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(_("“%(value)s” is not a date (YYYY-MM-DD).", value=value)) from None


def refuse_nul(data: dict, errors: dict) -> None:
    """A NUL character (a control code some exports leave in a cell) cannot be stored: say which
    field holds one, rather than letting the database refuse the row in its own words."""
    for key, value in data.items():
        texts = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            errors[key] = _(
                "Contains a NUL character (a control code), which cannot be stored. Remove it and try again."
            )


def clean_common(data: dict, errors: dict) -> dict:
    """Title, keywords, field text, cooperation modes and posting date."""
    refuse_nul(data, errors)
    out = {}
    title = tidy(data.get("title"))
    if not title:
        errors["title"] = _("A title is required.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title has %(n)d characters; at most %(max)d.", n=len(title), max=TITLE_MAX)
    out["title"] = title
    keywords = split_list(data.get("keywords"))
    too_long = [k for k in keywords if len(k) > KEYWORD_MAX]
    if too_long:
        errors["keywords"] = _("Keywords are at most %(max)d characters: %(k)s", max=KEYWORD_MAX, k=too_long[0][:40])
    elif len(keywords) > KEYWORDS_MAX:
        errors["keywords"] = _("At most %(max)d keywords.", max=KEYWORDS_MAX)
    out["keywords"] = keywords
    try:
        out["coop_modes"] = parse_coop_modes(data.get("coop_modes"))
    except ValueError as exc:
        errors["coop_modes"] = str(exc)
    try:
        out["posted_on"] = parse_date(data.get("posted_on"))
    except ValueError as exc:
        errors["posted_on"] = str(exc)
    return out


def normalise_paragraphs(value) -> str:
    """Like tidy(), but a long text keeps its line breaks (one blank line at most between
    paragraphs): what people typed is kept (（）, ℃, full-width digits); the search index and the
    duplicate finder normalise their own copies."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [tidy(line) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def clean_text(data: dict, key: str, errors: dict, *, required: bool, label_required: str | None = None) -> str | None:
    text = normalise_paragraphs(data.get(key)) if data.get(key) is not None else ""
    if not text:
        if required:
            errors[key] = label_required or _("This field is required.")
        return None
    if len(text) > TEXT_MAX:
        errors[key] = _("%(n)d characters is too long; at most %(max)d.", n=len(text), max=TEXT_MAX)
    return text


def clean_money(data: dict, key: str, errors: dict) -> tuple[int | None, int | None]:
    try:
        return parse_wan_range(data.get(key))
    except MoneyError as exc:
        errors[key] = str(exc)
        return None, None


def clean_patents(value, errors: dict) -> list[str]:
    items = split_list(value)
    numbers, bad = [], []
    for item in items:
        if item in {"非专利技术", "无", "none"}:
            continue
        try:
            numbers.append(validate_patent_number(item))
        except InvalidIdentifier as exc:
            bad.append(str(exc))
    if bad:
        errors["patents"] = " ".join(bad)
    return list(dict.fromkeys(numbers))


def clean_achievement(data: dict) -> dict:
    """Validated, normalised achievement fields, or ListingInvalid with a message per field."""
    errors: dict[str, str] = {}
    out = clean_common(data, errors)
    out["summary"] = clean_text(data, "summary", errors, required=True, label_required=_("A summary is required."))
    for key in ("scenarios", "confidential"):
        out[key] = clean_text(data, key, errors, required=False)
    out["team"] = tidy(data.get("team"))[:500] or None
    out["institution_name"] = tidy(data.get("institution"))[:200] or None
    try:
        out["maturity"] = parse_maturity(data.get("maturity"))
    except ValueError as exc:
        errors["maturity"] = str(exc)
    trl = data.get("trl")
    if trl not in (None, ""):
        try:
            out["trl"] = int(str(trl).strip())
            if not 1 <= out["trl"] <= 9:
                raise ValueError
        except ValueError:
            errors["trl"] = _("TRL is a whole number from 1 to 9.")
    else:
        out["trl"] = None
    out["patents"] = clean_patents(data.get("patents"), errors)
    out["price_min"], out["price_max"] = clean_money(data, "price", errors)
    if errors:
        raise ListingInvalid(errors)
    return out


def clean_need(data: dict, *, today: date | None = None, allow_past_deadline: bool = False) -> dict:
    """Validated need fields. A deadline in the past is refused when posting (not for imports of old lists)."""
    errors: dict[str, str] = {}
    out = clean_common(data, errors)
    out["description"] = clean_text(
        data, "description", errors, required=True, label_required=_("Describe the problem.")
    )
    out["indicators"] = clean_text(data, "indicators", errors, required=False)
    out["budget_min"], out["budget_max"] = clean_money(data, "budget", errors)
    try:
        out["deadline"] = parse_date(data.get("deadline"))
    except ValueError as exc:
        errors["deadline"] = str(exc)
    else:
        if out["deadline"] and not allow_past_deadline and out["deadline"] < (today or clock.today()):
            errors["deadline"] = _("The deadline %(d)s is in the past.", d=out["deadline"].isoformat())
    out["organisation_name"] = tidy(data.get("organisation"))[:200] or None
    try:
        out["expected_maturity"] = parse_maturity(data.get("expected_maturity"))
    except ValueError as exc:
        errors["expected_maturity"] = str(exc)
    if errors:
        raise ListingInvalid(errors)
    return out
