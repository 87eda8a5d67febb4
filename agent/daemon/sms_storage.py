"""The modem's SMS storages, as 3GPP TS 27.005 §3.2.2 defines them, and how we empty them.

AT+CPMS has three memories: <mem1> is what AT+CMGR / +CMGL / +CMGD read and delete, <mem2> what
+CMGW / +CMSS use, <mem3> where new messages are stored; `+CMTI: <mem>,<index>` names the one a
new message went to. They can differ (a Cinterion MC75i: "ME","ME","SM"). So:
- at set-up we read AT+CPMS? and, where the modem allows it, put all three on mem3;
- an index from +CMTI is read in the storage it names (mem1 switched to it first);
- the sweep lists every storage in use;
- a message is deleted only after its PDU was read, decoded and committed to SQLite, in the
  storage and at the index it was read from; an empty or out-of-step answer deletes nothing;
- every sweep empties the storages into SQLite (old messages and the old phone's drafts become
  history there), so a SIM never fills up; when the modem says it is full anyway, we sweep at
  once and tell the network there is room again (AT+CNMA where the modem needs it).
The fill of each storage goes to the status page; the owner is warned once a day before it is full.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from agent.clock import Clock
from agent.errors import CommandError
from agent.daemon.inbound import Inbound
from agent.modem.modem import Modem
from agent.store import Store

__all__ = ["SmsStorage", "WARN_FILL"]

log = logging.getLogger(__name__)

READ_TRIES = 5           # reads of one message the modem may refuse before the next listing takes it
WARN_FILL = 0.8          # a storage this full after a sweep is something we could not free


class SmsStorage:
    def __init__(self, modem: Modem, store: Store, inbound: Inbound, clock: Clock):
        self.modem = modem
        self.store = store
        self.inbound = inbound
        self.clock = clock
        self.read_from: str | None = None      # the current <mem1>
        self.in_use: set[str] = set()
        self.fill: dict[str, tuple[int, int]] = {}
        self.unread: list[tuple[str, int]] = []     # read, but the database refused it: read again soon
        self._refusals: dict[tuple[str, int], int] = {}    # reads the modem refused, by message
        self._full_seen = False

    def prepare(self) -> None:
        """Read AT+CPMS?; put all three memories on the one new messages go to, where allowed."""
        found = self.modem.storages()
        if not found:
            return
        names = [name for name, _, _ in found]
        receive = names[2] if len(names) > 2 else names[0]
        if len(set(names)) > 1 and self.modem.select_storages(receive, receive, receive):
            log.info("SMS storages were %s; all on %s now", "/".join(names), receive)
            names = [receive, receive, receive]
        self.read_from = names[0]
        self.in_use = set(names[:1] + names[2:3])
        self._note_fill(found)

    def read(self, storage: str, index: int) -> None:
        """A +CMTI / +CDSI index, in the storage it names."""
        storage = (storage or "SM").upper()
        self.in_use.add(storage)
        if not self._select(storage):
            log.warning("cannot read %s (the modem will not switch to it); the sweep will list it", storage)
            return
        for _ in range(2):
            try:
                sms = self.modem.read_message(index)
            except CommandError as error:      # +CMS ERROR: 500 / 314 (SIM busy): read it again soon
                self._read_refused(storage, index, error)
                return
            if sms is None:        # not a real answer: the link resynchronises; ask again
                continue
            self._refusals.pop((storage, index), None)
            if sms is False:
                log.info("SMS %s/%d was empty when read", storage, index)
                if (storage, index) in self.unread:      # read and deleted meanwhile (by a listing)
                    self.unread.remove((storage, index))
                return
            if self.inbound.take_stored(sms.pdu, sms.stat):
                self.modem.delete_message(index)
                if (storage, index) in self.unread:
                    self.unread.remove((storage, index))
            elif (storage, index) not in self.unread:
                self.unread.append((storage, index))
            return

    def _read_refused(self, storage: str, index: int, error: CommandError) -> None:
        tries = self._refusals.get((storage, index), 0) + 1
        if tries > READ_TRIES:
            self._refusals.pop((storage, index), None)
            if (storage, index) in self.unread:
                self.unread.remove((storage, index))
            log.warning("SMS %s/%d refused %d times (%s); the next listing of the SIM reads it", storage,
                        index, tries - 1, error)
            return
        self._refusals[(storage, index)] = tries
        if (storage, index) not in self.unread:
            self.unread.append((storage, index))
        log.warning("reading SMS %s/%d refused (%s); reading it again in a second", storage, index, error)

    def retry_unread(self) -> None:
        for storage, index in list(self.unread):
            self.read(storage, index)

    def sweep(self) -> None:
        """List every storage in use; commit and delete what is there."""
        for storage in sorted(self.in_use) or [None]:
            if storage is not None and not self._select(storage):
                continue
            for sms in self.modem.stored_messages():
                if self.inbound.take_stored(sms.pdu, sms.stat):
                    self.modem.delete_message(sms.index)
        found = self.modem.storages()
        if found:
            self._note_fill(found)
        if self._full_seen:
            self._full_seen = False
            self.modem.memory_available()

    def free(self, storage: str) -> None:
        """The modem says a storage is full: empty it into SQLite now, and say there is room."""
        self.in_use.add((storage or "SM").upper())
        self._full_seen = True
        self.sweep()

    def _select(self, storage: str) -> bool:
        if storage == self.read_from:
            return True
        if self.modem.select_storages(storage):
            self.read_from = storage
            return True
        return False

    def _note_fill(self, found: list[tuple[str, int, int]]) -> None:
        fill = {name: (used, total) for name, used, total in found}
        self.fill = fill
        try:
            self.store.set_modem_state(self.clock.now(), sms_storage={k: list(v) for k, v in fill.items()})
            full = [f"{name} {used}/{total}" for name, (used, total) in fill.items() if total and used / total >= WARN_FILL]
            if full:
                self._warn_owner(", ".join(full))
        except CommandError:
            pass

    def _warn_owner(self, what: str) -> None:
        now = self.clock.now()
        settings = self.store.load_settings()
        log.warning("SMS storage nearly full and could not be freed: %s", what)
        if not settings.owner_phone or self.store.texts_since(("owner_alert",), now - timedelta(days=1),
                                                              settings.owner_phone, body_prefix="TextBack: the SIM"):
            return
        self.store.queue_text(number=settings.owner_phone, kind="owner_alert", due_at=now, now=now,
                              body=f"TextBack: the SIM's message memory is nearly full ({what}) and could not be "
                                   "freed. New texts may not arrive. Check the status page.")
