"""Read what the database holds, the way an outside reader would: its own read-only connection.

The store hands out records, never rows; tests that check a table directly use this instead.
"""

from __future__ import annotations

import sqlite3
from typing import Any


def rows(store: Any, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
