"""The words of matching in the audit log and in notifications; create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core import audit
from webapp.matching.models import PARTY_LABELS, RejectReason
from webapp.notifications import catalogue

# Audit log actions, as people reading the log see them.
ACTIONS = {
    "match.accept": _l("Suggestion accepted and the parties introduced"),
    "match.reject": _l("Suggestion rejected"),
    "match.outcome": _l("Introduction outcome recorded"),
    "match.consent.accept": _l("Party agreed to an introduction"),
    "match.consent.decline": _l("Party declined an introduction"),
    "match.lexicon_add": _l("Matching lexicon entry added"),
    "match.lexicon_remove": _l("Matching lexicon entry removed"),
    "match.rematch": _l("Full re-match started"),
    "match.weights": _l("Matching weights refitted and made live"),
    "match.weights_rollback": _l("Matching weights set back to the previous ones"),
}

# Audit log objects (table names).
OBJECTS = {
    "match_suggestions": _l("Match suggestion"),
    "introductions": _l("Introduction"),
    "match_lexicon": _l("Matching lexicon entry"),
    "match_jobs": _l("Full re-match"),
}

# Notification kinds with their texts; parameters are filled in the reader's language.
NOTIFICATIONS = {
    "match.introduced": _l(
        "Technology broker %(broker)s proposes to introduce “%(title)s” to “%(other)s”: agree or decline; "
        "contacts are shared only once both sides agreed."
    ),
    "match.consent.accepted": _l("%(consent_side)s agreed to the introduction of “%(title)s” to “%(other)s”."),
    "match.consent.declined": _l(
        "%(consent_side)s declined the introduction of “%(title)s” to “%(other)s” (%(consent_reason)s)."
    ),
    "match.agreed": _l(
        "Both sides agreed to the introduction of “%(title)s” to “%(other)s”: you now see each other’s contacts."
    ),
    "match.deal": _l("The introduction of “%(title)s” to “%(other)s” ended in a deal."),
    "match.no_deal": _l("The introduction of “%(title)s” to “%(other)s” ended without a deal."),
}


def _side(side: str) -> str:
    return str(PARTY_LABELS.get(side, side))


def _reason(code: str) -> str:
    try:
        return RejectReason(code).label
    except ValueError:
        return code


def register() -> None:
    audit.register_labels(actions=ACTIONS, objects=OBJECTS)
    catalogue.register_texts(NOTIFICATIONS, params={"consent_side": _side, "consent_reason": _reason})
