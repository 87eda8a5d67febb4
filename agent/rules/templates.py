"""The texts the box sends: default templates, checking an owner's edits, filling placeholders.

A template is plain text with placeholders written {name}. Only the names below are known;
anything else between braces ({0}, {a.b}, {a[0]}, {business!r}) is refused as an unknown
placeholder, never evaluated: templates are filled by a small scanner, not str.format. A literal
brace is written twice: {{ or }}.

check_template measures a template as it would go out, with every placeholder filled by the
longest realistic value (SAMPLE_VALUES): a 40-character business name, "Wed 31 Dec 08:00" for
next_open (the longest describe_next_open gives), "12:59 PM" for call_time, a 15-digit E.164
number for owner_phone and caller (written with spaces for caller), a 7-digit message number
for ref, and a full single SMS (160 characters) for text. For owner_relay, call_time is empty
when the caller never rang; the relay then drops an empty "(missed call )". A template
that would need more than MAX_PARTS SMS is refused. The samples are GSM-7 text, so a business
name with an accent outside GSM-7 or a customer's emoji can still make a real text longer.

placeholder_values is the one place the values of a real text are built, for every kind of text
the box sends (first text, follow-up, answers to keywords, relays to the owner) and for the web
UI's preview.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from agent.errors import TemplateError
from agent.rules.hours import describe_next_open, format_clock, parse_hours
from agent.rules.numbers import pretty
from agent.sms.pdu import PduError, segment_info

if TYPE_CHECKING:   # agent.rules.settings imports this module (through the menu's checks)
    from agent.rules.settings import Settings

__all__ = [
    "PLACEHOLDERS",
    "TEMPLATE_EXTRA_PLACEHOLDERS",
    "DEFAULT_TEMPLATES",
    "SAMPLE_VALUES",
    "MAX_PARTS",
    "TemplateCheck",
    "check_template",
    "check_text",
    "render",
    "placeholder_values",
    "format_call_time",
    "menu_line",
]

MAX_PARTS = 3

PLACEHOLDERS: dict[str, str] = {
    "business": "the shop's name ([business] name)",
    "next_open": 'when the shop next opens: "today 08:00", "tomorrow 08:00", "Mon 08:00"',
    "call_time": 'when the missed call came, in the shop\'s time zone: "3:42 PM"',
    "owner_phone": "the owner's mobile ([owner] phone); empty when not set",
    "menu": 'the reply menu ([menu] options): "Reply 1 Book, 3 Call me back"; empty without options',
}

TEMPLATE_EXTRA_PLACEHOLDERS: dict[str, dict[str, str]] = {
    "owner_relay": {
        "ref": "the number of the customer's message (#12): the owner answers it with R 12 <answer>",
        "caller": "the customer's number as a person writes it (national form at home)",
        "text": "what the customer wrote",
    },
}

DEFAULT_TEMPLATES: dict[str, str] = {
    "missed_open": "{business}: sorry we missed your call! How can we help? Reply here. "
                   "Reply STOP to opt out.",
    "missed_closed": "{business}: sorry we missed your call! We open {next_open}. "
                     "Reply here and we'll get back to you. Reply STOP to opt out.",
    "followup": "{business}: just checking we got back to you about your call. Reply here if we "
                "can still help. Reply STOP to opt out.",
    "optout_confirm": "{business}: you won't get any more texts from us. Reply START to "
                      "subscribe again.",
    "optin_confirm": "{business}: you're subscribed again. Reply STOP to opt out.",
    "help": "{business}: reply with your question and we'll get back to you. Reply STOP to opt out.",
    "owner_relay": "#{ref} {caller} (missed call {call_time}): {text}\nReply R {ref} <answer>",
}

SAMPLE_VALUES: dict[str, str] = {
    "business": "Riverside Bicycle Repairs & Coffee House",
    "next_open": "Wed 31 Dec 08:00",
    "call_time": "12:59 PM",
    "owner_phone": "+491511234567890",
    "menu": "Reply 1 Book a visit, 2 Ask a question, 3 Call me back, 4 Opening hours, 5 Where to find us",
    "caller": "+49 1511 234567890",
    "ref": "1234567",
    "text": ("Hi, I called about the blue road bike in your window - is it still for sale, and "
             "could I come and try it on Saturday morning? Thanks, Sam. Call me back anytime!"),
}

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class TemplateCheck:
    """How a template goes out at its longest: encoding ("GSM-7"/"UCS-2"), SMS parts, units."""

    encoding: str
    parts: int
    units: int


def _pieces(body: str) -> Iterator[tuple[str, bool]]:
    """Yield (literal text, False) and (placeholder name, True); TemplateError on a lone brace."""
    position = 0
    for match in _TOKEN.finditer(body):
        if match.start() > position:
            yield body[position:match.start()], False
        token = match.group(0)
        if token in ("{{", "}}"):
            yield token[0], False
        elif match.group(1) is not None:
            yield match.group(1), True
        else:
            raise TemplateError(_lone_brace(body, token, match.start()))
        position = match.end()
    if position < len(body):
        yield body[position:], False


def _lone_brace(body: str, token: str, at: int) -> str:
    """A lone brace, said so an owner can fix it: the placeholder it most likely began, if any."""
    if token == "}":
        return (f'the "}}" at character {at + 1} has no "{{" before it (a placeholder is written like '
                f'{{business}}; to show a brace itself, write }}}})')
    word = re.match(r"\{\s*(\w+)", body[at:])
    close = difflib.get_close_matches(word.group(1).lower(), list(PLACEHOLDERS), n=1, cutoff=0.6) if word else []
    hint = (f"did you mean {{{close[0]}}}?" if close
            else "a placeholder is written like {business}; to show a brace itself, write {{")
    return f'the "{{" at character {at + 1} is not closed ({hint})'


def _unknown_placeholder(name: str, template: str, known: list[str]) -> TemplateError:
    elsewhere = [other for other, extra in TEMPLATE_EXTRA_PLACEHOLDERS.items() if name in extra]
    if elsewhere:
        hint = f" (it is only for {', '.join(elsewhere)})"
    else:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = (f" (did you mean '{{{close[0]}}}'?)" if close
                else f" (known: {', '.join('{' + k + '}' for k in known)})")
    return TemplateError(f"{template}: unknown placeholder '{{{name}}}'{hint}")


def check_template(name: str, body: str) -> TemplateCheck:
    """Check an owner's template; return its encoding and size at its longest, or TemplateError."""
    if name not in DEFAULT_TEMPLATES:
        close = difflib.get_close_matches(name, list(DEFAULT_TEMPLATES), n=1, cutoff=0.6)
        hint = f'did you mean "{close[0]}"?' if close else "known: " + ", ".join(DEFAULT_TEMPLATES)
        raise TemplateError(f'unknown template "{name}" ({hint})')
    return check_text(name, body, list(PLACEHOLDERS) + list(TEMPLATE_EXTRA_PLACEHOLDERS.get(name, {})))


