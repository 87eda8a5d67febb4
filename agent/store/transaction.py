"""The handle of an open write transaction: given out by Store.transaction(), given back to the
store's own methods. It runs no SQL for anyone outside agent/store."""

from __future__ import annotations

import sqlite3

__all__ = ["Transaction", "connection_of"]


class Transaction:
    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def __repr__(self) -> str:
        return "<open TextBack transaction>"


def connection_of(tx: Transaction | sqlite3.Connection) -> sqlite3.Connection:
    """The connection under a transaction handle (store modules only)."""
    return tx._conn if isinstance(tx, Transaction) else tx
