"""How the near-duplicate threshold behaves on the real 51jishu listings in ../shared/data.

    .venv/bin/python -m bench.dedupe_calibrate [--threshold 80]

Not part of `make bench` (it needs the shared data and takes about a minute). Loads the 2,868
achievements and 1,806 needs, as published listings with their search-index rows, into a
throw-away SQLite database, flags every listing with `dedupe.services.flag_many` and prints, per
library: how many pairs with the same title were flagged (the known reposts), how many other pairs
were flagged, and the scores of both. The data is only read, never copied into the project.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from config import DATA_DIR as DATA

FILES = {"a": "achievements-51jishu.jsonl", "n": "needs-51jishu.jsonl"}


def _bands(scores: list[float]) -> str:
    counts = collections.Counter(min(int(s) // 5 * 5, 95) for s in scores)
    return ", ".join(f"{band}–{band + 5}: {counts[band]}" for band in sorted(counts))


def calibrate(kind: str, threshold: float) -> None:
    from webapp.core.text import normalise
    from webapp.dedupe import services
    from webapp.extensions import db
    from webapp.listings.index import reindex
    from webapp.listings.kinds import model_for
    from webapp.listings.models import DuplicateCandidate, ListingStatus

    model = model_for(kind)
    text_field = "summary" if kind == "a" else "description"
    listings = []
    with (DATA / FILES[kind]).open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            title = normalise(record.get("name"))[:200]
            if not title:
                continue
            item = model(
                title=title,
                status=ListingStatus.PUBLISHED,
                published_at=sa.func.now(),
                keywords=[],
                **{text_field: normalise(record.get("description")) or title},
            )
            if kind == "a":
                item.patents = []
            listings.append(item)
    db.session.add_all(listings)
    db.session.flush()
    for item in listings:
        reindex(item)
    db.session.commit()
    started = time.perf_counter()
    found = services.flag_many(kind, [item.id for item in listings], threshold=threshold)
    db.session.commit()
    took = time.perf_counter() - started
    titles = {item.id: item.title for item in listings}
    groups = collections.Counter(titles.values())
    pairs = db.session.scalars(sa.select(DuplicateCandidate).where(DuplicateCandidate.kind == kind)).all()
    same = [p.score for p in pairs if titles[p.listing_id] == titles[p.other_id]]
    other = [p.score for p in pairs if titles[p.listing_id] != titles[p.other_id]]
    name = "achievements" if kind == "a" else "needs"
    print(f"\n{name}: {len(listings):,} listings, flagged in {took:.0f}s ({took / len(listings) * 1000:.1f} ms each)")
    print(f"  pairs flagged: {found}")
    print(
        f"  same title:   {len(same)} of {sum(n * (n - 1) // 2 for n in groups.values())} such pairs; scores {_bands(same)}"
    )
    print(f"  other titles: {len(other)}; scores {_bands(other)}")
    involved = {p.listing_id for p in pairs} | {p.other_id for p in pairs}
    print(f"  listings in a flagged pair: {len(involved)}")


def main() -> None:
    from webapp.dedupe.similarity import THRESHOLD

    parser = argparse.ArgumentParser(prog="python -m bench.dedupe_calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"no shared data at {DATA}")
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="jiebang-dedupe-calibrate-"))
    try:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/real.sqlite3", MAIL_FOLDER=str(tmp))
        with app.app_context():
            upgrade()
            print(f"threshold {args.threshold:.0f}")
            for kind in FILES:
                calibrate(kind, args.threshold)
            db.session.remove()
            db.engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
