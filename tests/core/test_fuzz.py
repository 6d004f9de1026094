"""Hostile values never make the server fail: every page of the URL map (as an administrator, who
reaches nearly all of them, and as a visitor) is opened, and every form it shows is sent back with
each field holding, in turn, a NUL character, an integer far beyond any column, a date at the end
of the calendar and a 100,000-character string; ids beyond 2³¹ go into every path. Nothing may
answer 5xx: bad input is refused with a 400 and its reason, an unknown id with a 404.

The pages come from the access matrix's samples (tests/core/test_access_matrix.py), so a new route
is fuzzed as soon as it has its policy and sample.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from tests.core import test_access_matrix as matrix

NUL = "锂电池\x00"
HUGE = "99999999999999999999"
FAR_DATE = "9999-12-31"
LONG = "长" * 100_000
VARIANTS = {"NUL": NUL, "huge integer": HUGE, "far date": FAR_DATE, "100k characters": LONG}
# In an address, 100k characters are refused with 414 before anything reads them (as gunicorn's
# request-line limit would); the longest value that still reaches the page is what is sent instead.
QUERY_VARIANTS = {"NUL": NUL, "huge integer": HUGE, "far date": FAR_DATE, "the longest query": "长" * 420}
BIG_IDS = (2**31, 10**20)
# Requests that would end the session or switch language away from the pages being fuzzed.
SKIP_ENDPOINTS = {"accounts.logout", "static", "bootstrap.static"}


class Forms(HTMLParser):
    """The forms of a page: method, action and the fields a browser would send."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action") or "", "fields": {}}
            )
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file", "image", "reset"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                fields.setdefault(name, None)
            else:
                fields[name] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            fields[name] = ""
        elif tag == "select" and name:
            fields[name] = ""
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            fields[self._select] = attrs.get("value", "")
        elif tag == "button" and name and attrs.get("type", "submit") == "submit":
            self.forms[-1].setdefault("submit", (name, attrs.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _forms(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


class Probe:
    """Sends requests and keeps every answer of 5xx (or exception) with what was sent."""

    def __init__(self, client):
        self.client = client
        self.failures: list[str] = []
        self.sent = 0

    def send(self, method: str, url: str, data: dict | None, what: str):
        self.sent += 1
        try:
            if method == "get":
                response = self.client.get(url)
            else:
                response = self.client.http.open(url, method="POST", data=data or {}, buffered=True)
        except Exception as error:  # noqa: BLE001 - the test reports every kind of failure
            self.failures.append(f"{method.upper()} {url[:160]} ({what}): raised {type(error).__name__}: {error}"[:400])
            return None
        if response.status_code >= 500:
            self.failures.append(f"{method.upper()} {url[:160]} ({what}): {response.status_code}")
        return response


def _fuzz_form(probe: Probe, page_url: str, form: dict, csrf: str) -> None:
    action = urljoin(page_url, form["action"]) if form["action"] else page_url
    fields = {k: v for k, v in form["fields"].items() if k != "csrf_token"}
    if not fields:
        return
    base = {k: v for k, v in fields.items() if v is not None}
    if "submit" in form:
        base[form["submit"][0]] = form["submit"][1]
    if form["method"] == "get":
        # Filters: each field alone (one value may crash before another is read).
        for label, value in QUERY_VARIANTS.items():
            for name in fields:
                probe.send("get", f"{urlsplit(action).path}?{urlencode({name: value})}", None, f"{name}={label}")
        return
    for label, value in VARIANTS.items():
        data = {**base, **dict.fromkeys(fields, value), "csrf_token": csrf}
        probe.send("post", urlsplit(action).path, data, f"every field {label}")


def _page_url(app, rule, samples) -> str | None:
    if "GET" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS:
        return None
    return matrix._url(app, rule, samples)


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_no_hostile_value_in_any_field_or_path_makes_the_server_fail(role, app, client, make_user, make_org, query):
    user, samples = matrix.samples_for(role, client, make_user, make_org, query)
    probe = Probe(client)
    csrf = client.csrf()
    seen_forms = set()
    for rule in matrix._rules(app):
        url = _page_url(app, rule, samples)
        if url is None:
            continue
        response = probe.send("get", url, None, "the page")
        if response is not None and response.status_code == 200 and "html" in response.content_type:
            for form in _forms(response.get_data(as_text=True)):
                key = (
                    rule.endpoint,
                    form["method"],
                    form["action"] and re.sub(r"\d+", "N", form["action"]),
                    tuple(form["fields"]),
                )
                if key in seen_forms:
                    continue
                seen_forms.add(key)
                _fuzz_form(probe, url, form, csrf)
        # The page's own query: a page number and a search beyond any column.
        for label, value in QUERY_VARIANTS.items():
            probe.send("get", f"{url}{'&' if '?' in url else '?'}{urlencode({'page': value, 'q': value})}", None, label)
        if user is not None and rule.endpoint == "accounts.logout":
            client.login(user.email)
    # Ids beyond 2³¹ in every path that takes one.
    for rule in matrix._rules(app):
        int_args = [
            arg
            for arg, conv in rule._converters.items()
            if type(conv).__name__ in ("IntegerConverter", "BoundedIntegerConverter")
        ]
        for arg in int_args:
            for big in BIG_IDS:
                values = {**samples, (rule.endpoint, arg): big}
                url = matrix._url(app, rule, values)
                for method in matrix._methods(rule):
                    response = probe.send(method.lower(), url, {"csrf_token": csrf}, f"<{arg}>={big}")
                    if response is not None and response.status_code not in (404, 302, 403, 400, 405):
                        probe.failures.append(f"{method} {url}: {response.status_code}, not 404")
    too_long = client.get(f"/achievements/?{urlencode({'q': LONG})}")
    assert too_long.status_code == 414
    assert len(too_long.get_data()) < 100_000  # the refusal does not echo the address back
    assert probe.sent > 500, f"only {probe.sent} requests sent: the pages or their forms were not found"
    assert not probe.failures, f"{len(probe.failures)} of {probe.sent} requests failed:\n" + "\n".join(probe.failures)
