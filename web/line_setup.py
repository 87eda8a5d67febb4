"""How calls reach the box, in words for the owner, and the forwarding codes for the shop's phone.

The codes are the GSM supplementary-service codes (3GPP TS 22.030 Annex B / 22.082): typed on the
shop's *mobile* phone, they forward its calls to the box when it is not answered (61, with the
ring time in seconds after the second **), unreachable (62) or busy (67); ## with the same
number turns each off. A landline's codes differ by telephone company: the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LINE_MODES", "ForwardingCode", "forwarding_codes", "RING_OUT_CHOICES", "NO_REPLY_SECONDS"]

LINE_MODES: dict[str, tuple[str, str]] = {
    "own_sim": ("Customers ring the box's own number",
                "The SIM in the box has its own number, on your website or sign. Nobody answers on the box, so "
                "every call that rings out is a missed call and gets a text."),
    "twin_sim": ("A twin SIM of the shop's mobile",
                 "The box holds a second SIM of the shop's own mobile number (a \u201ctwin\u201d or \u201cmulti\u201d "
                 "SIM). Both ring together; when a call ends and nobody answered, the box texts. Where the modem "
                 "cannot tell that you answered on the other phone, the customer may get a text anyway."),
    "forwarded": ("The shop's phone forwards unanswered calls",
                  "Calls go to the shop's phone first. When nobody answers (or it is busy or off), the network "
                  "forwards the call to the box, which lets it ring out and texts the caller."),
}

RING_OUT_CHOICES = (0, 1, 2, 3, 4, 5, 6, 8, 10)
NO_REPLY_SECONDS = 20


@dataclass(frozen=True)
class ForwardingCode:
    when: str
    on: str
    off: str


def forwarding_codes(box_number: str) -> tuple[ForwardingCode, ...]:
    """The codes to type on the shop's mobile, with the box's number (E.164) filled in."""
    return (
        ForwardingCode(f"Not answered within {NO_REPLY_SECONDS} seconds", f"**61*{box_number}**{NO_REPLY_SECONDS}#",
                       "##61#"),
        ForwardingCode("Switched off or no signal", f"**62*{box_number}#", "##62#"),
        ForwardingCode("Busy on another call", f"**67*{box_number}#", "##67#"),
    )
