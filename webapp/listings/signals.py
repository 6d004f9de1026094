"""What happens to listings, announced for the packages above (duplicate finder, matching) that
create_app subscribes. Signals are synchronous: receivers run inside the sender's transaction."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the listing, just moved to SUBMITTED by its owner.
listing_submitted = _signals.signal("listing-submitted")
# sender: the listing, just PUBLISHED by a moderator.
listing_published = _signals.signal("listing-published")
# sender: the listing, just taken out of the library (withdrawn or taken down).
listing_unpublished = _signals.signal("listing-unpublished")
# sender: the listing, a published one just edited (by its owner it went back to review).
published_listing_edited = _signals.signal("published-listing-edited")
# sender: the kind code ("a" or "n"); ids: the listings one import batch wrote; published: whether
# the import publishes its new listings; updated: whether the batch changed existing listings.
listings_imported = _signals.signal("listings-imported")
