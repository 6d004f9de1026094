"""The shapes of the matching part of the API: the broker's queue and decisions, introductions, and
the suggestions on a listing's own page. The codes (statuses, reject reasons, outcomes, confidence
bands) are the models' enum values, each explained in its field's description."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from webapp.api.schemas import Amount, FieldRef, Page, Paging
from webapp.core.boundary import INT_MAX
from webapp.listings.models import CoopMode, ListingStatus, Maturity
from webapp.matching.explain import BAND_LABELS
from webapp.matching.models import (
    SIDES,
    ConsentAnswer,
    ConsentState,
    IntroductionOutcome,
    RejectReason,
    SuggestionStatus,
)
from webapp.matching.queue import AGES, SORTS

BANDS = list(BAND_LABELS)  # best first
STATUSES = [s.value for s in SuggestionStatus]
REASONS = [r.value for r in RejectReason]
OUTCOMES = [o.value for o in IntroductionOutcome]
CONSENT_ANSWERS = [a.value for a in ConsentAnswer]
CONSENT_STATES = [c.value for c in ConsentState]
CLOSING_OUTCOMES = [o.value for o in IntroductionOutcome if o is not IntroductionOutcome.NEGOTIATING]

BAND_TEXT = (
    "Confidence band of the score under the live weights, with what each has meant on pairs judged by "
    "reading: high (about three in ten such suggestions were worth a look), medium (about one in ten), "
    "low (shares some technical wording only: rarely worth a look, about one in seventy); null below "
    "every band."
)
STATUS_TEXT = (
    "new (waiting for a broker's decision; replaced when the listings are matched again), accepted (the "
    "broker introduced the two owners: an introduction is open) or rejected (with a reason; the pair is "
    "never suggested again)."
)
REASON_TEXT = (
    "Why the broker rejected the pair: field (different technical field), maturity (not mature enough), "
    "budget (budget does not fit the price), existing (the two already cooperate), insufficient (not "
    "enough information to judge), other (say why in the note)."
)
OUTCOME_TEXT = (
    "negotiating (the parties are talking; the introduction is open), deal (they signed), no_deal (they gave up)."
)
CONSENT_TEXT = (
    "Where the introduction stands on the two owners' answers: waiting_need (the need's enterprise has yet "
    "to answer), waiting_achievement (the achievement's researcher has yet to answer), agreed (both agreed: "
    "each sees the other's identity and contacts) or declined (one side declined: closed as no_deal)."
)
NOTE = {"load_default": None, "allow_none": True}
DAYS = validate.Range(min=date(1900, 1, 1), max=date(2199, 12, 31))


class ChoiceString(fields.String):
    """A string whose own error messages (required, null) are lazy translations: they are read in
    the request's language, as the pages' messages are."""

    def make_error(self, key: str, **kwargs) -> ValidationError:
        message = self.error_messages.get(key)
        if message is not None and not isinstance(message, str | bytes):
            return ValidationError(str(message))
        return super().make_error(key, **kwargs)


# -------------------------------------------------------------------------- queries


class SuggestionQuery(Paging):
    """The queue page's filters, plus `since`."""

    field = fields.Integer(
        validate=validate.Range(min=1, max=INT_MAX),
        metadata={
            "description": "The need's or the achievement's technical field (see /taxonomy), sub-fields included."
        },
    )
    institution = fields.String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": "Part of the achievement's institution or organisation name."},
    )
    min_score = fields.Integer(validate=validate.Range(min=0, max=100), metadata={"description": "Score from, 0–100."})
    band = fields.String(
        validate=validate.OneOf(BANDS), metadata={"description": "This confidence band only. " + BAND_TEXT}
    )
    age = fields.Integer(
        validate=validate.OneOf(AGES),
        metadata={"description": "Computed (or computed again) within the last 1, 7 or 30 days."},
    )
    since = fields.Date(
        validate=DAYS,
        metadata={
            "description": "Suggestions first made on or after this day (Beijing time): the week's new "
            "suggestions are since=the day a week ago."
        },
    )
    sort = fields.String(
        load_default="score",
        validate=validate.OneOf(SORTS),
        metadata={"description": "score (highest first, the default) or newest (most recently computed first)."},
    )


