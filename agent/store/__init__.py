"""All SQL lives here. SQLite is the single source of truth shared by the agent and the web UI."""

from agent.store.database import Store
from agent.store.records import CallRecord, History, OutMessage

__all__ = ["Store", "CallRecord", "History", "OutMessage"]