def check_text(label: str, body: str, known: list[str] | None = None) -> TemplateCheck:
    """Check a text that is filled like a template (a named template, a menu option's reply): no
    unknown placeholder, no lone brace, at most MAX_PARTS SMS at its longest. `label` starts
    every TemplateError message; `known` defaults to PLACEHOLDERS."""
    known = list(PLACEHOLDERS) if known is None else known
    if not body.strip():
        raise TemplateError(f"{label}: the text is empty")
    try:
        pieces = list(_pieces(body))
    except TemplateError as e:
        raise TemplateError(f"{label}: {e}") from None
    for piece, is_placeholder in pieces:
        if is_placeholder and piece not in known:
            raise _unknown_placeholder(piece, label, known)
    longest = "".join(SAMPLE_VALUES[piece] if is_placeholder else piece for piece, is_placeholder in pieces)
    try:
        size = segment_info(longest)
    except PduError as e:
        raise TemplateError(f"{label}: {e}") from None
    if size.parts > MAX_PARTS:
        per_sms = 153 if size.encoding == "GSM-7" else 67      # a part of a long text (23.040 §9.2.3.24.1)
        raise TemplateError(f"{label}: too long: with the longest values filled in it comes to {size.units} "
                            f"characters, {size.parts} SMS; keep it to {MAX_PARTS} SMS, about "
                            f"{MAX_PARTS * per_sms} characters")
    return TemplateCheck(encoding=size.encoding, parts=size.parts, units=size.units)


def render(body: str, values: Mapping[str, str]) -> str:
    """Fill every {name} from values; TemplateError if one has no value or a brace is unbalanced.

    Values are inserted as they are: braces inside a value are not read as placeholders.
    """
    out = []
    for piece, is_placeholder in _pieces(body):
        if not is_placeholder:
            out.append(piece)
            continue
        value = values.get(piece)
        if not isinstance(value, str):
            raise TemplateError(f"no value for placeholder '{{{piece}}}'")
        out.append(value)
    return "".join(out)


def placeholder_values(settings: Settings, moment: datetime, tz: ZoneInfo, *, call_at: datetime | None = None,
                       caller: str | None = None, ref: int | None = None, text: str | None = None) -> dict[str, str]:
    """The value of every placeholder, for a text built at `moment` (aware) in the shop's zone `tz`.

    - business: the shop's name.
    - next_open: when the shop next opens after `moment` ("tomorrow 09:00"); "again soon" when
      hours are set but the shop never opens (closed all week); "" when no hours are set.
    - call_time: the local time of the missed call `call_at` ("3:42 PM"); "" without one.
    - owner_phone: the owner's mobile as a person writes it ("07911 123456"); "" when not set.
    - menu: the reply menu, "Reply 1 Book, 3 Call me back" (agent.rules.menu.menu_line); "" without one.
    - caller, ref, text (only when given, for owner_relay): the customer's number as a person
      writes it, the number of their message, and what they wrote.

    Raises ValueError if the settings' hours or holidays cannot be read.
    """
    values = {
        "business": settings.business_name,
        "next_open": "",
        "call_time": format_clock(call_at, tz) if call_at is not None else "",
        "owner_phone": pretty(settings.owner_phone, settings.country) if settings.owner_phone else "",
        "menu": menu_line(settings.menu_options),
    }
    if settings.has_hours:
        hours = parse_hours(settings.hours, settings.holidays)
        values["next_open"] = describe_next_open(hours, moment, tz) or "again soon"
    if caller is not None:
        values["caller"] = pretty(caller, settings.country)
    if ref is not None:
        values["ref"] = str(ref)
    if text is not None:
        values["text"] = text
    return values


def menu_line(options) -> str:
    """{menu}: the menu options (agent.rules.menu.MenuOption) as "Reply 1 Book, 3 Call me back"; ""
    without options."""
    listed = ", ".join(f"{option.key} {option.label}" for option in options)
    return f"Reply {listed}" if listed else ""


def format_call_time(moment: datetime, tz: ZoneInfo) -> str:
    """{call_time}: the local time of an aware instant as "3:42 PM" (agent.rules.hours.format_clock)."""
    return format_clock(moment, tz)
