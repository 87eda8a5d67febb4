"""Values the web keeps for itself in the settings table (its secret key and the like)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from agent.clock import utc_iso

__all__ = ["KeptValueQueries"]


class KeptValueQueries:
    """Mixed into Store."""

    # ---- settings the web keeps for itself -------------------------------------------------

    def setting_value(self, key: str) -> Any:
        """One setting's value, or None when the key is absent."""
        rows = self._rows("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0]["value"]) if rows else None

    def setting_or_create(self, key: str, make: Callable[[], Any], now: datetime) -> Any:
        """The stored value of key; the first caller stores make() (two processes agree on one)."""
        with self._write() as conn:
            conn.execute("INSERT OR IGNORE INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
                         (key, json.dumps(make()), utc_iso(now)))
            return json.loads(conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()["value"])
