"""The shapes the API reads and writes, each field documented (they make the OpenAPI document).
Dumping takes plain dicts built by the operations (webapp.api.listings and the others), where the visibility rules are applied."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from webapp.listings.models import CoopMode, ListingStatus, Maturity
from webapp.listings.search import SORTS

PROBLEM_JSON = "application/problem+json"
MAX_LIMIT = 100
DEFAULT_LIMIT = 20


class Paging(Schema):
    """The paging every list takes: a page of `limit` items, then the next from `cursor`."""

    cursor = fields.String(
        validate=validate.Length(max=500), metadata={"description": "next_cursor of the previous page."}
    )
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": "Items per page, 1–100."},
    )


class ListQuery(Paging):
    q = fields.String(
        load_default="", validate=validate.Length(max=100), metadata={"description": "Keywords, as the search box."}
    )
    field = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "A technical field id (see /taxonomy); its sub-fields are included."},
    )
    maturity = fields.String(
        validate=validate.OneOf([m.value for m in Maturity]),
        metadata={"description": "Maturity (for needs: the expected maturity)."},
    )
    coop = fields.String(
        validate=validate.OneOf([m.value for m in CoopMode]), metadata={"description": "Cooperation mode."}
    )
    org = fields.String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": "Part of the institution's or organisation's name (hidden posters never match)."},
    )
    amount_min = fields.Integer(
        validate=validate.Range(min=0, max=10**12), metadata={"description": "Price or budget from, in 元."}
    )
    amount_max = fields.Integer(
        validate=validate.Range(min=0, max=10**12), metadata={"description": "Price or budget up to, in 元."}
    )
    posted_from = fields.Date(metadata={"description": "Published on or after this day (Beijing time)."})
    posted_to = fields.Date(metadata={"description": "Published on or before this day (Beijing time)."})
    sort = fields.String(
        validate=validate.OneOf(SORTS),
        metadata={"description": "Order; default relevance with q, newest without."},
    )


class FieldRef(Schema):
    id = fields.Integer(required=True, metadata={"description": "Technical field id."})
    code = fields.String(required=True, metadata={"description": "Field code."})
    name = fields.String(required=True, metadata={"description": "Name in the request's language."})


class Money(Schema):
    """One amount (a bounty, a budget, a total)."""

    yuan = fields.Integer(required=True, metadata={"description": "Whole 元."})
    text = fields.String(required=True, metadata={"description": "As the pages show it (万元, or ¥ in English)."})


class Amount(Schema):
    min = fields.Integer(allow_none=True, metadata={"description": "Lower end in 元; null = negotiable."})
    max = fields.Integer(allow_none=True, metadata={"description": "Upper end in 元; null = negotiable."})
    text = fields.String(required=True, metadata={"description": "As the pages show it (万元, or negotiable)."})


class ListingBase(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    keywords = fields.List(fields.String(), required=True)
    field = fields.Nested(FieldRef, allow_none=True, metadata={"description": "Technical field."})
    coop_modes = fields.List(fields.String(validate=validate.OneOf([m.value for m in CoopMode])), required=True)
    published_at = fields.DateTime(allow_none=True, metadata={"description": "When it went public (ISO 8601)."})
    posted_on = fields.Date(allow_none=True, metadata={"description": "The date given by the source, if any."})
    url = fields.String(required=True, metadata={"description": "The public page."})
    status = fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in ListingStatus]),
        metadata={"description": "draft, submitted (in review), published, returned (for changes) or offline."},
    )
    moderation_reason = fields.String(
        allow_none=True,
        metadata={"description": "Why a reviewer returned or took it down (its owner and admins only)."},
    )


class AchievementOut(ListingBase):
    summary = fields.String(required=True)
    scenarios = fields.String(allow_none=True, metadata={"description": "Application scenarios."})
    maturity = fields.String(allow_none=True, validate=validate.OneOf([m.value for m in Maturity]))
    trl = fields.Integer(allow_none=True, metadata={"description": "Technology readiness level 1–9."})
    patents = fields.List(fields.String(), required=True)
    price = fields.Nested(Amount, required=True)
    institution = fields.String(allow_none=True, metadata={"description": "University or institute."})
    team = fields.String(allow_none=True)
    has_confidential_part = fields.Boolean(
        required=True, metadata={"description": "Whether it has details shared only on request."}
    )
    confidential = fields.String(
        allow_none=True,
        metadata={"description": "Those details: only for the owner, admins and people the owner granted access."},
    )


class NeedOut(ListingBase):
    description = fields.String(required=True)
    indicators = fields.String(allow_none=True, metadata={"description": "Technical indicators."})
    expected_maturity = fields.String(allow_none=True, validate=validate.OneOf([m.value for m in Maturity]))
    budget = fields.Nested(Amount, required=True)
    deadline = fields.Date(allow_none=True)
    identity_shown = fields.Boolean(
        required=True, metadata={"description": "Whether the caller sees who posted it (else it is de-identified)."}
    )
    poster = fields.String(
        required=True, metadata={"description": "The organisation, or a de-identified label such as 某企业（津南区）."}
    )
    organisation = fields.String(allow_none=True, metadata={"description": "Null when de-identified."})
    contact_name = fields.String(allow_none=True, metadata={"description": "Null when de-identified."})
    contact_phone = fields.String(allow_none=True, metadata={"description": "Null when de-identified."})


class Page(Schema):
    next_cursor = fields.String(
        allow_none=True, required=True, metadata={"description": "Pass as cursor for the next page; null at the end."}
    )


class AchievementPage(Page):
    items = fields.List(fields.Nested(AchievementOut), required=True)


class NeedPage(Page):
    items = fields.List(fields.Nested(NeedOut), required=True)


class FieldNode(FieldRef):
    name_zh = fields.String(required=True, metadata={"description": "The Chinese name."})
    name_en = fields.String(allow_none=True, metadata={"description": "The English name, if given."})
    children = fields.List(fields.Nested(FieldRef), required=True, metadata={"description": "Sub-fields in order."})


class Taxonomy(Schema):
    fields_ = fields.List(fields.Nested(FieldNode), required=True, data_key="fields")


class Problem(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Messages per location and field (validation failures)."})


class ListingIn(Schema):
    """What creating or replacing a listing sends: raw values, checked by the same rules as the
    forms and the importer (their messages come back per field)."""

    title = fields.String(required=True, validate=validate.Length(max=1000))
    field = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "A technical field id (see /taxonomy)."},
    )
    keywords = fields.List(
        fields.String(validate=validate.Length(max=200)), load_default=list, validate=validate.Length(max=100)
    )
    coop_modes = fields.List(
        fields.String(validate=validate.OneOf([m.value for m in CoopMode])),
        load_default=list,
        validate=validate.Length(max=10),
    )
    submit = fields.Boolean(
        load_default=False, metadata={"description": "Also submit it for review (as “Save and submit”)."}
    )


TEXT = {"validate": validate.Length(max=100_000), "load_default": None, "allow_none": True}


class AchievementIn(ListingIn):
    summary = fields.String(required=True, validate=validate.Length(max=100_000))
    maturity = fields.String(load_default=None, allow_none=True, validate=validate.OneOf([m.value for m in Maturity]))
    trl = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=9))
    patents = fields.List(
        fields.String(validate=validate.Length(max=100)),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "Patent or application numbers, e.g. ZL201720001285.X, CN112345678A."},
    )
    price = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"description": "In 万元 as on the form and in imports: 80, 50-100, or 面议 (negotiable)."},
    )
    institution = fields.String(
        validate=validate.Length(max=1000),
        load_default=None,
        allow_none=True,
        metadata={"description": "University or institute (ignored when the account belongs to one)."},
    )
    team = fields.String(validate=validate.Length(max=1000), load_default=None, allow_none=True)
    scenarios = fields.String(**TEXT)
    confidential = fields.String(
        **TEXT, metadata={"description": "Shown only to the owner, admins and people the owner grants access."}
    )


class NeedIn(ListingIn):
    description = fields.String(required=True, validate=validate.Length(max=100_000))
    indicators = fields.String(**TEXT)
    expected_maturity = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf([m.value for m in Maturity])
    )
    budget = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"description": "In 万元 as on the form and in imports: 80, 50-100, or 面议 (negotiable)."},
    )
    deadline = fields.Date(load_default=None, allow_none=True)
    organisation = fields.String(
        validate=validate.Length(max=1000),
        load_default=None,
        allow_none=True,
        metadata={"description": "The organisation's name (ignored when the account belongs to one)."},
    )
    show_identity = fields.Boolean(
        load_default=False, metadata={"description": "Show the organisation and contact publicly (else de-identified)."}
    )
    contact_name = fields.String(validate=validate.Length(max=100), load_default=None, allow_none=True)
    contact_phone = fields.String(validate=validate.Length(max=30), load_default=None, allow_none=True)


class MineQuery(Paging):
    cursor = fields.String(
        validate=validate.Regexp(r"^[1-9][0-9]{0,9}$"), metadata={"description": "next_cursor of the previous page."}
    )