class IntroductionQuery(Paging):
    outcome = fields.String(
        validate=validate.OneOf(OUTCOMES), metadata={"description": "This outcome only: " + OUTCOME_TEXT}
    )
    consent = fields.String(
        validate=validate.OneOf(CONSENT_STATES),
        metadata={"description": "In this state only (one waiting for both is waiting for each): " + CONSENT_TEXT},
    )


# -------------------------------------------------------------------------- bodies


class AcceptIn(Schema):
    note = fields.String(
        **NOTE,
        validate=validate.Length(max=1000),
        metadata={"description": "To both parties: why they should talk and what to prepare. Both owners read it."},
    )


class RejectIn(Schema):
    reason = ChoiceString(
        required=True,
        validate=validate.OneOf(REASONS),
        error_messages={"required": _l("Choose a reason."), "null": _l("Choose a reason.")},
        metadata={"description": REASON_TEXT},
    )
    note = fields.String(
        **NOTE,
        validate=validate.Length(max=1000),
        metadata={"description": "A note on the decision; required with the reason other."},
    )

    @validates_schema
    def note_for_other(self, data, **kwargs):
        """As the page's form: the reason "other" says why."""
        if data.get("reason") == RejectReason.OTHER.value and not (data.get("note") or "").strip():
            raise ValidationError(_("Say why when the reason is “Other”."), "note")


class ConsentIn(Schema):
    answer = ChoiceString(
        required=True,
        validate=validate.OneOf(CONSENT_ANSWERS),
        error_messages={"required": _l("Choose an answer."), "null": _l("Choose an answer.")},
        metadata={"description": "accepted (you agree to be introduced) or declined (with a reason)."},
    )
    reason = ChoiceString(
        **NOTE,
        validate=validate.OneOf(REASONS),
        metadata={
            "description": "Required to decline (checked once the caller may answer). "
            + REASON_TEXT.replace("the broker rejected", "you decline")
        },
    )
    message = fields.String(
        **NOTE,
        validate=validate.Length(max=1000),
        metadata={
            "description": "To the broker, and to the other side once both agreed (a decline's note stays "
            "with the broker); required with the reason other. With side: required, how and from whom "
            "the answer was obtained (e.g. by phone with the manager, on which day)."
        },
    )
    side = ChoiceString(
        **NOTE,
        validate=validate.OneOf(SIDES),
        metadata={
            "description": "need or achievement: the introduction's broker or an admin records the answer "
            "a side whose listing has no owner account gave outside the platform (403 when that side has "
            "an owner). Leave it out to answer for your own side."
        },
    )


class OutcomeIn(Schema):
    outcome = ChoiceString(
        required=True,
        validate=validate.OneOf(CLOSING_OUTCOMES),
        error_messages={"required": _l("Choose an outcome."), "null": _l("Choose an outcome.")},
        metadata={"description": "deal (they signed) or no_deal (they gave up)."},
    )
    note = fields.String(**NOTE, validate=validate.Length(max=2000), metadata={"description": "A note on the outcome."})


# -------------------------------------------------------------------------- answers


class Reason(Schema):
    part = fields.String(required=True, metadata={"description": "The part of the score: keywords, field, budget …"})
    label = fields.String(required=True, metadata={"description": "Its short name, as the page shows it."})
    text = fields.String(
        required=True, metadata={"description": "What it rests on, e.g. “Same technical field (新能源汽车)”."}
    )
    value = fields.Float(required=True, metadata={"description": "Points it adds to the score (negative: takes away)."})
    signed = fields.String(required=True, metadata={"description": "The points as the page shows them: +5, −10, 0."})


class ListingRef(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "The listing's page."})


class PosterMixin(Schema):
    identity_shown = fields.Boolean(
        required=True,
        metadata={"description": "Whether the page shows who posted the need (else it is de-identified)."},
    )
    poster = fields.String(
        required=True, metadata={"description": "The organisation, or a de-identified label such as 某企业（津南区）."}
    )
    organisation = fields.String(allow_none=True, metadata={"description": "Null when de-identified."})


class MatchedListing(ListingRef):
    status = fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in ListingStatus]),
        metadata={"description": "draft, submitted, published, returned or offline."},
    )
    field = fields.Nested(FieldRef, allow_none=True, metadata={"description": "Technical field."})
    keywords = fields.List(fields.String(), required=True)
    coop_modes = fields.List(fields.String(validate=validate.OneOf([m.value for m in CoopMode])), required=True)


