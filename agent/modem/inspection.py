"""Read-only questions to the modem: who it is, its SIM, the network, the SMS centre, the SMS
storages and call forwarding. `textback doctor` prints them; the agent can ask for forwarding to
show it on the status page.

Each answer is parsed here, once, into a frozen dataclass. A question the modem could not answer
(ERROR, +CME ERROR, no answer in time, the port gone) gives `Unanswered` naming the command and why
in words, never an exception, so every line of a report can still be printed.

Formats: 3GPP TS 27.007 (§5.1–5.4 identity, §5.6 +CIMI, §7.1 +CNUM, §7.2 +CREG, §7.3 +COPS, §7.11
+CCFC, §8.3 +CPIN, §9.2 +CME ERROR codes) and 27.005 §3.3.1 (+CSCA); the answers real modems give
are replayed in tests/replay/test_inspection_replay.py with their sources.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import IntEnum

from agent.rules.forwarding import ALL_FORWARDING_OFF, OFF_CODES
from agent.rules.numbers import from_ucs2_hex
from agent.errors import CommandError, ModemError
from agent.modem.dialects import detect_dialect
from agent.modem.modem import Modem, ModemInfo, NetworkStatus, voiceless_model
from agent.modem.urc import fields

__all__ = ["Unanswered", "Identity", "radio_level", "voice_problem", "SimState", "Subscriber", "OwnNumber", "OperatorCode", "SmsCentre",
           "Storage", "Reason", "Forwarding", "ALL_FORWARDING_OFF", "numbered_errors", "identity", "sim_state",
           "subscriber", "own_number", "network", "operator_code", "sms_centre", "storages", "forwarding_rule",
           "call_forwarding"]

log = logging.getLogger(__name__)

# 27.007 §9.2.1: the +CME ERROR codes a SIM or network question can meet.
CME_WORDS = {
    0: "phone failure", 3: "operation not allowed", 4: "operation not supported", 5: "PH-SIM PIN required",
    10: "SIM not inserted", 11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure", 14: "SIM busy",
    15: "SIM wrong", 16: "incorrect password", 17: "SIM PIN2 required", 18: "SIM PUK2 required",
    20: "memory full", 21: "invalid index", 22: "not found", 23: "memory failure", 30: "no network service",
    31: "network timeout", 32: "network not allowed, emergency calls only", 100: "unknown error",
}

# MCCs whose networks use three-digit MNCs (E.212: North America and the Caribbean, Mexico,
# Argentina, Colombia, Honduras). Elsewhere MNCs have two digits; only the SIM's EF_AD says for sure.
_THREE_DIGIT_MNC = frozenset({"302", "310", "311", "312", "313", "314", "315", "316", "334", "338", "342", "344",
                              "346", "348", "352", "354", "356", "358", "360", "365", "366", "376", "708", "722",
                              "732"})


@dataclass(frozen=True)
class Unanswered:
    """A question the modem could not answer: the command, and why in words."""
    command: str
    why: str


@dataclass(frozen=True)
class Identity:
    """AT+CGMI, AT+CGMM, AT+CGMR, AT+CGSN; "" for each the modem would not give."""
    manufacturer: str
    model: str
    revision: str
    imei: str

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.manufacturer, self.model) if part)


@dataclass(frozen=True)
class SimState:
    """+CPIN: <code>: READY, SIM PIN, SIM PUK, PH-SIM PIN, SIM PIN2 … (27.007 §8.3)."""
    code: str

    @property
    def ready(self) -> bool:
        return self.code == "READY"

    @property
    def wants_pin(self) -> bool:
        return self.code == "SIM PIN"

    @property
    def wants_puk(self) -> bool:
        return "PUK" in self.code


@dataclass(frozen=True)
class Subscriber:
    """AT+CIMI: the SIM's IMSI, its country (MCC) and its network (MNC)."""
    imsi: str
    mcc: str
    mnc: str


