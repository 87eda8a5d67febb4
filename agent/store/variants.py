"""A/B variants of the missed-call texts: which variant each text was, and the figures per variant.

Migration 7 (schema.py) runs SCHEMA: `messages.variant` (the letter a text carried, NULL when no
test was running) and `template_variants`, one row per variant of a template while a test runs.
A's row holds no text (A is the template itself, in `templates`); B's and C's hold theirs. Each
row's `started_at` is when that variant's figures start counting: when it was added, or its text
last changed, so a figure never mixes two wordings. No row for a template: no test, the texts
carry no letter.

The figures are counted in SQL, per variant, over the texts of that template that went out
(sent or delivered) since the variant's start: replied = the number wrote back (anything but a
STOP) within 24 h of the text; opted out = it texted STOP within 24 h of the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent.clock import utc_iso
from agent.rules.templates import DEFAULT_TEMPLATES
from agent.rules.variants import LETTERS, VARIANT_TEMPLATES, VariantTurn
from agent.rules.vocabulary import SENT_STATUSES

__all__ = ["VariantQueries", "VariantFigures", "SCHEMA"]

SCHEMA = """
ALTER TABLE messages ADD COLUMN variant TEXT CHECK (variant IN ('A', 'B', 'C'));   -- which variant of its template a text was (NULL: the only one)

CREATE TABLE template_variants (
    template TEXT NOT NULL CHECK (template IN ('missed_open', 'missed_closed')),
    letter TEXT NOT NULL CHECK (letter IN ('A', 'B', 'C')),
    body TEXT,                           -- NULL for A: A is the template itself
    started_at TEXT NOT NULL,            -- the variant's figures count from here
    PRIMARY KEY (template, letter),
    CHECK ((letter = 'A') = (body IS NULL))
);
CREATE INDEX messages_by_variant ON messages (kind, variant, created_at) WHERE variant IS NOT NULL;
"""

_SENT = ",".join(f"'{status}'" for status in SENT_STATUSES)
# 24 h after a stored time, in the same text form (fraction and Z kept), so it compares as text
_DAY_LATER = "strftime('%Y-%m-%dT%H:%M:%S', m.sent_at, '+1 day') || substr(m.sent_at, 20)"
_FIGURES = f"""
SELECT v.letter, v.started_at,
       COALESCE(v.body, (SELECT body FROM templates WHERE name = v.template), :default) AS body,
       COUNT(m.id) AS sent,
       COALESCE(SUM(EXISTS (SELECT 1 FROM messages r WHERE r.number = m.number AND r.direction = 'in'
                            AND r.kind NOT IN ('stop', 'history')
                            AND r.created_at >= m.sent_at AND r.created_at < {_DAY_LATER})), 0) AS replied,
       COALESCE(SUM(EXISTS (SELECT 1 FROM messages r WHERE r.number = m.number AND r.direction = 'in'
                            AND +r.kind = 'stop'      -- unary +: look up by number, not kind
                            AND r.created_at >= m.sent_at AND r.created_at < {_DAY_LATER})), 0) AS opted_out
FROM template_variants v
LEFT JOIN messages m ON m.kind = v.template AND m.created_at >= v.started_at AND m.direction = 'out'
     AND m.variant = v.letter AND m.status IN ({_SENT}) AND m.sent_at IS NOT NULL