class MatchedNeed(MatchedListing, PosterMixin):
    """The need as the broker's page shows it."""

    description = fields.String(required=True)
    indicators = fields.String(allow_none=True, metadata={"description": "Technical indicators."})
    budget = fields.Nested(Amount, required=True)
    expected_maturity = fields.String(allow_none=True, validate=validate.OneOf([m.value for m in Maturity]))


class MatchedAchievement(MatchedListing):
    """The achievement as the broker's page shows it (never its confidential part)."""

    summary = fields.String(required=True)
    scenarios = fields.String(allow_none=True, metadata={"description": "Application scenarios."})
    price = fields.Nested(Amount, required=True)
    maturity = fields.String(allow_none=True, validate=validate.OneOf([m.value for m in Maturity]))
    institution = fields.String(allow_none=True, metadata={"description": "University or institute."})


class BandMixin(Schema):
    score = fields.Float(required=True, metadata={"description": "0–100."})
    band = fields.String(allow_none=True, validate=validate.OneOf(BANDS), metadata={"description": BAND_TEXT})
    band_label = fields.String(required=True, metadata={"description": "The band's name in the request's language."})


class Decision(Schema):
    reason = fields.String(allow_none=True, validate=validate.OneOf(REASONS), metadata={"description": REASON_TEXT})
    reason_label = fields.String(allow_none=True, metadata={"description": "The reason in the request's language."})
    note = fields.String(allow_none=True)
    decided_at = fields.DateTime(required=True)
    decided_by = fields.String(allow_none=True, metadata={"description": "The broker's name."})


class SuggestionOut(BandMixin):
    id = fields.Integer(required=True)
    url = fields.String(required=True, metadata={"description": "The suggestion's page for brokers."})
    band_meaning = fields.String(required=True, metadata={"description": "What the band has meant, in words."})
    status = fields.String(required=True, validate=validate.OneOf(STATUSES), metadata={"description": STATUS_TEXT})
    created_at = fields.DateTime(required=True, metadata={"description": "When the pair was first suggested."})
    computed_at = fields.DateTime(required=True, metadata={"description": "When its score was last computed."})
    terms = fields.List(fields.String(), required=True, metadata={"description": "The technical terms both share."})
    reasons = fields.List(
        fields.Nested(Reason), required=True, metadata={"description": "Each part of the score and what it rests on."}
    )
    need = fields.Nested(
        MatchedNeed,
        required=True,
        metadata={
            "description": "De-identified as the pages show it: in the queue unless its enterprise shows who it "
            "is; on one suggestion brokers and admins see the organisation. Its contact never."
        },
    )
    achievement = fields.Nested(MatchedAchievement, required=True)
    decision = fields.Nested(Decision, allow_none=True, metadata={"description": "Null while new."})
    introduction_id = fields.Integer(allow_none=True, metadata={"description": "The introduction, once accepted."})


class SuggestionPage(Page):
    items = fields.List(fields.Nested(SuggestionOut), required=True)


class IntroNeed(ListingRef):
    poster = fields.String(
        required=True,
        metadata={
            "description": "The organisation, or its de-identified label (某企业) to the researcher until both "
            "sides agreed (unless the enterprise shows who it is)."
        },
    )
    contact_name = fields.String(
        allow_none=True, metadata={"description": "On one introduction only; to the researcher once both agreed."}
    )
    contact_phone = fields.String(
        allow_none=True, metadata={"description": "On one introduction only; to the researcher once both agreed."}
    )


class IntroAchievement(ListingRef):
    institution = fields.String(allow_none=True, metadata={"description": "University or institute."})
    contact_name = fields.String(
        allow_none=True,
        metadata={"description": "The owner; on one introduction only; to the enterprise once both agreed."},
    )
    contact_phone = fields.String(
        allow_none=True, metadata={"description": "On one introduction only; to the enterprise once both agreed."}
    )


class ConsentOut(Schema):
    answer = fields.String(
        allow_none=True,
        validate=validate.OneOf(CONSENT_ANSWERS),
        metadata={"description": "accepted, declined, or null while this side has not answered."},
    )
    answer_label = fields.String(allow_none=True, metadata={"description": "The answer in the request's language."})
    answered_at = fields.DateTime(allow_none=True)
    message = fields.String(
        allow_none=True,
        metadata={
            "description": "This side's message: to that side, brokers and admins, and to the other side once "
            "both agreed."
        },
    )
    recorded_by = fields.String(
        allow_none=True,
        metadata={
            "description": "The broker or admin who recorded this answer on behalf of a side without an owner "
            "account (its message says how it was obtained); null when the side answered itself."
        },
    )


