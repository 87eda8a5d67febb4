"""Write a script's results between <!-- name:begin --> and <!-- name:end --> in a docs page."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_block"]


def write_block(doc: Path, name: str, text: str) -> None:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    head, _, rest = doc.read_text().partition(begin)
    _, _, tail = rest.partition(end)
    doc.write_text(f"{head}{begin}\n{text}\n{end}{tail}")
