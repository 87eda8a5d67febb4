"""A/B variants of the missed-call texts: which one goes out next, and whether one does better.

Pure: no I/O, no clock.

- The open-hours and after-hours texts (VARIANT_TEMPLATES) may each have up to three variants,
  lettered A, B, C. A is the template itself; B and C are extra texts the owner writes.
- Variants go out in turn, per template: A, B, C, A, … (`next_letter`). The turn is read from the
  letter the last text of that template carried, so it survives a restart and a variant being
  added or removed in the middle (after B comes C if C still exists, else A).
- With only A there is no test: the text carries no letter (NULL in messages.variant).
- Whether a reply rate differs by more than chance is a two-proportion z-test with the pooled
  proportion (`compare`): z = (p_b − p_a) / √(p(1−p)(1/n_a + 1/n_b)), p = (x_a + x_b)/(n_a + n_b),
  two-sided p-value = erfc(|z|/√2). Below 5 % it is "unlikely to be chance"; the test is not
  run until each variant has been sent MIN_SENT times and has MIN_EXPECTED expected replies and
  non-replies (the normal approximation is poor below that), and then says "not enough to tell yet".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["LETTERS", "VARIANT_TEMPLATES", "VariantTurn", "Comparison", "next_letter", "choose", "compare",
           "SIGNIFICANCE", "MIN_SENT", "MIN_EXPECTED"]

LETTERS = ("A", "B", "C")
VARIANT_TEMPLATES = ("missed_open", "missed_closed")
SIGNIFICANCE = 0.05
MIN_SENT = 10
MIN_EXPECTED = 5.0


@dataclass(frozen=True)
class VariantTurn:
    """One template's extra variants (letter → text, B and C only: A is the template) and the letter
    the last text of that template carried (None when none did)."""

    extra: Mapping[str, str] = field(default_factory=dict)
    last: str | None = None


def next_letter(letters: tuple[str, ...], last: str | None) -> str:
    """The letter after `last` among `letters` (in A, B, C order), wrapping round to the first."""
    if not letters:
        raise ValueError("no variants to choose from")
    ordered = sorted(letters, key=LETTERS.index)
    later = [letter for letter in ordered if last is not None and last in LETTERS
             and LETTERS.index(letter) > LETTERS.index(last)]
    return later[0] if later else ordered[0]


def choose(template_body: str, turn: VariantTurn | None) -> tuple[str | None, str]:
    """(letter, text) for the next text of a template whose own text is `template_body`.
    Without extra variants the letter is None: there is no test running."""
    if turn is None or not turn.extra:
        return None, template_body
    unknown = sorted(set(turn.extra) - set(LETTERS[1:]))
    if unknown:
        raise ValueError(f"variant letters must be B or C, not {', '.join(unknown)}")
    letter = next_letter(("A", *turn.extra), turn.last)
    return letter, template_body if letter == "A" else turn.extra[letter]


@dataclass(frozen=True)
class Comparison:
    """A variant's reply rate against A's, in numbers and in words."""

    letter: str
    z: float | None
    p_value: float | None
    higher: bool | None          # the variant's rate is above A's (None: equal or not computed)
    significant: bool
    words: str


def _rate(replied: int, sent: int) -> float:
    return replied / sent if sent else 0.0


def compare(letter: str, sent: int, replied: int, base_sent: int, base_replied: int,
            base_letter: str = "A") -> Comparison:
    """Two-proportion z-test (pooled) of `letter`'s reply rate against the base variant's."""
    for name, value in (("sent", sent), ("replied", replied), ("base_sent", base_sent),
                        ("base_replied", base_replied)):
        if value < 0:
            raise ValueError(f"{name} must not be negative (got {value})")
    if replied > sent or base_replied > base_sent:
        raise ValueError(f"more replies than texts sent ({letter}: {replied} of {sent}, "
                         f"{base_letter}: {base_replied} of {base_sent})")
    total = sent + base_sent
    pooled = (replied + base_replied) / total if total else 0.0
    enough = (min(sent, base_sent) >= MIN_SENT
              and min(sent, base_sent) * min(pooled, 1 - pooled) >= MIN_EXPECTED)
    if not enough:
        return Comparison(letter, None, None, None, False,
                          f"Not enough to tell yet: each text needs at least {MIN_SENT} sent and a few replies "
                          f"and non-replies ({letter} {sent} sent, {base_letter} {base_sent} sent).")
    diff = _rate(replied, sent) - _rate(base_replied, base_sent)
    error = math.sqrt(pooled * (1 - pooled) * (1 / sent + 1 / base_sent))
    z = diff / error
    p_value = math.erfc(abs(z) / math.sqrt(2))
    higher = None if diff == 0 else diff > 0
    significant = p_value < SIGNIFICANCE and higher is not None
    p_words = f"p = {p_value:.2f}" if p_value >= 0.01 else "p < 0.01"
    if significant:
        way = "higher" if higher else "lower"
        words = f"{letter}'s reply rate is {way} than {base_letter}'s, and that is unlikely to be chance ({p_words})."
    elif higher is None:
        words = f"{letter} and {base_letter} have the same reply rate so far: not enough to tell yet."
    else:
        way = "higher" if higher else "lower"
        words = (f"{letter}'s reply rate is {way} than {base_letter}'s, but that could be chance ({p_words}): "
                 "not enough to tell yet.")
    return Comparison(letter, z, p_value, higher, significant, words)