@dataclass(frozen=True)
class OwnNumber:
    """AT+CNUM: the numbers the SIM holds for itself; () when it holds none (many SIMs do not)."""
    numbers: tuple[str, ...]

    @property
    def number(self) -> str:
        return self.numbers[0] if self.numbers else ""


@dataclass(frozen=True)
class OperatorCode:
    """The registered network as MCC+MNC ("23415"), from AT+COPS? in numeric format."""
    code: str

    @property
    def mcc(self) -> str:
        return self.code[:3]

    @property
    def mnc(self) -> str:
        return self.code[3:]


@dataclass(frozen=True)
class SmsCentre:
    """AT+CSCA?: the SMS centre the SIM sends through; number "" when none is set."""
    number: str
    toa: int | None

    @property
    def is_set(self) -> bool:
        return bool(re.search(r"\d{4,}", self.number))


@dataclass(frozen=True)
class Storage:
    """One of AT+CPMS?'s three memories: role "read" (<mem1>), "write" (<mem2>) or "receive" (<mem3>)."""
    role: str
    memory: str
    used: int
    total: int

    @property
    def nearly_full(self) -> bool:
        return self.total > 0 and self.used >= self.total * 0.8


class Reason(IntEnum):
    """Call forwarding reasons (27.007 §7.11 <reason>), each with the GSM code that erases it (22.030)."""
    UNCONDITIONAL = 0
    BUSY = 1
    NO_REPLY = 2
    NOT_REACHABLE = 3

    @property
    def off_code(self) -> str:
        return OFF_CODES[self.value]


@dataclass(frozen=True)
class Forwarding:
    """One reason's forwarding of voice calls. `active` is None when the modem or the network
    could not tell (then `why` says why): that is never taken for "off"."""
    reason: Reason
    active: bool | None
    number: str = ""
    seconds: int | None = None      # no reply: how long the box rings before calls go away
    why: str = ""


# ---- asking ------------------------------------------------------------------------------------

def _refusal(error: CommandError) -> str:
    if error.kind == "ERROR":
        return "the modem answered ERROR (it may not support this question)"
    label = f"+{error.kind} ERROR: {error.code if error.code is not None else error.text}"
    words = CME_WORDS.get(error.code) if error.kind == "CME" and error.code is not None else None
    return f"{words} ({label})" if words else label


def _ask(modem: Modem, command: str, timeout: float | None = None) -> list[str] | Unanswered:
    try:
        return modem.link.command(command, timeout)
    except CommandError as error:
        return Unanswered(command, _refusal(error))
    except ModemError as error:     # no answer in time, or the port went away
        return Unanswered(command, str(error).removeprefix(f"{command}: "))


def _lines(answer: list[str], prefix: str) -> list[str]:
    return [line for line in answer if line.upper().startswith(prefix.upper())]


def _value(line: str, prefix: str) -> str:
    text = line.strip()
    return text[len(prefix):].strip() if text.upper().startswith(prefix.upper()) else text


def _number(raw: str, toa: int | None) -> str:
    """A number as the modem gave it → as dialled: UCS-2 hex decoded (a modem left in AT+CSCS="UCS2"),
    stray quotes dropped, "+" added where the type says international (145) and it is missing."""
    text = from_ucs2_hex(raw.strip().strip('"').strip())
    if toa == 145 and text and not text.startswith("+"):
        text = "+" + text
    return text


def _int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


# ---- the questions -----------------------------------------------------------------------------

def numbered_errors(modem: Modem) -> bool:
    """AT+CMEE=1, as the agent sets at start: refusals come as +CME ERROR: <code>, which can be
    told apart ("SIM not inserted", "operation not supported"), instead of a bare ERROR."""
    return not isinstance(_ask(modem, "AT+CMEE=1"), Unanswered)


