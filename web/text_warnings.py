"""The warnings shown beside a text the owner writes (agent.rules.template_checks), the same on the
Templates page, in the gallery and in the set-up wizard; and the note the wizard gives when the
shop's name itself takes every text out of the plain SMS alphabet (a phone's curly apostrophe).

Warnings never stop a save. A text is measured with the longest value of each placeholder that
changes from call to call, and the shop's own name and reply menu, which do not.
"""

from __future__ import annotations

import unicodedata

from agent.errors import TemplateError
from agent.rules.template_checks import TemplateWarning, template_warnings
from agent.rules.templates import SAMPLE_VALUES, check_template
from agent.sms.pdu import segment_info

__all__ = ["warnings_for", "longest_values", "name_outside_sms_alphabet", "PLAIN_FOR"]

# what a phone keyboard types → the plain character that stays in the SMS alphabet
PLAIN_FOR = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
             "\u2026": "...", "\u00a0": " "}


def longest_values(values: dict[str, str]) -> dict[str, str]:
    """What the checks measure a text with (see the module's docstring)."""
    return {**SAMPLE_VALUES, **{key: values[key] for key in ("business", "menu") if key in values}}


def warnings_for(name: str, body: str, values: dict[str, str]) -> tuple[TemplateWarning, ...]:
    """The warnings for template `name` written as `body`; () when it cannot be saved (its error says more)."""
    try:
        check_template(name, body)
    except TemplateError:
        return ()
    return template_warnings(name, body, longest_values(values))


def name_outside_sms_alphabet(name: str) -> str | None:
    """For a shop name with characters outside GSM-7: what to tell the owner; None when all is plain."""
    forcing = list(dict.fromkeys(char for char in name if segment_info(char).encoding != "GSM-7"))
    if not forcing:
        return None
    shown = ", ".join(f"\u201c{char}\u201d ({unicodedata.name(char, f'U+{ord(char):04X}').lower()})"
                      for char in forcing[:3])
    plain = "".join(PLAIN_FOR.get(char, char) for char in name)
    advice = (f" Write it \u201c{plain}\u201d to keep each text to 1 SMS where it fits."
              if plain != name and segment_info(plain).encoding == "GSM-7" else "")
    return (f"{shown} in the name {'is' if len(forcing) == 1 else 'are'} not in the plain SMS alphabet, so every "
            f"text with the name goes as UCS-2: 70 characters per SMS instead of 160, and most missed calls "
            f"would cost 2 SMS.{advice}")
