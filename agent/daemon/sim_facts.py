"""What the SIM says about itself and its calls, recorded for the web: its IMSI (the set-up
wizard suggests the country from it), its own number (the forwarding codes need it), and its call
forwarding (the status page warns when calls are forwarded away or go to voicemail first).

Asked after a set-up, then at most every SIM_FACTS_EVERY: each forwarding question goes to the
network (1–15 s), so they are not asked on every reset.
"""

from __future__ import annotations

import logging
from datetime import datetime

from agent.errors import StorageError
from agent.modem import inspection
from agent.modem.modem import Modem
from agent.rules.forwarding import forwarding_advice, rules_to_state
from agent.store import Store

__all__ = ["record_sim_facts", "SIM_FACTS_EVERY", "FORWARDING_TIMEOUT"]

log = logging.getLogger(__name__)

SIM_FACTS_EVERY = 6 * 3600.0          # seconds
FORWARDING_TIMEOUT = 10.0             # per AT+CCFC question


def record_sim_facts(modem: Modem, store: Store, now: datetime) -> None:
    values: dict = {}
    found = inspection.subscriber(modem)
    if isinstance(found, inspection.Subscriber):
        values["imsi"] = found.imsi
    own = inspection.own_number(modem)
    if isinstance(own, inspection.OwnNumber) and own.number:
        values["own_number"] = own.number
    rules = inspection.call_forwarding(modem, timeout=FORWARDING_TIMEOUT)
    values["forwarding"] = rules_to_state(rules)
    values["forwarding_checked_at"] = now.isoformat()
    for advice in forwarding_advice(rules):
        if advice.verdict != "ok":
            log.warning("%s: %s. %s", advice.name, advice.found, advice.fix)
    try:
        store.set_modem_state(now, **values)
    except StorageError as error:
        log.warning("could not record what the SIM says (%s); asked again later", error)
