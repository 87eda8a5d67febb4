"""A form's "settings as of" stamp, so a page open in two windows cannot quietly undo a save.

The page carries, in a hidden field, a fingerprint of the saved values it was filled from. When it
is sent back, the values saved now are fingerprinted again: a different fingerprint means someone
saved this page from another window (or phone) in between. The view then saves nothing, answers
409 and shows both what was typed and what is saved now, with a fresh stamp, so a second Save is
a choice made knowing what it replaces. A form without the field (a page from before the field
existed) is saved as before.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

__all__ = ["FIELD", "stamp", "is_stale", "CHANGED_ELSEWHERE"]

FIELD = "as_of"
CHANGED_ELSEWHERE = ("These settings were changed in another window (or on another phone) after you opened this page, "
                     "so nothing was saved: what you typed is kept below, with what is saved now under each "
                     "field that differs. Save again to replace what is saved with what you typed.")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def stamp(values: dict[str, Any]) -> str:
    """The fingerprint of the saved values a form shows (plain data, tuples and dataclasses too)."""
    text = json.dumps(_plain(values), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def is_stale(sent: str | None, values: dict[str, Any]) -> bool:
    """The form was filled from other values than those saved now (a missing stamp is never stale)."""
    return bool(sent) and not hmac.compare_digest(sent.encode(), stamp(values).encode())
