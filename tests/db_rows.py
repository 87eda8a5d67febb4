"""Read what the database holds, the way an outside reader would: its own read-only connection.

The store hands out records, never rows; tests that check a table directly use this instead.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def rows(store: Any, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@contextmanager
def db_write(store: Any) -> Iterator[sqlite3.Connection]:
    """Write to the database as another program would (its own connection, one transaction):
    for setting up a state the agent's own code would take hours to reach."""
    conn = sqlite3.connect(store.path, isolation_level=None, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def lock_database(path: Any, seconds: float) -> subprocess.Popen:
    """Another program holds SQLite's write lock for `seconds`; returns once it has it."""
    locker = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, time\n"
        f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
        f"c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep({seconds}); c.execute('COMMIT')\n")],
        stdout=subprocess.PIPE, text=True)
    assert locker.stdout.readline().strip() == "locked"
    return locker
