"""Fixtures of the dashboard tests: the fixed 2019 ledger of `factory`, committed, and a signed-in
administrator's client."""

from __future__ import annotations

import pytest

from tests.dashboard import factory


@pytest.fixture
def data(app, query):
    return factory.committed_ledger(query)


@pytest.fixture
def admin(make_user, make_client):
    user = make_user("admin")
    client = make_client()
    assert client.login(user.email).status_code == 302
    client.user_id, client.email = user.id, user.email
    return client
