"""The circuit breaker the outbox, the dashboard's shared cache and the rate limits share."""

from __future__ import annotations

import pytest

from webapp.core import breaker as breaker_module
from webapp.core.breaker import Breaker


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(breaker_module.time, "monotonic", lambda: now[0])
    return now


def test_a_failed_service_is_left_alone_for_its_back_off_then_tried_again(clock):
    breaker = Breaker()
    assert breaker.available()
    breaker.failed(10)
    assert not breaker.available()
    clock[0] += 9.9
    assert not breaker.available()
    clock[0] += 0.1
    assert breaker.available()


def test_each_address_has_its_own_back_off_and_an_answer_closes_it(clock):
    breaker = Breaker()
    breaker.failed(10, "redis://a")
    assert not breaker.available("redis://a") and breaker.available("redis://b") and breaker.available()
    breaker.ok("redis://a")
    assert breaker.available("redis://a")
    breaker.failed(10, "redis://a")
    breaker.failed(10, "redis://b")
    breaker.reset()
    assert breaker.available("redis://a") and breaker.available("redis://b")
