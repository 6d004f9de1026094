"""The shapes of a negotiation room in the JSON API."""

from __future__ import annotations

from marshmallow import Schema, fields


class RoomFileOut(Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "In bytes."})
    uploaded_by = fields.String(allow_none=True)
    uploaded_at = fields.DateTime(required=True)
    url = fields.String(required=True, metadata={"description": "Its download on the room's page (a session)."})


class RoomMessageOut(Schema):
    id = fields.Integer(required=True)
    reply_to = fields.Integer(allow_none=True, metadata={"description": "The message this one answers."})
    depth = fields.Integer(required=True, metadata={"description": "0 for a thread's first message."})
    author = fields.String(allow_none=True)
    body = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    files = fields.List(fields.Nested(RoomFileOut), required=True)


class NextStepOut(Schema):
    text = fields.String(required=True)
    due_on = fields.Date(required=True, metadata={"description": "A day of Beijing's calendar."})
    set_by = fields.String(allow_none=True)
    set_at = fields.DateTime(required=True)


class TermsOut(Schema):
    version = fields.Integer(required=True, metadata={"description": "0 for the platform's default text."})
    text = fields.String(required=True, metadata={"description": "The 保密承诺 in force, in the request's language."})
    accepted_at = fields.DateTime(
        allow_none=True, metadata={"description": "When the room's enterprise accepted this version (null: not yet)."}
    )


class RoomOut(Schema):
    introduction_id = fields.Integer(required=True)
    url = fields.String(required=True, metadata={"description": "The room's page."})
    achievement = fields.String(required=True, metadata={"description": "The achievement's title."})
    need = fields.String(required=True, metadata={"description": "The need's title."})
    closed = fields.Boolean(required=True, metadata={"description": "A closed introduction's room is read-only."})
    messages = fields.List(
        fields.Nested(RoomMessageOut),
        required=True,
        metadata={"description": "Threads in order, replies under their message."},
    )
    files = fields.List(
        fields.Nested(RoomFileOut), required=True, metadata={"description": "Files kept on the room itself."}
    )
    next_step = fields.Nested(NextStepOut, allow_none=True, required=True)
    next_step_history = fields.List(
        fields.Nested(NextStepOut), required=True, metadata={"description": "Newest first."}
    )
    last_activity = fields.DateTime(required=True)
    terms = fields.Nested(TermsOut, required=True)
