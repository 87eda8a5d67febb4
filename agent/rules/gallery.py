"""The template gallery: vetted starting points for the texts the box sends, per kind of business.

Four kinds of business (repairs and home services, retail and showroom, appointments and
professional, emergency services) times five cases:

- open: a missed call while the shop is open (the missed_open template);
- after_hours: a missed call while it is closed (missed_closed);
- busy: the owner was on another call or with a customer. The box cannot tell a busy line from
  an unanswered one (both are just a missed call), so this copies into missed_open too: pick it
  instead of "open" when that is what usually happens;
- followup: the text sent some hours later if the caller never replied (followup);
- menu: a first text offering the reply menu with {menu} ("Reply 1 Book, 3 Call me back"); it
  copies into missed_open and needs menu options to be set.

Every entry starts with {business}, ends with the opt-out line "Reply STOP to opt out." and fits
one GSM-7 SMS (at most 160 characters) when filled with the longest sample values
(agent.rules.templates.SAMPLE_VALUES; tests/unit/test_gallery.py checks all of them). The one
exception is {menu}: its sample is the longest menu there can be (five options with long labels,
96 characters), and no text with a 40-character name, that menu and an opt-out line fits 160. The
menu texts are measured with a three-option menu (MENU_SAMPLE) instead; with a longer menu they
take two SMS, and the checks on save say so with the shop's real menu. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.rules.templates import TemplateCheck, check_template

__all__ = ["GalleryEntry", "KINDS", "CASES", "CASE_TEMPLATES", "GALLERY", "OPT_OUT_LINE", "MENU_SAMPLE",
           "gallery_entry", "measure_entry"]

OPT_OUT_LINE = "Reply STOP to opt out."
# {menu} at a realistic length (three options), for measuring before the placeholder has a sample
MENU_SAMPLE = "Reply 1 Book, 2 Question, 3 Call me back"

KINDS: dict[str, str] = {
    "repairs": "Repairs and home services",
    "retail": "Retail and showroom",
    "appointments": "Appointments and professional",
    "emergency": "Emergency services",
}
CASES: dict[str, str] = {
    "open": "Missed call while open",
    "after_hours": "Missed call after hours",
    "busy": "Missed call while busy",
    "followup": "Follow-up",
    "menu": "Missed call, with the reply menu",
}
CASE_TEMPLATES: dict[str, str] = {"open": "missed_open", "after_hours": "missed_closed", "busy": "missed_open",
                                  "followup": "followup", "menu": "missed_open"}
_NOTES: dict[str, str] = {
    "busy": "The box cannot tell a busy line from an unanswered one, so this replaces the "
            "\u201cwhile open\u201d text.",
    "menu": "Replaces the \u201cwhile open\u201d text. {menu} lists your reply menu options.",
}


@dataclass(frozen=True)
class GalleryEntry:
    key: str         # "repairs-open": what the copy form posts
    kind: str        # a key of KINDS
    case: str        # a key of CASES
    template: str    # the template it copies into: "missed_open", "missed_closed", "followup"
    body: str
    note: str        # "" or why it lands where it does


_BODIES: dict[tuple[str, str], str] = {
    ("repairs", "open"): "{business}: sorry we missed your call, we're on a job. Text what needs fixing and "
                         "we'll get back to you. " + OPT_OUT_LINE,
    ("repairs", "after_hours"): "{business}: sorry we missed you. Text what needs fixing and we'll reply when "
                                "we open {next_open}. " + OPT_OUT_LINE,
    ("repairs", "busy"): "{business}: we're on another call. Text us your address and the job and we'll call "
                         "you back. " + OPT_OUT_LINE,
    ("repairs", "followup"): "{business}: did we sort out your job? If you still need us, reply here and "
                             "we'll book you in. " + OPT_OUT_LINE,
    ("repairs", "menu"): "{business}: sorry we missed your call, we're on a job. {menu}. " + OPT_OUT_LINE,

    ("retail", "open"): "{business}: sorry we missed your call! Ask us about any item, price or stock here "
                        "by text. " + OPT_OUT_LINE,
    ("retail", "after_hours"): "{business}: thanks for calling! We open {next_open}. Text us your question "
                               "and we'll answer then. " + OPT_OUT_LINE,
    ("retail", "busy"): "{business}: we're busy with a customer. Text your question and we'll reply in a few "
                        "minutes. " + OPT_OUT_LINE,
    ("retail", "followup"): "{business}: did you find what you were looking for? Reply here if we can help. "
                            + OPT_OUT_LINE,
    ("retail", "menu"): "{business}: sorry we missed your call! {menu}. " + OPT_OUT_LINE,

    ("appointments", "open"): "{business}: sorry we missed your call. Reply here to book, move or ask about "
                              "an appointment. " + OPT_OUT_LINE,
    ("appointments", "after_hours"): "{business}: sorry we missed you. We open {next_open}. Reply to book or "
                                     "ask and we'll confirm then. " + OPT_OUT_LINE,
    ("appointments", "busy"): "{business}: we're with a client. Reply here to book or ask and we'll get back "
                              "to you shortly. " + OPT_OUT_LINE,
    ("appointments", "followup"): "{business}: did we answer your call? Reply here if you'd still like an "
                                  "appointment. " + OPT_OUT_LINE,
    ("appointments", "menu"): "{business}: sorry we missed your call. {menu}. " + OPT_OUT_LINE,

    ("emergency", "open"): "{business}: we're on a call-out. Text your address and the problem, and URGENT "
                           "if it can't wait. " + OPT_OUT_LINE,
    ("emergency", "after_hours"): "{business}: we missed your call. Text your address and the problem, or "
                                  "URGENT and we'll call right back. " + OPT_OUT_LINE,
    ("emergency", "busy"): "{business}: we're on another call. Text your address and what's wrong, or URGENT "
                           "for a call back. " + OPT_OUT_LINE,
    ("emergency", "followup"): "{business}: is everything fixed? If you still need us, reply here or text "
                               "URGENT. " + OPT_OUT_LINE,
    ("emergency", "menu"): "{business}: sorry we missed your call. {menu}. Or text URGENT. " + OPT_OUT_LINE,
}

GALLERY: tuple[GalleryEntry, ...] = tuple(
    GalleryEntry(key=f"{kind}-{case}".replace("_", "-"), kind=kind, case=case, template=CASE_TEMPLATES[case],
                 body=_BODIES[kind, case], note=_NOTES.get(case, ""))
    for kind in KINDS for case in CASES)
_BY_KEY = {entry.key: entry for entry in GALLERY}


def gallery_entry(key: str) -> GalleryEntry:
    """The entry with this key ("retail-after-hours"); KeyError naming the known keys."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f'no gallery text "{key}" (known: {", ".join(_BY_KEY)})') from None


def measure_entry(entry: GalleryEntry) -> TemplateCheck:
    """The entry's size at its longest, measured as an owner's template is (check_template), but
    with {menu} at MENU_SAMPLE. TemplateError if the template it copies into would refuse it."""
    return check_template(entry.template, entry.body.replace("{menu}", MENU_SAMPLE))
