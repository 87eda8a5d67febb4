"""Replay of what real modems print, taken from public captured transcripts (tests/replay/transcripts).

Our simulator was written from the same notes as the agent, so it shares our assumptions; these
tests feed the pure parsing code lines, bytes, answers and PDUs that real modems (or other projects'
captures of them) produced. docs/transcripts.md lists the sources and what they found.

Transcript format: '#' lines are comments (the first ones name the source); '== name' starts a
section; every other non-empty line is one captured line, kept exactly. 'bytes: ...' holds raw
bytes written with Python escapes (\\r, \\n, \\x00); 'esc: ...' is a text line written the same way
(for a significant trailing space).
"""

from __future__ import annotations

import codecs
from functools import lru_cache
from pathlib import Path

__all__ = ["section", "sections", "line", "TRANSCRIPTS"]

TRANSCRIPTS = Path(__file__).parent / "transcripts"


def _unescape(text: str) -> bytes:
    return codecs.escape_decode(text.encode("latin-1"))[0]


@lru_cache(maxsize=None)
def sections(name: str) -> dict[str, tuple[str | bytes, ...]]:
    """All sections of transcripts/<name>.txt: section name → its captured lines (str or bytes)."""
    found: dict[str, list[str | bytes]] = {}
    current: list[str | bytes] | None = None
    for raw in (TRANSCRIPTS / f"{name}.txt").read_text(encoding="utf-8").split("\n"):
        text = raw.rstrip("\r")
        if text.startswith("#") or not text.strip():
            continue
        if text.startswith("== "):
            current = found.setdefault(text[3:].strip(), [])
            continue
        if current is None:
            raise ValueError(f"{name}.txt: a line before the first section: {text!r}")
        if text.startswith("bytes: "):
            current.append(_unescape(text[len("bytes: "):]))
        elif text.startswith("esc: "):
            current.append(_unescape(text[len("esc: "):]).decode("latin-1"))
        else:
            current.append(text)
    return {key: tuple(value) for key, value in found.items()}


def section(name: str, key: str) -> tuple:
    """The captured lines of one section (KeyError names what is missing)."""
    try:
        return sections(name)[key]
    except KeyError:
        raise KeyError(f"no section {key!r} in transcripts/{name}.txt") from None


def line(name: str, key: str, text: str) -> str:
    """`text`, after checking it is one of the captured lines of that section: a test can quote the
    line it is about and still be sure it replays the transcript, not a copy that drifted."""
    if text not in section(name, key):
        raise AssertionError(f"{text!r} is not in section {key!r} of transcripts/{name}.txt")
    return text
