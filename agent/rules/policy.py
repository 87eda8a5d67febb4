"""Text or skip: a pure function of (call, settings, history, now). No I/O, no clock.

The order of the checks is the order of the promises: never a withheld or unreadable number,
never the owner, never an excluded or opted-out number, never a landline or a number that costs
the caller or the shop, never twice inside the dedup window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agent.rules.hours import is_open, parse_hours
from agent.rules.numbers import line_kind
from agent.rules.settings import Settings
from agent.rules.templates import placeholder_values, render
from agent.rules.variants import VariantTurn, choose

__all__ = ["CallFacts", "Decision", "History", "decide", "SKIP_REASONS", "TEXTABLE_KINDS"]

# skip reason → what the owner reads on the calls page
SKIP_REASONS: dict[str, str] = {
    "withheld": "withheld number",
    "invalid": "not a valid phone number",
    "owner": "the owner's own phone",
    "excluded": "on the never-text list",
    "opted_out": "opted out (STOP)",
    "landline": "landline",
    "premium_rate": "premium-rate number",
    "toll_free": "toll-free number",
    "shared_cost": "shared-cost number",
    "voip": "internet (VoIP) number",
    "personal_number": "personal/follow-me number",
    "pager": "pager",
    "uan": "company switchboard number",
    "voicemail": "voicemail access number",
    "unknown": "number type unknown",
    "recently_texted": "already texted recently",
    "answered": "call was answered",
    "superseded": "caller rang again; the newer call's text replaced this one",
    "stale": "text fell due while the box was off, too long ago",
}

TEXTABLE_KINDS = frozenset({"mobile"})
# VoIP numbers in the NANP (Google Voice and the like) receive texts; elsewhere they mostly cannot.
VOIP_TEXTABLE_PREFIXES = ("+1",)


@dataclass(frozen=True)
class History:
    """What the policy needs to know about one number's past."""

    opted_out: bool = False
    excluded: bool = False
    last_text_at: datetime | None = None
    pending_message_id: int | None = None


@dataclass(frozen=True)
class CallFacts:
    number: str | None          # E.164, None when withheld
    ended_at: datetime          # aware
    answered: bool = False


@dataclass(frozen=True)
class Decision:
    text: bool
    reason: str | None = None              # skip reason (a key of SKIP_REASONS)
    template: str | None = None
    body: str | None = None
    due_at: datetime | None = None
    replace_message_id: int | None = None  # a pending text for the same caller, superseded
    variant: str | None = None             # A/B variant letter of the template (None: no test running)


def _skip(reason: str) -> Decision:
    return Decision(text=False, reason=reason)


def _kind_reason(number: str) -> str | None:
    kind = line_kind(number)
    if kind in TEXTABLE_KINDS:
        return None
    if kind == "voip" and number.startswith(VOIP_TEXTABLE_PREFIXES):
        return None
    return kind if kind in SKIP_REASONS else "unknown"


def decide(call: CallFacts, settings: Settings, history: History, now: datetime,
           variants: Mapping[str, VariantTurn] | None = None) -> Decision:
    """Text or skip. `variants`: per template, its extra A/B variants and the letter the last text
    of it carried (agent.rules.variants); the text goes out as the next variant in turn."""
    if call.answered:
        # the shop spoke to the caller: a text still waiting out the delay is not wanted any more
        return Decision(text=False, reason="answered", replace_message_id=history.pending_message_id)
    if not call.number:
        return _skip("withheld")
    if line_kind(call.number) == "invalid":
        return _skip("invalid")
    if settings.owner_phone and call.number == settings.owner_phone:
        return _skip("owner")
    if history.excluded:
        return _skip("excluded")
    if history.opted_out:
        return _skip("opted_out")
    reason = _kind_reason(call.number)
    if reason:
        return _skip(reason)
    replace = history.pending_message_id
    if replace is None and settings.dedup_hours and history.last_text_at is not None:
        if now - history.last_text_at < timedelta(hours=settings.dedup_hours):
            return _skip("recently_texted")

    tz = ZoneInfo(settings.timezone)
    # [hours] with every day [] is closed all week; only hours never given mean "no hours set"
    open_now = not settings.has_hours or is_open(parse_hours(settings.hours, settings.holidays), call.ended_at, tz)
    template = "missed_open" if open_now else "missed_closed"
    variant, text = choose(settings.templates[template], (variants or {}).get(template))
    body = render(text, placeholder_values(settings, call.ended_at, tz, call_at=call.ended_at))
    due = max(now, call.ended_at + timedelta(seconds=settings.delay_seconds))
    return Decision(text=True, template=template, body=body, due_at=due, replace_message_id=replace,
                    variant=variant)
