"""`flask duplicates flag LIBRARY` after an import: reposts across the whole library, once."""

from __future__ import annotations

import sqlalchemy as sa

from tests.dedupe.texts import DEFECTS_TEXT, DEFECTS_TITLE, OTHER_TEXT, OTHER_TITLE, REPOST_TEXT, REPOST_TITLE
from webapp.achievements.models import Achievement
from webapp.core.db import utcnow
from webapp.listings.index import reindex
from webapp.listings.models import DuplicateCandidate
from webapp.listings.models import ListingStatus as S


def test_flag_finds_the_reposts_of_an_imported_list_once(app, query):
    def imported(session):
        ids = []
        for title, text, status in (
            (DEFECTS_TITLE, DEFECTS_TEXT, S.PUBLISHED),
            (OTHER_TITLE, OTHER_TEXT, S.PUBLISHED),
            (REPOST_TITLE, REPOST_TEXT, S.PUBLISHED),
            (REPOST_TITLE, REPOST_TEXT, S.DRAFT),
        ):
            item = Achievement(
                title=title, summary=text, status=status, published_at=utcnow() if status is S.PUBLISHED else None
            )
            session.add(item)
            session.flush()
            reindex(item)
            ids.append(item.id)
        session.commit()
        return ids

    original, _other, repost, _draft = query(imported)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["duplicates", "flag", "achievements"])
    assert first.exit_code == 0, first.output
    assert "新发现 1 对疑似重复" in first.output  # the command speaks the site's default language
    assert query(lambda s: [(c.listing_id, c.other_id) for c in s.scalars(sa.select(DuplicateCandidate))]) == [
        (repost, original)
    ]
    again = runner.invoke(args=["duplicates", "flag", "achievements"])
    assert "新发现 0 对疑似重复，共 1 对待处理" in again.output
    assert runner.invoke(args=["duplicates", "flag", "needs"]).exit_code == 0
