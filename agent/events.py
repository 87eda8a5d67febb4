"""Plain events that flow up from the modem layer. Only agent/modem builds them from AT lines."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Ring", "CallerId", "CallListed", "CallEnded", "CallAnswered", "CallForwarded",
    "SmsStored", "SmsDelivered", "StatusReportStored", "StatusReportDelivered", "Noise", "Unknown", "Event",
    "ModemRestarted", "StorageFull",
]


@dataclass(frozen=True)
class Ring:
    """RING or +CRING: VOICE — one per ring of an incoming call."""
    signal: str = "RING"


@dataclass(frozen=True)
class CallerId:
    """+CLIP: the caller's number as printed, its type of address and CLI validity (0 ok, 1 withheld, 2 n/a)."""
    number: str
    toa: int | None
    validity: int | None = None


@dataclass(frozen=True)
class CallListed:
    """+CLCC / ^DSCI call-state report (27.007 stat: 0 active, 4 incoming, 5 waiting; 6 = ended, vendor)."""
    call_index: int
    incoming: bool
    stat: int
    number: str
    toa: int | None
    signal: str


@dataclass(frozen=True)
class CallEnded:
    """A family's own end-of-call line: NO CARRIER, MISSED_CALL, ^CEND, VOICE CALL: END, +UCALLSTAT …
    `cause`: the network's release cause where the line carries one (24.008 10.5.4.11)."""
    signal: str
    number: str = ""
    toa: int | None = None
    cause: int | None = None


@dataclass(frozen=True)
class CallForwarded:
    """+CSSU: 0 (27.007 §7.17, with AT+CSSN=1,1): the network says the incoming call was forwarded
    here from another line (the shop's phone forwarding unanswered calls to the box)."""
    signal: str = "+CSSU: 0"


@dataclass(frozen=True)
class CallAnswered:
    signal: str


@dataclass(frozen=True)
class SmsStored:
    """+CMTI: a new SMS stored at <storage>,<index>."""
    storage: str
    index: int


@dataclass(frozen=True)
class SmsDelivered:
    """+CMT: a new SMS handed over directly, with its PDU."""
    pdu: str


@dataclass(frozen=True)
class StatusReportStored:
    storage: str
    index: int


@dataclass(frozen=True)
class StatusReportDelivered:
    pdu: str


@dataclass(frozen=True)
class ModemRestarted:
    """A start-up line (RDY, SMS Ready, PB DONE, ^SYSSTART, +WIND: 4 …) seen after our own set-up:
    the modem rebooted and forgot its settings (echo on, caller ID off, no SMS notices)."""
    text: str
    power: bool = False      # an under-voltage warning: the supply is too weak


@dataclass(frozen=True)
class StorageFull:
    """The modem says its SMS storage is full (+QIND: "smsfull", ^SMMEMFULL, +CIEV smsfull)."""
    storage: str


@dataclass(frozen=True)
class Noise:
    """A known line that needs no action (^RSSI, RDY, +CPIN: READY, Call Ready …)."""
    text: str


@dataclass(frozen=True)
class Unknown:
    text: str


Event = (Ring | CallerId | CallListed | CallEnded | CallAnswered | SmsStored | SmsDelivered
         | StatusReportStored | StatusReportDelivered | ModemRestarted | StorageFull | Noise | Unknown)