def identity(modem: Modem) -> Identity:
    found = []
    for command, prefix in (("AT+CGMI", "+CGMI:"), ("AT+CGMM", "+CGMM:"), ("AT+CGMR", "+CGMR:"), ("AT+CGSN", "+CGSN:")):
        answer = _ask(modem, command)
        first = next((line for line in answer if line.strip()), "") if isinstance(answer, list) else ""
        found.append(_value(first, prefix).strip('"').strip())
    imei = re.match(r"(\d{14,17})(?:,|$)", found[3])      # "<IMEI>" or "<IMEI>,<serial number>"
    return Identity(found[0], found[1], found[2], imei.group(1) if imei else "")


def radio_level(modem: Modem) -> int | Unanswered:
    """AT+CFUN? (27.007 §8.2): 1 full, 0 minimum, 4 flight mode (radio off)."""
    answer = _ask(modem, "AT+CFUN?")
    if isinstance(answer, Unanswered):
        return answer
    found = _lines(answer, "+CFUN:")
    level = _value(found[0], "+CFUN:").split(",")[0].strip() if found else ""
    return int(level) if level.isdigit() else Unanswered("AT+CFUN?", f"no +CFUN: line in the answer {answer!r}")


def voice_problem(modem: Modem, ident: Identity) -> str:
    """Why calls cannot reach this modem at all, or "": a data-only model, a firmware with voice
    turned off (the family's own question, Huawei AT^CVOICE?), or caller ID refused as not supported."""
    dialect = detect_dialect(f"{ident.manufacturer} {ident.model} {ident.revision}")
    reason = voiceless_model(ModemInfo(ident.manufacturer, ident.model, ident.revision, dialect))
    if reason:
        return reason
    if dialect.voice_query:
        query, on = dialect.voice_query
        answer = _ask(modem, query)
        if isinstance(answer, Unanswered) or not re.search(on, " ".join(answer)):
            said = answer.why if isinstance(answer, Unanswered) else " ".join(answer) or "nothing"
            return f"{query} answered {said}: this firmware may have voice calls turned off"
    answer = _ask(modem, "AT+CLIP?")
    if isinstance(answer, Unanswered) and re.search(r"not supported|ERROR: 4\b", answer.why, re.I):
        return f"it refuses caller ID ({answer.why}): it does not take voice calls"
    return ""


def sim_state(modem: Modem) -> SimState | Unanswered:
    answer = _ask(modem, "AT+CPIN?")
    if isinstance(answer, Unanswered):
        return answer
    found = _lines(answer, "+CPIN:")
    if not found:
        return Unanswered("AT+CPIN?", f"no +CPIN: line in the answer {answer!r}")
    return SimState(_value(found[0], "+CPIN:").strip('"').upper())


def subscriber(modem: Modem) -> Subscriber | Unanswered:
    answer = _ask(modem, "AT+CIMI")
    if isinstance(answer, Unanswered):
        return answer
    text = _value(next((line for line in answer if line.strip()), ""), "+CIMI:").strip('"')
    if not re.fullmatch(r"\d{6,15}", text):        # an IMSI has at most 15 digits (23.003 §2.2)
        return Unanswered("AT+CIMI", f"the answer {text!r} is not an IMSI")
    mnc_digits = 3 if text[:3] in _THREE_DIGIT_MNC else 2
    return Subscriber(text, text[:3], text[3:3 + mnc_digits])


def own_number(modem: Modem) -> OwnNumber | Unanswered:
    answer = _ask(modem, "AT+CNUM")
    if isinstance(answer, Unanswered):
        return answer
    numbers = []
    for line in _lines(answer, "+CNUM:"):
        values = fields(line) + ["", "", ""]
        number = _number(values[1], _int(values[2]))
        if re.search(r"\d{3,}", number):
            numbers.append(number)
    return OwnNumber(tuple(numbers))


def network(modem: Modem) -> NetworkStatus | Unanswered:
    """Registration, operator name and signal (AT+CREG?, AT+COPS?, AT+CSQ), as Modem.network_status
    reads them for the status page."""
    try:
        return modem.network_status()
    except ModemError as error:
        return Unanswered("AT+CREG?", str(error))


