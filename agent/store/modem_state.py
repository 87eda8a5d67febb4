"""What the agent last knew of the modem (signal, operator, hearing or not), for the web UI."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from agent.clock import utc_iso
from agent.store.transaction import Transaction

__all__ = ["ModemStateQueries"]


class ModemStateQueries:
    """Mixed into Store."""

    def set_modem_state(self, now: datetime, tx: Transaction | None = None, **values: Any) -> None:
        with self._write_in(tx) as conn:
            for key, value in values.items():
                conn.execute("INSERT INTO modem_state (key, value, updated_at) VALUES (?, ?, ?)"
                             " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                             (key, json.dumps(value), utc_iso(now)))

    def modem_state(self) -> dict[str, Any]:
        return {row["key"]: json.loads(row["value"]) for row in self._rows("SELECT key, value FROM modem_state")}

    def modem_state_times(self) -> dict[str, str]:
        """When the agent last wrote each modem_state key (UTC ISO)."""
        return {row["key"]: row["updated_at"] for row in self._rows("SELECT key, updated_at FROM modem_state")}
