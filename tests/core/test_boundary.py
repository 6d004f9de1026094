"""Hostile values are refused at the edge with a reason a person can act on, the same on SQLite and
PostgreSQL: a NUL character (400), a number beyond the database's integers (400 naming the
parameter), an id beyond them (404), a date at the end of the calendar (the form says which years),
an address longer than the server accepts (414)."""

from __future__ import annotations

from urllib.parse import quote


def test_a_nul_character_anywhere_is_refused_with_its_reason(client, make_user):
    for response in (
        client.get("/needs/?q=%00"),
        client.post("/login", {"email": "a\x00@b.cn", "password": "x"}),
        client.post("/password/forgot", {"email": "\x00"}),
    ):
        assert response.status_code == 400
        assert "空字符" in response.get_data(as_text=True)


def test_numbers_and_ids_beyond_the_database_are_a_400_or_a_404(client, make_user):
    page = client.get("/achievements/?page=99999999999999999999")
    assert page.status_code == 400 and "“page”的值超出范围" in page.get_data(as_text=True)
    assert client.get("/challenges/?field=99999999999999999999").status_code == 400
    for path in ("/needs/2147483648", "/achievements/99999999999999999999", "/challenges/2147483648"):
        assert client.get(path).status_code == 404
    assert client.get("/needs/2147483647").status_code == 404  # the largest id is looked up as usual


def test_a_date_at_the_end_of_the_calendar_is_a_form_error(client):
    response = client.get("/achievements/?posted_to=9999-12-31")
    assert response.status_code == 200
    assert "请填写 1900 年至 2199 年之间的日期。" in response.get_data(as_text=True)


def test_an_address_longer_than_the_server_accepts_is_refused(client):
    response = client.get("/achievements/?q=" + quote("长" * 2000))
    assert response.status_code == 414
    assert "地址过长" in response.get_data(as_text=True)
    assert client.get("/achievements/?q=" + quote("长" * 400)).status_code == 200
