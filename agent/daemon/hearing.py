"""Can the box hear calls right now? The truth for the status page, and every period it could not.

"Hearing" means: the modem answers, it is set up as we left it (caller ID on), the SIM is ready
and, once we know it, the modem is on a network. Anything else is deaf, with a reason in words.
Each deaf period is a row in SQLite (start, end, reason). When one that lasted at least
`[alerts] offline_minutes` ends, the owner's phone gets one text (at most 3 a day):
"TextBack could not hear calls from 10:02 to 10:17 (modem not answering)."

A write the store cannot take (locked, disk full) is kept and made on the next `sync()`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agent.clock import Clock, parse_utc, utc_iso
from agent.config import Config
from agent.errors import StorageError
from agent.store import Store

__all__ = ["Hearing", "outage_text", "ALERTS_PER_DAY", "HEARTBEAT_EVERY"]

log = logging.getLogger(__name__)

ALERTS_PER_DAY = 3
HEARTBEAT_EVERY = 30.0        # seconds; the web calls the agent "not running" when it stops


def _clock_text(moment: datetime, tz: ZoneInfo, other: datetime) -> str:
    local = moment.astimezone(tz)
    if local.date() == other.astimezone(tz).date():
        return local.strftime("%H:%M")
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"


def outage_text(started: datetime, ended: datetime, reason: str, tz: ZoneInfo) -> str:
    return (f"TextBack could not hear calls from {_clock_text(started, tz, ended)} to "
            f"{_clock_text(ended, tz, started)} ({reason}).")


class Hearing:
    def __init__(self, config: Config, store: Store, clock: Clock):
        """Deaf from the start: hearing begins when the modem is first set up."""
        self.config = config
        self.store = store
        self.clock = clock
        self.hearing = False
        self.reason = "starting up"
        self._pending: list[tuple[str, datetime, str]] = []    # ("deaf"|"hearing", when, reason) not yet written
        self._next_heartbeat = 0.0
        self._deaf_since: float | None = None    # monotonic, when deafness began in this process
        self._lengths: dict[datetime, float] = {}

    def at_start(self) -> None:
        """The agent was not running between its last heartbeat and now: that is a deaf period too."""
        now = self.clock.now()
        state = self.store.modem_state()
        beat = state.get("heartbeat")
        with self.store.transaction() as tx:
            if self.store.open_downtime_period() is None:
                since = parse_utc(beat) if isinstance(beat, str) else now
                self.store.open_downtime(min(since, now), "TextBack was not running" if beat else "starting up", tx)
            self.store.set_modem_state(now, tx, online=False, deaf_reason="starting up", heartbeat=_iso(now))

    def deaf(self, reason: str) -> None:
        if not self.hearing and reason == self.reason:
            return
        was = self.hearing
        self.hearing, self.reason = False, reason
        if was:
            log.warning("cannot hear calls: %s", reason)
            self._deaf_since = self.clock.monotonic()
        self._pending.append(("deaf" if was else "deaf-again", self.clock.now(), reason))
        self.sync()

    def heard(self) -> None:
        if self.hearing:
            return
        self.hearing, self.reason = True, ""
        log.info("hearing calls again")
        ended = self.clock.now()
        if self._deaf_since is not None:       # a deaf period of this process: its length is monotonic
            self._lengths[ended] = self.clock.monotonic() - self._deaf_since
        self._deaf_since = None
        self._pending.append(("hearing", ended, ""))
        self.sync()

    def tick(self) -> None:
        """Heartbeat (so the web can tell a stopped agent) and any write still owed."""
        mono = self.clock.monotonic()
        if mono >= self._next_heartbeat:
            self._next_heartbeat = mono + HEARTBEAT_EVERY
            try:
                self.store.set_modem_state(self.clock.now(), heartbeat=_iso(self.clock.now()))
            except StorageError:
                pass
        if self._pending:
            self.sync()

    def sync(self) -> None:
        while self._pending:
            kind, when, reason = self._pending[0]
            try:
                ended = None
                with self.store.transaction() as tx:    # the period and the status page's state agree
                    if kind == "deaf":
                        self.store.open_downtime(when, reason, tx)
                        self.store.set_modem_state(when, tx, online=False, deaf_reason=reason,
                                                   offline_since=_iso(when))
                    elif kind == "deaf-again":      # still deaf, for a (new) reason: the period goes on
                        self.store.open_downtime(when, reason, tx)
                        self.store.set_modem_state(when, tx, online=False, deaf_reason=reason)
                    else:
                        ended = self.store.close_downtime(when, tx)
                        self.store.set_modem_state(when, tx, online=True, deaf_reason="")
                if kind == "hearing":
                    if ended is not None:
                        started = parse_utc(ended.started_at)
                        length = self._lengths.pop(when, None)
                        if length is not None:          # wall-clock steps do not make an outage longer
                            started = when - timedelta(seconds=length)
                        self._maybe_alert(ended.id, started, when, ended.reason)
            except StorageError as error:
                log.warning("could not record the modem's state yet (%s); will retry", error)
                return
            self._pending.pop(0)

    def _maybe_alert(self, downtime_id: int, started: datetime, ended: datetime, reason: str) -> None:
        if ended - started < timedelta(minutes=self.config.alerts.offline_minutes):
            return
        settings = self.store.load_settings()
        if not settings.owner_phone:
            return
        if self.store.alerts_since(ended - timedelta(days=1)) >= ALERTS_PER_DAY:
            log.warning("outage of %s not texted to the owner: %d such texts today already", ended - started,
                        ALERTS_PER_DAY)
            return
        body = outage_text(started, ended, reason, ZoneInfo(settings.timezone))
        self.store.queue_text(number=settings.owner_phone, body=body, kind="owner_alert", due_at=ended,
                              now=self.clock.now())
        self.store.mark_downtime_alerted(downtime_id)
        log.info("owner told: %s", body)


def _iso(moment: datetime) -> str:
    return utc_iso(moment)
