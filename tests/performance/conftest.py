from __future__ import annotations

import pytest
from flask_babel import force_locale

from tests.challenges.factory import make_people


@pytest.fixture
def people(app_ctx, challenge_clock):
    """Everyone a challenge involves, in the test's transaction; messages in English."""
    with force_locale("en"):
        yield make_people()
