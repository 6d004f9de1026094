"""What the challenges announce to the packages above them (subscriptions, performance), which
subscribe when the app is made (`webapp.connect_domains`). Signals are synchronous: receivers run
inside the sender's transaction."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the challenge, just PUBLISHED (发榜) by an administrator.
challenge_published = _signals.signal("challenge-published")

# Sent inside the transaction that completes a challenge (final acceptance), after the state change
# and its audit event, with the challenge as sender and `at`, the moment of completion.
challenge_completed = _signals.signal("challenges.completed")
