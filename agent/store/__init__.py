"""All SQL lives here. SQLite is the single source of truth shared by the agent and the web UI."""

import sqlite3
from collections.abc import Mapping
from typing import Any

from agent.store.database import Store
from agent.store.records import CallRecord, History, OutMessage

# An open write transaction, handed out by Store.transaction() and given back to the store's own
# methods; callers never run SQL on it. A part row reads like a mapping (part["seq"]).
Transaction = sqlite3.Connection
PartRow = Mapping[str, Any]

__all__ = ["Store", "CallRecord", "History", "OutMessage", "Transaction", "PartRow"]
