"""The reply menu: up to five options a caller can answer with ("Reply 1 Book, 3 Call me back").

An option is a key (one or two letters or digits, "1"), a label (at most 20 characters, "Call me
back") and the reply the caller gets when they choose it (a text filled like a template). A reply
matches an option when it is the option's key or its label, in any case and with punctuation
and spacing ignored (`squeeze`). So no two options may squeeze to the same key or label, and no
label may be a keyword (STOP, HELP, …): an opt-out must always read as an opt-out. Pure.

`chosen_option` reads a reply as a choice; `menu_line` is the {menu} placeholder ("Reply 1 Book,
3 Call me back"). An option whose label asks to be called ("Call me back", "Callback", "Ring me")
is a callback request (`asks_for_callback`): its conversation is pinned at the top of the inbox
until the owner marks it handled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agent.errors import TemplateError
from agent.rules.keywords import classify
from agent.rules.templates import check_text, menu_line

__all__ = ["MenuOption", "MAX_OPTIONS", "MAX_KEY", "MAX_LABEL", "squeeze", "parse_menu_options", "chosen_option",
           "asks_for_callback", "menu_line"]

MAX_OPTIONS = 5
MAX_KEY = 2
MAX_LABEL = 20
_FIELDS = ("key", "label", "reply")
_KEY = re.compile(r"[A-Za-z0-9]{1,%d}" % MAX_KEY)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class MenuOption:
    key: str       # "1"
    label: str     # "Call me back"
    reply: str     # "{business}: we'll call you back as soon as we're free."


def squeeze(text: str) -> str:
    """How a reply is compared with a key or label: lower case, words only, one space between."""
    return " ".join(_WORD.findall(text.casefold()))


def chosen_option(body: str, options: Iterable[MenuOption]) -> MenuOption | None:
    """The option a reply chooses: the whole reply is its key or its label (squeezed); else None."""
    said = squeeze(body) if isinstance(body, str) else ""
    if not said:
        return None
    for option in options:
        if said in (squeeze(option.key), squeeze(option.label)):
            return option
    return None


_CALLBACK = re.compile(r"\b(call ?back|call (me|us) back|ring (me|back)|phone me)\b")


def asks_for_callback(option: MenuOption) -> bool:
    """The option's label asks the shop to call: "Call me back", "Callback", "Please ring me"."""
    return bool(_CALLBACK.search(squeeze(option.label)))


def _text(entry: dict[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {name} must be a non-empty string in quotes")
    return value.strip()


def _option(entry: Any, where: str) -> MenuOption:
    if not isinstance(entry, dict):
        raise ValueError(f'{where}: expected {{ key = "1", label = "Book", reply = "…" }}')
    unknown = sorted(set(entry) - set(_FIELDS))
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r} (an option has key, label and reply)")
    key, label, reply = (_text(entry, name, where) for name in _FIELDS)
    if not _KEY.fullmatch(key):
        raise ValueError(f"{where}: key {key!r} must be 1 to {MAX_KEY} letters or digits")
    if len(label) > MAX_LABEL:
        raise ValueError(f"{where}: label {label!r} is {len(label)} characters; at most {MAX_LABEL}")
    if not squeeze(label):
        raise ValueError(f"{where}: label {label!r} needs a letter or a digit")
    if classify(label) is not None:
        raise ValueError(f"{where}: label {label!r} reads as the keyword {classify(label).upper()}; "
                         "pick another label")
    try:
        check_text("reply", reply)
    except TemplateError as error:
        raise ValueError(f"{where}: {error}") from None
    return MenuOption(key=key, label=label, reply=reply)


def parse_menu_options(value: Any) -> tuple[MenuOption, ...]:
    """config.toml's [menu] options (a list of inline tables) → MenuOptions, in order.

    Raises ValueError naming the entry (by position and key) and what is wrong with it.
    """
    if not isinstance(value, list):
        raise ValueError('expected a list of options such as [{ key = "1", label = "Book", reply = "…" }]')
    if len(value) > MAX_OPTIONS:
        raise ValueError(f"expected at most {MAX_OPTIONS} options, got {len(value)}")
    options: list[MenuOption] = []
    for position, entry in enumerate(value, start=1):
        key = entry.get("key") if isinstance(entry, dict) else None
        where = f"option {position}" + (f' (key "{key}")' if isinstance(key, str) and key.strip() else "")
        options.append(_option(entry, where))
    _refuse_clashes(options)
    return tuple(options)


def _refuse_clashes(options: Iterable[MenuOption]) -> None:
    """Two options a reply could not tell apart are an error naming both."""
    seen: dict[str, str] = {}       # squeezed key or label → which option said it
    for position, option in enumerate(options, start=1):
        where = f'option {position} (key "{option.key}")'
        for name, said in (("key", option.key), ("label", option.label)):
            token = squeeze(said)
            if token in seen and not (name == "label" and seen[token] == f"the key of {where}"):
                raise ValueError(f"{where}: {name} {said!r} is already {seen[token]}")
            seen.setdefault(token, f"the {name} of {where}")