class IntroductionOut(BandMixin):
    id = fields.Integer(required=True)
    url = fields.String(required=True, metadata={"description": "The introduction's page."})
    suggestion_id = fields.Integer(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES), metadata={"description": OUTCOME_TEXT})
    outcome_label = fields.String(required=True, metadata={"description": "The outcome in the request's language."})
    note = fields.String(allow_none=True, metadata={"description": "The broker's note to both parties."})
    outcome_note = fields.String(allow_none=True)
    broker = fields.String(allow_none=True, metadata={"description": "The broker who made it."})
    created_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(allow_none=True, metadata={"description": "When the outcome was recorded."})
    terms = fields.List(fields.String(), required=True)
    reasons = fields.List(
        fields.Nested(Reason), required=True, metadata={"description": "Why they were introduced (parts that count)."}
    )
    need = fields.Nested(IntroNeed, required=True)
    achievement = fields.Nested(IntroAchievement, required=True)
    may_set_outcome = fields.Boolean(
        required=True, metadata={"description": "Whether the caller records the outcome (its broker, admins)."}
    )
    agreed = fields.Boolean(
        required=True, metadata={"description": "Both sides agreed: each sees the other's identity and contacts."}
    )
    consent = fields.List(
        fields.String(validate=validate.OneOf(CONSENT_STATES)), required=True, metadata={"description": CONSENT_TEXT}
    )
    need_answer = fields.Nested(
        ConsentOut, required=True, metadata={"description": "The answer of the need's owner (the enterprise)."}
    )
    achievement_answer = fields.Nested(
        ConsentOut, required=True, metadata={"description": "The answer of the achievement's owner (the researcher)."}
    )
    decline_reason = fields.String(
        allow_none=True, validate=validate.OneOf(REASONS), metadata={"description": "Why one side declined."}
    )
    your_side = fields.String(
        allow_none=True,
        validate=validate.OneOf(SIDES),
        metadata={"description": "need or achievement when the caller owns one of the two listings, else null."},
    )
    may_answer = fields.Boolean(
        required=True,
        metadata={"description": "Whether the caller may still answer for their own side (POST …/consent)."},
    )
    may_answer_sides = fields.List(
        fields.String(validate=validate.OneOf(SIDES)),
        required=True,
        metadata={
            "description": "The sides without an answer yet that the caller may answer now (POST …/consent): an "
            "owner's own side; for its broker and admins, each side whose listing has no owner account (with "
            "`side`). Empty once closed."
        },
    )


class IntroductionPage(Page):
    items = fields.List(fields.Nested(IntroductionOut), required=True)


class ListingSuggestion(BandMixin):
    id = fields.Integer(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf([SuggestionStatus.NEW.value, SuggestionStatus.ACCEPTED.value]),
        metadata={"description": "new (a broker has yet to review it) or accepted (introduced)."},
    )
    terms = fields.List(fields.String(), required=True, metadata={"description": "The technical terms both share."})
    created_at = fields.DateTime(
        required=True,
        metadata={"description": "When the pair was first suggested (to read a week's new matches)."},
    )
    introduction_id = fields.Integer(allow_none=True, metadata={"description": "The introduction, once accepted."})


class NeedRef(ListingRef):
    poster = fields.String(
        required=True, metadata={"description": "The organisation if it shows who it is, else 某企业（津南区）…"}
    )


class AchievementRef(ListingRef):
    institution = fields.String(allow_none=True, metadata={"description": "University or institute."})


class SuggestionForNeed(ListingSuggestion):
    achievement = fields.Nested(AchievementRef, required=True)


class SuggestionForAchievement(ListingSuggestion):
    need = fields.Nested(NeedRef, required=True)


class NeedSuggestions(Schema):
    items = fields.List(fields.Nested(SuggestionForNeed), required=True, metadata={"description": "Best first."})


class AchievementSuggestions(Schema):
    items = fields.List(fields.Nested(SuggestionForAchievement), required=True, metadata={"description": "Best first."})
