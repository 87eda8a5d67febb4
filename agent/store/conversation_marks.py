"""Marks on conversations: the reply-menu choice, urgent, callback requested, and the owner's
outcome (booked, lost, spam) with its value.

Migration 6 (schema.py) runs SCHEMA, then rebuilds messages and calls with VOCABULARY's checks
(checks.rebuild_sql), so new message words (a menu answer …) are enforced like the others.
"""

from __future__ import annotations

from agent.store.checks import VOCABULARY_5, extended

__all__ = ["ConversationMarkQueries", "SCHEMA", "VOCABULARY"]

VOCABULARY = extended(VOCABULARY_5)     # add new words here, e.g. out_kind=("menu_answer",)

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversation_marks_placeholder (id INTEGER PRIMARY KEY);
"""


class ConversationMarkQueries:
    """Mixed into Store: self._rows(), self._write() come from it."""