WHERE v.template = :template
GROUP BY v.letter ORDER BY v.letter
"""


@dataclass(frozen=True)
class VariantFigures:
    """One variant of a template while a test runs: its text and how its texts did."""

    template: str
    letter: str
    body: str
    started_at: str
    sent: int
    replied: int             # wrote back (not STOP) within 24 h of the text
    opted_out: int           # texted STOP within 24 h of the text

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.sent if self.sent else None

    @property
    def optout_rate(self) -> float | None:
        return self.opted_out / self.sent if self.sent else None


def _check(template: str, letter: str) -> None:
    if template not in VARIANT_TEMPLATES:
        raise ValueError(f"variants are only for {' and '.join(VARIANT_TEMPLATES)}, not {template!r}")
    if letter not in LETTERS:
        raise ValueError(f"a variant is lettered {', '.join(LETTERS)}, not {letter!r}")


class VariantQueries:
    """Mixed into Store: self._rows(), self._write() come from it."""

    def variant_turns(self) -> dict[str, VariantTurn]:
        """For the policy: each template under test, its B/C texts and the letter its last text
        (since the test started) carried."""
        turns: dict[str, VariantTurn] = {}
        rows = self._rows("SELECT template, letter, body, started_at FROM template_variants ORDER BY template, letter")
        for template in VARIANT_TEMPLATES:
            mine = [row for row in rows if row["template"] == template]
            extra = {row["letter"]: row["body"] for row in mine if row["letter"] != "A"}
            if not extra:
                continue
            since = min(row["started_at"] for row in mine)
            last = self._rows("SELECT variant FROM messages WHERE direction = 'out' AND kind = ? AND created_at >= ?"
                              " AND variant IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 1", (template, since))
            turns[template] = VariantTurn(extra=extra, last=last[0]["variant"] if last else None)
        return turns

    def variant_figures(self, template: str) -> list[VariantFigures]:
        """Every variant of `template` under test, A first, with its figures; [] when no test runs."""
        _check(template, "A")
        rows = self._rows(_FIGURES, {"template": template, "default": DEFAULT_TEMPLATES[template]})
        return [VariantFigures(template=template, letter=row["letter"], body=row["body"], started_at=row["started_at"],
                               sent=row["sent"], replied=row["replied"], opted_out=row["opted_out"]) for row in rows]

    def set_variant(self, template: str, letter: str, body: str, now: datetime) -> None:
        """Write a variant's text. A is the template itself (a running test restarts A's count when
        its text changes); B or C starts a test (A's count starts with it) or restarts its own count
        when its text changes."""
        _check(template, letter)
        stamp = utc_iso(now)
        with self._write() as conn:
            if letter == "A":
                old = conn.execute("SELECT body FROM templates WHERE name = ?", (template,)).fetchone()
                if (old["body"] if old else DEFAULT_TEMPLATES[template]) != body:
                    conn.execute("UPDATE template_variants SET started_at = ? WHERE template = ? AND letter = 'A'",
                                 (stamp, template))
                conn.execute("INSERT INTO templates (name, body, updated_at) VALUES (?, ?, ?) ON CONFLICT(name)"
                             " DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                             (template, body, stamp))
                return
            conn.execute("INSERT OR IGNORE INTO template_variants (template, letter, body, started_at)"
                         " VALUES (?, 'A', NULL, ?)", (template, stamp))
            conn.execute("INSERT INTO template_variants (template, letter, body, started_at) VALUES (?, ?, ?, ?)"
                         " ON CONFLICT(template, letter) DO UPDATE SET body = excluded.body,"
                         " started_at = CASE WHEN body = excluded.body THEN started_at ELSE excluded.started_at END",
                         (template, letter, body, stamp))

    def remove_variant(self, template: str, letter: str) -> bool:
        """Take B or C out of the test; with neither left the test is over. False if it was not there."""
        _check(template, letter)
        if letter == "A":
            raise ValueError("A is the template itself: keep another variant to replace it")
        with self._write() as conn:
            removed = conn.execute("DELETE FROM template_variants WHERE template = ? AND letter = ?",
                                   (template, letter)).rowcount == 1
            conn.execute("DELETE FROM template_variants WHERE template = ? AND letter = 'A' AND NOT EXISTS"
                         " (SELECT 1 FROM template_variants WHERE template = ? AND letter != 'A')", (template, template))
            return removed

    def keep_variant(self, template: str, letter: str, now: datetime) -> str | None:
        """End the test: `letter`'s text becomes the template and the other variants are removed,
        in one transaction. Returns the text kept, or None when that variant does not exist."""
        _check(template, letter)
        with self._write() as conn:
            row = conn.execute("SELECT body FROM template_variants WHERE template = ? AND letter = ?",
                               (template, letter)).fetchone()
            if row is None:
                return None
            body = row["body"]
            if body is None:
                current = conn.execute("SELECT body FROM templates WHERE name = ?", (template,)).fetchone()
                body = current["body"] if current else DEFAULT_TEMPLATES[template]
            else:
                conn.execute("INSERT INTO templates (name, body, updated_at) VALUES (?, ?, ?) ON CONFLICT(name)"
                             " DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                             (template, body, utc_iso(now)))
            conn.execute("DELETE FROM template_variants WHERE template = ?", (template,))
            return body
