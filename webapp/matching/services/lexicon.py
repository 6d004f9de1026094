"""The lexicon admins edit: technical terms, stop words and synonyms. An edit changes how texts
are segmented, so the index is rebuilt once it commits. Nothing here commits.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.core import audit, outbox
from webapp.core.permissions import require
from webapp.core.text import fold
from webapp.extensions import db
from webapp.matching.models import LexiconEntry, LexiconKind
from webapp.matching.permissions import is_admin

WORD_MAX = 40


def _check_word(word: str | None, blank_message: str) -> str:
    word = fold(word)  # as the text pipeline reads words
    if not word:
        raise ValueError(blank_message)
    if len(word) > WORD_MAX:
        raise ValueError(_("“%(word)s” is too long: at most %(count)d characters.", word=word, count=WORD_MAX))
    return word


def add_lexicon_entry(user, kind: LexiconKind, word: str, canonical: str | None = None) -> LexiconEntry:
    """Admins add a technical term, a stop word or a synonym (word → the term it stands for)."""
    require(is_admin(user))
    kind = LexiconKind(kind)
    word = _check_word(word, _("Enter a word."))
    if kind is LexiconKind.SYNONYM:
        canonical = _check_word(canonical, _("Enter the term the synonym stands for."))
        if canonical == word:
            raise ValueError(_("A synonym must stand for another word."))
        chained = db.session.scalar(
            sa.select(LexiconEntry.canonical).where(
                LexiconEntry.kind == LexiconKind.SYNONYM, LexiconEntry.word == canonical
            )
        )
        if chained:
            raise ValueError(
                _(
                    "“%(word)s” is itself read as “%(canonical)s”: enter that term instead.",
                    word=canonical,
                    canonical=chained,
                )
            )
        if db.session.scalar(
            sa.select(LexiconEntry.id).where(LexiconEntry.kind == LexiconKind.SYNONYM, LexiconEntry.canonical == word)
        ):
            raise ValueError(_("Other synonyms are read as “%(word)s”; it cannot become a synonym itself.", word=word))
    else:
        canonical = None
    existing = db.session.scalar(sa.select(LexiconEntry).where(LexiconEntry.word == word))
    if existing is not None:
        raise ValueError(_("“%(word)s” is already in the lexicon (%(kind)s).", word=word, kind=existing.kind.label))
    entry = LexiconEntry(kind=kind, word=word, canonical=canonical, created_by_id=user.id)
    db.session.add(entry)
    db.session.flush()
    audit.record("match.lexicon_add", entry, actor=user, after={"kind": kind, "word": word, "canonical": canonical})
    lexicon_changed()  # the index is rebuilt once this commits
    return entry


def remove_lexicon_entry(user, entry: LexiconEntry) -> None:
    require(is_admin(user))
    audit.record(
        "match.lexicon_remove",
        entry,
        actor=user,
        before={"kind": entry.kind, "word": entry.word, "canonical": entry.canonical},
    )
    db.session.delete(entry)
    db.session.flush()
    lexicon_changed()


def lexicon_changed() -> None:
    """The lexicon was edited: rebuild the index after the edit commits (segmentation changes)."""
    outbox.enqueue("matching.rebuild_index")
