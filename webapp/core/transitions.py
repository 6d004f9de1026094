"""State machines: one table of allowed transitions for a kind of object whose `status` is an Enum,
who may take each (a rule the domain gives), and the refusals every domain words the same way.

A domain builds one `Lifecycle` and calls `check` before it changes anything: permission first
(PermissionDenied), then the state, then the reason some transitions require.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from webapp.core.permissions import PermissionDenied


class TransitionError(ValueError):
    """The transition is not possible from the object's state, or a reason is missing; the message
    is translated and meant for the person who asked."""


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: Any  # the state's Enum member
    actor: str  # the kind of person (or the system) the transition belongs to
    label: object  # the button's text
    needs_reason: bool = False
    stamp: str | None = None  # the column that records when the new state began


class Lifecycle:
    """The table of one kind of object's transitions.

    `may(transition, obj, user)` says whether the user is the transition's kind of actor;
    `not_now(obj, transition)` words the refusal when the object's state does not allow it;
    `no_reason()` asks for the missing reason; `error` is the domain's exception for both."""

    def __init__(
        self,
        transitions: Iterable[Transition],
        *,
        may: Callable[[Transition, Any, Any], bool],
        not_now: Callable[[Any, Transition], str],
        no_reason: Callable[[], str],
        error: type[Exception] = TransitionError,
    ):
        self.transitions: dict[str, Transition] = {t.name: t for t in transitions}
        self.may, self.not_now, self.no_reason, self.error = may, not_now, no_reason, error
        # Every (from, to) pair the table allows.
        self.edges = frozenset((source, t.target) for t in self.transitions.values() for source in t.sources)

    def __getitem__(self, name: str) -> Transition:
        return self.transitions[name]

    def __iter__(self):
        return iter(self.transitions.values())

    def allowed(self, obj, user) -> list[Transition]:
        """The transitions this user may take in the object's current state (the buttons a page
        shows; services still check their other preconditions)."""
        return [t for t in self if obj.status in t.sources and self.may(t, obj, user)]

    def check(self, obj, name: str, user, reason: str | None = None) -> Transition:
        """The transition, once the user, the state and the reason allow it."""
        transition = self.transitions.get(name)
        if transition is None:
            raise self.error(_("Unknown action."))
        if not self.may(transition, obj, user):
            raise PermissionDenied()
        if obj.status not in transition.sources:
            raise self.error(self.not_now(obj, transition))
        if transition.needs_reason and not (reason or "").strip():
            raise self.error(self.no_reason())
        return transition
