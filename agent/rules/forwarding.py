"""What the box's own SIM forwards, in words for the shop owner, with the code that turns it off.

The answers come from the modem (agent/modem/inspection.py, AT+CCFC per 27.007 §7.11); doctor
prints this advice and the status page shows it from what the agent last recorded. Reasons are
27.007's <reason> numbers; the codes that erase them are 22.030's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["ForwardingRule", "ForwardingAdvice", "forwarding_advice", "OFF_CODES", "ALL_FORWARDING_OFF",
           "rules_to_state", "rules_from_state"]

UNCONDITIONAL, BUSY, NO_REPLY, NOT_REACHABLE = 0, 1, 2, 3
OFF_CODES = {UNCONDITIONAL: "##21#", BUSY: "##67#", NO_REPLY: "##61#", NOT_REACHABLE: "##62#"}
ALL_FORWARDING_OFF = "##002#"


@dataclass(frozen=True)
class ForwardingRule:
    """One reason's forwarding of voice calls; `active` None: the modem or network could not tell."""
    reason: int
    active: bool | None
    number: str = ""
    seconds: int | None = None
    why: str = ""


@dataclass(frozen=True)
class ForwardingAdvice:
    name: str
    verdict: str          # "ok", "warn" or "fail"
    found: str
    fix: str = ""


# What each active forwarding means for the box: (name, verdict, found); {to} the number calls go
# to and {after} the no-reply time.
_WORDS = {
    UNCONDITIONAL: ("Forwarding: all calls", "fail", "every call to this SIM is forwarded to {to}: calls "
                    "never ring the box, so it cannot text anyone back"),
    NO_REPLY: ("Voicemail on no answer", "warn", "calls nobody answers go to {to}{after} (usually the "
               "operator's voicemail): callers reach voicemail before the box counts the call as missed"),
    BUSY: ("Forwarding when busy", "warn", "calls the box cannot take, or hangs up on after ringing out, go to {to}"),
    NOT_REACHABLE: ("Forwarding when unreachable", "warn", "while the box is off or has no signal, calls go "
                    "to {to}; the box never hears of them"),
}
_REASON_WORDS = {UNCONDITIONAL: "of all calls", BUSY: "when busy", NO_REPLY: "on no answer",
                 NOT_REACHABLE: "when unreachable"}
_ALL_OFF = (f"{ALL_FORWARDING_OFF} turns off all of this SIM's forwarding; dial the codes with the box's SIM in a "
            "phone, never on the shop's phone")


def forwarding_advice(rules: Iterable[Any]) -> list[ForwardingAdvice]:
    """One line per active reason, each with the code that turns it off, one line for what could
    not be told, or one "none" line. `rules` are ForwardingRule or anything with the same fields."""
    rules = list(rules)
    advice = []
    for rule in rules:
        if rule.active:
            name, verdict, words = _WORDS[int(rule.reason)]
            after = f" after {rule.seconds} s" if rule.seconds else ""
            advice.append(ForwardingAdvice(name, verdict, words.format(to=rule.number or "another number", after=after),
                                           f"Dial {OFF_CODES[int(rule.reason)]} from the box's SIM, or ask the "
                                           f"operator ({_ALL_OFF})."))
    unknown = [rule for rule in rules if rule.active is None]
    if unknown:
        whys = "; ".join(sorted({rule.why for rule in unknown if rule.why}))
        advice.append(ForwardingAdvice(
            "Call forwarding", "warn",
            f"could not check forwarding {', '.join(_REASON_WORDS[int(rule.reason)] for rule in unknown)}"
            + (f" ({whys})" if whys else ""),
            f"Ask the operator whether this SIM forwards calls or has voicemail on no answer ({_ALL_OFF})."))
    elif not advice:
        advice.append(ForwardingAdvice("Call forwarding", "ok", "none: every call rings the box"))
    return advice


def rules_to_state(rules: Iterable[Any]) -> list[dict[str, Any]]:
    """The rules as plain JSON values, for the modem state table."""
    return [{"reason": int(rule.reason), "active": rule.active, "number": rule.number, "seconds": rule.seconds,
             "why": rule.why} for rule in rules]


def rules_from_state(value: Any) -> tuple[ForwardingRule, ...]:
    """Back from the modem state table; anything unreadable is no rules at all."""
    if not isinstance(value, list):
        return ()
    rules = []
    for item in value:
        try:
            rules.append(ForwardingRule(int(item["reason"]), item.get("active"), str(item.get("number") or ""),
                                        item.get("seconds"), str(item.get("why") or "")))
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(rule for rule in rules if rule.reason in OFF_CODES)
