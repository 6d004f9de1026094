"""Every notification kind with its text, registered by the domain that sends it (each domain's
texts.py, called from create_app). Parameters are filled in the reader's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping

_TEXTS: dict[str, object] = {}
# Parameters stored as codes and shown in words (e.g. a role), by parameter name.
_PARAMS: dict[str, Callable[[object], object]] = {}


def register_texts(texts: Mapping[str, object], params: Mapping[str, Callable[[object], object]] | None = None) -> None:
    """Add notification kinds with their (lazily translated) texts, and formatters of parameters
    stored as codes; registering the same again changes nothing."""
    _TEXTS.update(texts)
    _PARAMS.update(params or {})


def kinds() -> list[str]:
    return sorted(_TEXTS)


def known(kind: str) -> bool:
    return kind in _TEXTS


def render_text(kind: str, params: dict) -> str:
    template = _TEXTS.get(kind)
    if template is None:
        return kind
    params = {name: _PARAMS[name](value) if name in _PARAMS else value for name, value in params.items()}
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)
