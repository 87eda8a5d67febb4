"""Numbers, a long reply and the inbox query shared by the conversation tests."""

from __future__ import annotations
from tests.db_rows import rows as db_rows

OWNER = "+447911000001"          # [owner] phone in tests/conftest.py
CUSTOMER = "+447911123456"
LONG = ("Hello, this is Sam. I called about the blue road bike in your window. Is it still for sale, and could "
        "I come and try it on Saturday morning around ten? If not Saturday then Sunday works too, any time "
        "after lunch. Thanks a lot, speak soon!")


def inbox(agent, number: str | None = None) -> list:
    """Received messages, oldest first, optionally from one number."""
    rows = db_rows(agent.store, "SELECT * FROM messages WHERE direction = 'in' ORDER BY id")
    return [row for row in rows if number is None or row["number"] == number]
