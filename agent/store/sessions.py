"""Web sessions and the first-run setup code (the owner's login state, server-side)."""

from __future__ import annotations

__all__ = ["SessionQueries", "SCHEMA"]

# Migration 4 (see schema.py): the tables this module reads and writes.
SCHEMA = """
CREATE TABLE IF NOT EXISTS web_sessions_placeholder (id INTEGER PRIMARY KEY);
"""


class SessionQueries:
    """Mixed into Store: self.conn, self.lock, self.transaction() come from it."""
