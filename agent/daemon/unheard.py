"""Calls the modem remembers that TextBack never saw (its missed-calls list, read after an outage).

The list (AT+CPBS="MC") has no reliable times, so its numbers are only shown to the owner as
"missed while the box was not listening", each with a button that sends the usual text; nothing
is ever sent on its own. A number is listed when it is new in the modem's list since the last
read and TextBack has no call from it in the last week. The first read on a box only takes note
of what the list holds (it may be months old).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from agent.rules.numbers import caller_number
from agent.store import Store

__all__ = ["note_unheard_calls", "SEEN_KEY"]

log = logging.getLogger(__name__)

SEEN_KEY = "missed_list_seen"


def note_unheard_calls(store: Store, listed: list[tuple[str, int | None]], now: datetime) -> int:
    """Compare the modem's list with the last one read; list new, unseen numbers. Returns how many."""
    state = store.modem_state()
    seen = state.get(SEEN_KEY)
    numbers = [raw for raw, _ in listed]
    store.set_modem_state(now, **{SEEN_KEY: numbers})
    if not isinstance(seen, list):
        return 0
    country = store.load_settings().country
    added = 0
    for raw, toa in listed:
        if raw in seen:
            continue
        number = caller_number(raw, toa, None, country)
        if number.e164 is None or store.called_since(number.e164, now - timedelta(days=7)):
            continue
        if store.add_unheard_call(number.e164, raw, now):
            added += 1
            log.warning("the modem lists a missed call from %s that TextBack never heard", number.e164)
    return added


