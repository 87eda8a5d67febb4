"""What the SIM says about itself and its calls, recorded for the web: its IMSI (the set-up
wizard suggests the country from it), its own number (the forwarding codes need it), and its call
forwarding (the status page warns when calls are forwarded away or go to voicemail first).

Asked after a set-up, then at most every SIM_FACTS_EVERY: each forwarding question goes to the
network (1–15 s), so they are not asked on every reset.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from agent.errors import StorageError
from agent.modem import inspection
from agent.modem.link import timeout_for
from agent.modem.modem import Modem
from agent.rules.forwarding import forwarding_advice, rules_to_state
from agent.store import Store

__all__ = ["record_sim_facts", "SIM_FACTS_EVERY", "FORWARDING_TIMEOUT"]

log = logging.getLogger(__name__)

SIM_FACTS_EVERY = 6 * 3600.0          # seconds
FORWARDING_TIMEOUT = 10.0             # per AT+CCFC question


def _forwarding(modem: Modem) -> tuple[inspection.Forwarding, ...]:
    """The four forwarding questions, stopping at the first one left unanswered past its time-out:
    a modem that has gone quiet must be found hung by the keep-alive, not wait out four time-outs."""
    rules = []
    for reason in inspection.Reason:
        began = time.monotonic()
        rule = inspection.forwarding_rule(modem, reason, timeout=FORWARDING_TIMEOUT)
        rules.append(rule)
        if rule.active is None and time.monotonic() - began >= FORWARDING_TIMEOUT * 0.9:
            rules += [inspection.Forwarding(later, None, why="not asked: the modem stopped answering")
                      for later in inspection.Reason if later > reason]
            break
    return tuple(rules)


def _quiet(answer: object, began: float, timeout: float) -> bool:
    """Left unanswered for (nearly) its whole time-out: the modem has gone quiet."""
    return isinstance(answer, inspection.Unanswered) and time.monotonic() - began >= timeout * 0.9


def record_sim_facts(modem: Modem, store: Store, now: datetime) -> None:
    """Ask, and record what was answered. A modem that goes quiet on any question is asked nothing
    more (the keep-alive then finds it hung, as it would have without these questions)."""
    values: dict = {}
    began = time.monotonic()
    found = inspection.subscriber(modem)
    if _quiet(found, began, timeout_for("AT+CIMI")):
        return
    if isinstance(found, inspection.Subscriber):
        values["imsi"] = found.imsi
    began = time.monotonic()
    own = inspection.own_number(modem)
    if _quiet(own, began, timeout_for("AT+CNUM")):
        return
    if isinstance(own, inspection.OwnNumber) and own.number:
        values["own_number"] = own.number
    rules = _forwarding(modem)
    values["forwarding"] = rules_to_state(rules)
    values["forwarding_checked_at"] = now.isoformat()
    for advice in forwarding_advice(rules):
        if advice.verdict != "ok":
            log.warning("%s: %s. %s", advice.name, advice.found, advice.fix)
    try:
        store.set_modem_state(now, **values)
    except StorageError as error:
        log.warning("could not record what the SIM says (%s); asked again later", error)
