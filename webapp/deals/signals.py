"""What the deals announce to the packages above them (the dashboard), which subscribe in their own
`init_app`."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent inside a transaction that changes the turnover figures (after the ledger's revision went up),
# with `days`: the dates of the change (signing, registration, payment), which may be None.
ledger_changed = _signals.signal("deals.ledger-changed")

# Sent inside the transaction in which a deal's money received reaches its contract value (a payment,
# or a value corrected down to what was received), with the deal as sender.
paid_in_full = _signals.signal("deals.paid-in-full")
