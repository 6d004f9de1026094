from __future__ import annotations

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, settings

from tests.challenges.factory import make_people

# Hypothesis keeps failures to replay in its example database, .hypothesis/ in the checkout (ignored
# by git); function-scoped fixtures are fine here because every state machine example builds and
# rolls back its own world.
settings.register_profile(
    "jiebang",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("jiebang")


@pytest.fixture
def people(app_ctx, challenge_clock):
    """Everyone a challenge involves, in the test's transaction; messages in English."""
    with force_locale("en"):
        yield make_people()
