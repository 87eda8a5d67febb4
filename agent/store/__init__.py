"""All SQL lives here. SQLite is the single source of truth shared by the agent and the web UI.

What leaves this package is a record (records.py, frozen dataclasses) or a plain value, never a
row, a cursor or a connection. Writes that must commit together take a Transaction from
Store.transaction().
"""

from agent.store.conversations import Conversation
from agent.store.database import Store
from agent.store.downtime import Downtime, UnheardCall
from agent.store.records import (PageCursor, CallListing, CallRecord, DeliveryReport, Exclusion, FollowupDue, History,
                                 InboundPart, Message, OptOut, UnreadablePdu)
from agent.store.reports import Dashboard, DayCount
from agent.store.transaction import Transaction

__all__ = ["Store", "Transaction", "PageCursor", "CallRecord", "CallListing", "History", "Message", "OptOut", "Exclusion",
           "InboundPart", "UnreadablePdu", "DeliveryReport", "FollowupDue", "Conversation", "Dashboard",
           "DayCount", "Downtime", "UnheardCall"]
