"""What the challenge services refuse: every message is translated and meant for the person who asked."""

from __future__ import annotations


class ChallengeError(ValueError):
    """A request the rules refuse (bad input, wrong state, wrong time)."""


class TransitionError(ChallengeError):
    """The step is not possible from the challenge's (or the application's, milestone's…) state, or
    not at this time: a conflict with the object's state, not a wrong input."""

    conflict = True


class ChallengeInvalid(ChallengeError):
    """Several fields are wrong: `errors` maps each field to its message (pages show them in place)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors
        self.field = next(iter(errors), None)


def invalid(field_name: str, message: str) -> ChallengeInvalid:
    return ChallengeInvalid({field_name: message})
