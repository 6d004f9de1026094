"""The shapes of the caller's notifications, their delivery settings and what they follow, in the
JSON API. The categories and deliveries documented are read from webapp.notifications.preferences."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from webapp.api.challenge_schemas import NO_NUL
from webapp.api.schemas import FieldRef, MineQuery, Page
from webapp.core.boundary import INT_MAX
from webapp.notifications.models import Delivery
from webapp.notifications.preferences import CATEGORIES
from webapp.subscriptions.services import FIELDS_MAX, KEYWORD_MAX, KEYWORDS_MAX

DELIVERIES = [d.value for d in Delivery]
DELIVERY_TEXT = (
    "app (in the app only), instant (in the app and by e-mail at once), daily or weekly (in the app and in "
    "the daily or weekly digest e-mail), off (not at all, not even in the app)."
)
IDS_MAX = 100

# ---------------------------------------------------------------------------- notifications


class NotificationQuery(MineQuery):
    unread = fields.Boolean(load_default=False, metadata={"description": "true: only the notifications not read yet."})


class NotificationOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "What happened, as a code (challenge.won)."})
    category = fields.String(
        allow_none=True,
        validate=validate.OneOf([c.code for c in CATEGORIES]),
        metadata={"description": "The settings' category it belongs to (see /me/notification-settings)."},
    )
    text = fields.String(
        required=True, metadata={"description": "As the notifications page shows it, in the request's language."}
    )
    link = fields.String(allow_none=True, metadata={"description": "The page it is about, a path on the site."})
    url = fields.String(
        required=True,
        metadata={"description": "Where the page's “Open” leads: the link on this site, else the notifications page."},
    )
    created_at = fields.DateTime(required=True)
    read = fields.Boolean(required=True)
    read_at = fields.DateTime(allow_none=True, metadata={"description": "When it was read; null while unread."})


class NotificationPage(Page):
    items = fields.List(fields.Nested(NotificationOut), required=True)
    unread = fields.Integer(required=True, metadata={"description": "How many of the caller's are unread (the bell)."})


class MarkReadIn(Schema):
    ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=INT_MAX)),
        validate=validate.Length(min=1, max=IDS_MAX),
        metadata={"description": "The notifications to mark read, each the caller's own (else 422, nothing marked)."},
    )
    all = fields.Boolean(load_default=False, metadata={"description": "true: mark every notification read."})

    @validates_schema
    def one_of_the_two(self, data, **kwargs):
        if bool(data.get("ids")) == bool(data.get("all")):
            raise ValidationError(_("Send either ids or all: true."), "ids")


class MarkReadOut(Schema):
    marked = fields.Integer(required=True, metadata={"description": "How many were unread and are now read."})
    unread = fields.Integer(required=True, metadata={"description": "How many are still unread."})


# ---------------------------------------------------------------------------- settings


class ChoiceOut(Schema):
    delivery = fields.String(required=True, validate=validate.OneOf(DELIVERIES))
    label = fields.String(required=True, metadata={"description": "As the settings page words it."})


class CategoryOut(Schema):
    code = fields.String(required=True, validate=validate.OneOf([c.code for c in CATEGORIES]))
    label = fields.String(required=True, metadata={"description": "In the request's language."})
    hint = fields.String(required=True, metadata={"description": "What it holds, as the settings page says."})
    delivery = fields.String(
        required=True, validate=validate.OneOf(DELIVERIES), metadata={"description": DELIVERY_TEXT}
    )
    choices = fields.List(
        fields.Nested(ChoiceOut), required=True, metadata={"description": "The deliveries this category allows."}
    )
    can_switch_off = fields.Boolean(
        required=True, metadata={"description": "Whether off is among them (never for account and security)."}
    )


class SettingsOut(Schema):
    email_notifications = fields.Boolean(
        required=True,
        metadata={
            "description": "E-mail is on in the caller's profile; while it is off, every delivery but off means "
            "in the app only."
        },
    )
    categories = fields.List(fields.Nested(CategoryOut), required=True)


class SettingsIn(Schema):
    categories = fields.Dict(
        keys=fields.String(validate=validate.Length(max=100)),
        values=fields.String(validate=validate.Length(max=100)),
        required=True,
        validate=lambda chosen: len(chosen) <= len(CATEGORIES),
        metadata={
            "maxProperties": len(CATEGORIES),
            "description": "Category code → delivery, for the categories to change (the others stay). An unknown "
            "category or delivery, or one its category does not allow (off for account), is a 422 naming it, "
            "and nothing is saved. " + DELIVERY_TEXT,
            "properties": {
                c.code: {"type": "string", "enum": [d.value for d in c.choices], "description": str(c.hint)}
                for c in CATEGORIES
            },
            "example": {"deals": "weekly", "subscriptions": "instant"},
        },
    )


# ---------------------------------------------------------------------------- subscriptions


class SubscriptionsOut(Schema):
    fields_ = fields.List(
        fields.Nested(FieldRef),
        required=True,
        data_key="fields",
        metadata={"description": "The technical fields followed (a field includes the fields under it)."},
    )
    keywords = fields.List(fields.String(), required=True, metadata={"description": "The keywords followed."})


class SubscriptionsIn(Schema):
    field_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=INT_MAX)),
        required=True,
        validate=validate.Length(max=100),
        metadata={"description": f"Technical field ids (see /taxonomy), at most {FIELDS_MAX}."},
    )
    keywords = fields.List(
        fields.String(validate=[validate.Length(max=1000), NO_NUL]),
        required=True,
        validate=validate.Length(max=100),
        metadata={
            "description": f"At most {KEYWORDS_MAX}, each at most {KEYWORD_MAX} characters, read as the settings "
            "page reads its box: text with commas, 、 or spaces is several keywords; duplicates are dropped."
        },
    )
