"""A/B variants of the missed-call texts: which variant each text was, and the figures per variant.

Migration 7 (schema.py) runs SCHEMA.
"""

from __future__ import annotations

__all__ = ["VariantQueries", "SCHEMA"]

SCHEMA = """
ALTER TABLE messages ADD COLUMN variant TEXT;   -- which variant of its template a text was (NULL: the only one)
"""


class VariantQueries:
    """Mixed into Store: self._rows(), self._write() come from it."""