def operator_code(modem: Modem) -> OperatorCode | Unanswered:
    """The network as MCC+MNC: AT+COPS=3,2 (numeric format for the read command, 27.007 §7.3: mode 3
    sets only the format and touches no registration), AT+COPS?, then AT+COPS=3,0 (names again,
    as the status page reads them) whatever the read gave."""
    switched = _ask(modem, "AT+COPS=3,2")
    if isinstance(switched, Unanswered):
        return switched
    answer = _ask(modem, "AT+COPS?")
    restored = _ask(modem, "AT+COPS=3,0")
    if isinstance(restored, Unanswered):
        log.warning("could not set the operator format back to names (AT+COPS=3,0): %s", restored.why)
    if isinstance(answer, Unanswered):
        return answer
    found = _lines(answer, "+COPS:")
    values = fields(found[0]) if found else []
    if len(values) < 3:
        return Unanswered("AT+COPS?", "not registered on a network" if found else f"no +COPS: line in {answer!r}")
    if values[1] != "2" or not re.fullmatch(r"\d{5,6}", values[2]):
        return Unanswered("AT+COPS?", f"the operator came as {values[2]!r}, not as MCC+MNC")
    return OperatorCode(values[2])


def sms_centre(modem: Modem) -> SmsCentre | Unanswered:
    answer = _ask(modem, "AT+CSCA?")
    if isinstance(answer, Unanswered):
        return answer
    found = _lines(answer, "+CSCA:")
    if not found:
        return Unanswered("AT+CSCA?", f"no +CSCA: line in the answer {answer!r}")
    values = fields(found[0]) + ["", ""]
    toa = _int(values[1])
    return SmsCentre(_number(values[0], toa), toa)


def storages(modem: Modem) -> tuple[Storage, ...] | Unanswered:
    """AT+CPMS?, as Modem.storages reads it for the agent (27.005 §3.2.2)."""
    try:
        found = modem.storages()
    except ModemError as error:
        return Unanswered("AT+CPMS?", str(error).removeprefix("AT+CPMS?: "))
    if not found:
        return Unanswered("AT+CPMS?", "the modem gave no storage list")
    return tuple(Storage(role, name, used, total)
                 for role, (name, used, total) in zip(("read", "write", "receive"), found))


def forwarding_rule(modem: Modem, reason: Reason, timeout: float | None = None) -> Forwarding:
    """AT+CCFC=<reason>,2: the network's answer, one line per class (27.007 §7.11):
    +CCFC: <status>,<class>[,<number>,<type>[,<subaddr>,<satype>[,<time>]]]. Active for voice
    calls when a line has status 1 and a class that includes voice (bit 1: 1, 7, 255 …), or no
    usable class (then it may be voice: it is never assumed to be off)."""
    command = f"AT+CCFC={reason.value},2"
    answer = _ask(modem, command, timeout)
    if isinstance(answer, Unanswered):
        return Forwarding(reason, None, why=answer.why)
    found = _lines(answer, "+CCFC:")
    told = False
    for line in found:
        values = fields(line) + ["", "", "", "", "", ""]
        status, klass = _int(values[0]), _int(values[1])
        if status not in (0, 1):
            continue
        told = True
        if status == 1 and (klass is None or klass == 0 or klass & 1):
            seconds = _int(values[6])          # 1..30 when given (27.007); some modems print 0
            return Forwarding(reason, True, _number(values[2], _int(values[3])),
                              seconds if seconds and 1 <= seconds <= 30 and reason is Reason.NO_REPLY else None)
    if not told:
        return Forwarding(reason, None, why=f"the answer held no forwarding status ({answer!r})")
    return Forwarding(reason, False)


def call_forwarding(modem: Modem, timeout: float | None = None) -> tuple[Forwarding, ...]:
    """Forwarding of voice calls for the four reasons that matter to the box (unconditional, busy,
    no reply, not reachable). Each is a question to the network: allow up to 20 s for each."""
    return tuple(forwarding_rule(modem, reason, timeout) for reason in Reason)
