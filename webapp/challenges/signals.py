"""What the challenges announce to the packages above them, which subscribe when the app is made
(`webapp.connect_domains`)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent inside the transaction that completes a challenge (final acceptance), after the state change
# and its audit event, with the challenge as sender and `at`, the moment of completion.
challenge_completed = _signals.signal("challenges.completed")
