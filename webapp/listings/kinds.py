"""The kinds of listing (achievements, needs). Their packages register their models from create_app,
so code that covers every kind (search, the moderation queue) never imports them."""

from __future__ import annotations

from webapp.taxonomy.services import register_field_user

_MODELS: dict[str, type] = {}


def register(model: type) -> None:
    """Add a listing model (its KIND is the key); registering one twice changes nothing. Its field
    counts as a use of the technical field, which cannot be deleted while a listing uses it."""
    _MODELS[model.KIND] = model
    register_field_user(model)


def model_for(kind: str) -> type:
    return _MODELS[kind]


def models() -> list[type]:
    """Every registered listing model, in the order registered."""
    return list(_MODELS.values())
