"""A/B variants of the missed-call texts: write up to three, see how each does, keep the winner.

Variant A is the template itself (the Templates page's text); B and C are extra texts. While a
template has B or C, missed callers get A, B, C in turn and each text records its letter; the
figures come from the database (agent/store/variants.py) and the verdict from the pooled
two-proportion z-test (agent/rules/variants.py). "Keep this one" makes a variant the template
and removes the others, ending the test.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from agent.errors import TemplateError
from agent.rules.templates import check_template
from agent.rules.variants import LETTERS, VARIANT_TEMPLATES, compare
from web import web_context
from web.settings import TEMPLATE_LABELS

__all__ = ["bp"]

bp = Blueprint("variants", __name__)

_ACTIONS = ("save", "remove", "keep")


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def _section(template: str, typed: dict[str, str], errors: dict[str, str]) -> dict:
    """One template's cards (A, B, C), its figures and the verdict of each variant against A."""
    store = web_context().store
    figures = {f.letter: f for f in store.variant_figures(template)}
    current = store.templates()[template]
    testing = len(figures) > 1
    cards = []
    for letter in LETTERS:
        figure = figures.get(letter)
        stored = current if letter == "A" else (figure.body if figure else "")
        cards.append({
            "letter": letter, "key": f"{template}-{letter}", "exists": letter == "A" or figure is not None,
            "body": typed.get(letter, stored), "error": errors.get(letter), "figure": figure,
            "reply_rate": _percent(figure.reply_rate if figure else None),
            "optout_rate": _percent(figure.optout_rate if figure else None),
        })
    verdicts = []
    base = figures.get("A")
    if testing and base is not None:
        verdicts = [compare(letter, f.sent, f.replied, base.sent, base.replied).words
                    for letter, f in figures.items() if letter != "A"]
    return {"template": template, "label": TEMPLATE_LABELS[template], "cards": cards, "testing": testing,
            "verdicts": verdicts, "letters": _in_words(sorted(figures)) if testing else ""}


def _in_words(letters: list[str]) -> str:
    """["A", "B", "C"] → "A, B and C"."""
    return ", ".join(letters[:-1]) + " and " + letters[-1] if len(letters) > 1 else "".join(letters)


def _page(typed: dict[str, dict[str, str]] | None = None, errors: dict[str, dict[str, str]] | None = None,
          status: int = 200):
    sections = [_section(t, (typed or {}).get(t, {}), (errors or {}).get(t, {})) for t in VARIANT_TEMPLATES]
    return render_template("variants.html", sections=sections), status


@bp.route("/variants", methods=["GET"])
def variants():
    """Each missed-call text with its variants, their figures and whether one does better."""
    return _page()


@bp.route("/variants", methods=["POST"])
def change():
    """Save a variant's text, remove B or C, or keep one (it becomes the template; the test ends)."""
    context = web_context()
    template = request.form.get("template", "")
    letter = request.form.get("letter", "")
    action = request.form.get("action", "save")
    if template not in VARIANT_TEMPLATES:
        abort(400, description=f"Variants are only for the missed-call texts, not \u201c{template}\u201d.")
    if letter not in LETTERS:
        abort(400, description=f"A variant is A, B or C, not \u201c{letter}\u201d.")
    if action not in _ACTIONS:
        abort(400, description=f"Unknown action \u201c{action}\u201d: save, remove or keep.")
    label = TEMPLATE_LABELS[template]
    store, now = context.store, context.clock.now()
    anchor = url_for("variants.variants") + f"#{template}"
    if action == "keep":
        kept = store.keep_variant(template, letter, now)
        if kept is None:
            abort(404, description=f"There is no variant {letter} of \u201c{label}\u201d to keep.")
        flash(f"Kept {letter}: it is now your \u201c{label}\u201d text, and the others are removed.")
        return redirect(anchor)
    if action == "remove":
        if letter == "A":
            abort(400, description="A is your current text: keep another variant to replace it.")
        if not store.remove_variant(template, letter):
            abort(404, description=f"There is no variant {letter} of \u201c{label}\u201d to remove.")
        flash(f"Removed {letter} from \u201c{label}\u201d.")
        return redirect(anchor)
    body = request.form.get("body", "").replace("\r\n", "\n").strip()
    try:
        check_template(template, body)
    except TemplateError as error:
        return _page({template: {letter: body}}, {template: {letter: str(error).removeprefix(f"{template}: ")}}, 400)
    store.set_variant(template, letter, body, now)
    letters = _section(template, {}, {})["letters"]
    flash(f"Saved {letter} of \u201c{label}\u201d. " + (f"Missed callers now get {letters} in turn." if letters
                                                       else "The next missed call of this kind gets it."))
    return redirect(anchor)
