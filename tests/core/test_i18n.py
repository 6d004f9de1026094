"""The interface is Chinese first: every message in the sources has a Chinese translation.

The messages are extracted from the sources at test time, the way `make i18n-update` does
(babel.cfg's mapping, the default keywords plus `_l`), and looked up in the zh_CN catalogue.
When this fails after you added or changed a message: run `make i18n-update`, fill the new
msgstr in webapp/translations/zh_CN/LC_MESSAGES/messages.po, then `make translations`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "webapp" / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}  # as `pybabel extract -k _l` in the Makefile

# A printf-style directive: %(name)s, %d, %.2f, %%
DIRECTIVE = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")


def _directives(text: str) -> list[str]:
    return sorted(DIRECTIVE.findall(text))


def _extract() -> dict[tuple[str | tuple[str, ...], str | None], list[str]]:
    """{(msgid, context): ["file:line", ...]} for every message in the sources."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, filename=str(ROOT / "babel.cfg"))
    found: dict = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else tuple(message)
        if not (msgid[0] if isinstance(msgid, tuple) else msgid):
            continue  # _("") would return the catalogue header; nothing to translate
        found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def extracted():
    messages = _extract()
    assert len(messages) > 50, f"extraction found only {len(messages)} messages: is babel.cfg's mapping right?"
    return messages


@pytest.fixture(scope="module")
def catalogue():
    with open(PO_FILE, "rb") as po:
        return read_po(po)


def _show(msgid) -> str:
    return " | ".join(msgid) if isinstance(msgid, tuple) else msgid


def _strings(entry) -> list[str]:
    """The msgstr forms of a catalogue entry (several for a plural message)."""
    if entry is None:
        return [""]
    return list(entry.string) if isinstance(entry.string, tuple | list) else [entry.string]


def test_every_message_in_the_sources_has_a_chinese_translation(extracted, catalogue):
    missing, fuzzy = [], []
    for (msgid, context), where in sorted(extracted.items(), key=lambda item: item[1][0]):
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = catalogue.get(key, context=context)
        if entry is None or not all(s and s.strip() for s in _strings(entry)):
            missing.append(f"  {_show(msgid)!r}  ({where[0]})")
        elif entry.fuzzy:
            fuzzy.append(f"  {_show(msgid)!r}  ({where[0]})")
    problems = []
    if missing:
        problems.append(f"{len(missing)} message(s) without a Chinese translation:\n" + "\n".join(missing))
    if fuzzy:
        problems.append(
            f"{len(fuzzy)} message(s) marked fuzzy (check the msgstr, then drop the flag):\n" + "\n".join(fuzzy)
        )
    assert not problems, (
        f"{PO_FILE.relative_to(ROOT)} is incomplete. Run `make i18n-update`, translate these, "
        "then `make translations`.\n" + "\n".join(problems)
    )


def test_translations_keep_the_placeholders(extracted, catalogue):
    wrong = []
    for msgid, context in extracted:
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = catalogue.get(key, context=context)
        if entry is None:
            continue  # reported by the completeness test
        # Chinese has one plural form: it must carry the plural msgid's placeholders (the count).
        source = msgid[-1] if isinstance(msgid, tuple) else msgid
        for text in _strings(entry):
            if text and _directives(text) != _directives(source):
                wrong.append(
                    f"  {_show(msgid)!r}\n    -> {text!r}\n    expected {_directives(source)}, got {_directives(text)}"
                )
    assert not wrong, "translations whose %(placeholders)s differ from the English:\n" + "\n".join(wrong)


def test_catalogue_is_read_under_the_name_babel_resolves_zh_cn_to():
    """Flask-Babel parses "zh_CN" into the locale zh_Hans_CN and gettext looks for that folder
    (or "zh"), not zh_CN; without the alias the site silently falls back to English."""
    from babel import Locale
    from babel.support import Translations

    translations = Translations.load(str(PO_FILE.parents[2]), [Locale.parse("zh_CN")])
    if not isinstance(translations, Translations):
        pytest.fail(
            "no compiled zh_CN catalogue found for locale zh_Hans_CN: run `make translations` "
            "(and keep the webapp/translations/zh_Hans_CN -> zh_CN alias)"
        )
    assert translations.gettext("Log in") == "登录"


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_visitor_sees_chinese_and_can_switch_to_english_and_back(client):
    hint = " (is the catalogue compiled? run `make translations`)"

    first = _page(client.get("/"))
    assert '<html lang="zh-CN">' in first
    assert "揭榜" in first and "登录" in first, "the home page is not in Chinese by default" + hint
    assert "Log in" not in first

    switched = client.get("/lang/en?next=/")
    assert switched.status_code == 302
    assert switched.headers["Location"].endswith("/")
    english = _page(client.get("/"))
    assert '<html lang="en">' in english
    assert "Log in" in english and "Jiebang" in english
    assert "登录" not in english and "揭榜" not in english

    back = client.get("/lang/zh_CN?next=/")
    assert back.status_code == 302
    chinese = _page(client.get("/"))
    assert "揭榜" in chinese and "登录" in chinese
    assert "Log in" not in chinese


def test_an_unknown_language_changes_nothing(client):
    assert client.get("/lang/fr?next=/").status_code == 302
    page = _page(client.get("/"))
    assert "登录" in page
