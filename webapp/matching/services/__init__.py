"""Matching's services, one module for each: `suggestions` (computing, storing and showing them),
`decisions` (the broker's accept and reject, introductions and their outcome), `consent` (the
parties' answers to an introduction), `lexicon` (the
admins' edits) and `rematch` (the full re-match job). The calls other packages make are exposed
here; like every service, none of them commits except the background runners."""

from webapp.matching.services.consent import answer as answer_introduction
from webapp.matching.services.consent import answer_on_behalf
from webapp.matching.services.decisions import accept, reject, set_outcome
from webapp.matching.services.lexicon import add_lexicon_entry, remove_lexicon_entry
from webapp.matching.services.rematch import (
    create_job,
    latest_job,
    published_ids,
    run_rematch,
    running_job,
    start_rematch,
)
from webapp.matching.services.suggestions import (
    refresh,
    refresh_achievement,
    refresh_batch,
    refresh_many,
    refresh_need,
    schedule,
    suggested_teams,
    suggestions_of_need,
    top_for,
)

__all__ = [
    "accept",
    "add_lexicon_entry",
    "answer_introduction",
    "answer_on_behalf",
    "create_job",
    "latest_job",
    "published_ids",
    "refresh",
    "refresh_achievement",
    "refresh_batch",
    "refresh_many",
    "refresh_need",
    "reject",
    "remove_lexicon_entry",
    "run_rematch",
    "running_job",
    "schedule",
    "set_outcome",
    "start_rematch",
    "suggested_teams",
    "suggestions_of_need",
    "top_for",
]
