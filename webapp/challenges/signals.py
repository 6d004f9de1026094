"""What happens to challenges, announced for the packages that follow them (subscriptions). Signals
are synchronous: receivers run inside the sender's transaction."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the challenge, just PUBLISHED (发榜) by an administrator.
challenge_published = _signals.signal("challenge-published")
