"""`textback doctor`: plain-words checks of everything between the SIM and the owner's browser.

Each check gives a verdict (ok / warn / fail), what was found, and what to do about it.
"""

from __future__ import annotations

import grp
import os
import re
import shutil
import socket
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from agent.config import Config
from agent.errors import ModemError, TextBackError
from agent.modem import inspection
from agent.modem.inspection import (Forwarding, OperatorCode, OwnNumber, SimState,
                                    SmsCentre, Storage, Subscriber, Unanswered)
from agent.modem.link import SerialLink
from agent.rules.forwarding import forwarding_advice
from agent.modem.modem import Modem, NetworkStatus
from agent.store import Store

__all__ = ["Check", "run_checks", "forwarding_checks", "port_holders", "send_test_text"]


@dataclass(frozen=True)
class Check:
    name: str
    verdict: str          # "ok", "warn" or "fail"
    found: str
    fix: str = ""


def port_holders(port: str) -> list[str]:
    """Names (and PIDs) of processes that have the port open, read from /proc."""
    try:
        target = os.path.realpath(port)
    except OSError:
        return []
    holders = []
    for proc in Path("/proc").glob("[0-9]*"):
        if int(proc.name) == os.getpid():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.path.realpath(fd) == target:
                    name = (proc / "comm").read_text().strip()
                    holders.append(f"{name} (pid {proc.name})")
                    break
        except OSError:
            continue
    return holders


def _port_checks(config: Config) -> list[Check]:
    port = config.modem.port
    if not os.path.exists(port):
        return [Check("Modem port", "fail", f"{port} does not exist",
                      "Plug the modem in and wait 20 s. If it still is missing, see 'Adding a modem that is not "
                      "listed' in docs/install.md (udev rule), or set [modem] port to the right /dev/ttyUSB*.")]
    checks = [Check("Modem port", "ok", f"{port} → {os.path.realpath(port)}")]
    info = os.stat(port)
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group = str(info.st_gid)
    readable = bool(info.st_mode & stat.S_IRGRP and info.st_mode & stat.S_IWGRP)
    if group == "dialout" and readable:
        checks.append(Check("Port permissions", "ok", "group dialout can read and write it"))
    elif os.access(port, os.R_OK | os.W_OK):
        checks.append(Check("Port permissions", "warn", f"group {group}, mode {stat.filemode(info.st_mode)}",
                            "The service user 'textback' is in group dialout; re-run install.sh so the udev rule "
                            "gives the port to dialout."))
    else:
        checks.append(Check("Port permissions", "fail", f"this user cannot open {port}",
                            "Run doctor as root or as the textback user (sudo -u textback textback doctor …)."))
    return checks


def _modem_checks(modem: Modem, config: Config) -> list[Check]:
    try:
        modem.sync()
    except ModemError as error:
        return [Check("Modem answers AT", "fail", str(error),
                      "Unplug and re-plug the modem; check [modem] port points at the AT port (often the third "
                      "ttyUSB of the modem) and, on a UART, [modem] baudrate and flow_control.")]
    inspection.numbered_errors(modem)
    ident = inspection.identity(modem)
    found = ident.name or "yes"
    checks = [Check("Modem answers AT", "ok", f"{found} ({ident.revision})" if ident.revision else found),
              _radio_check(inspection.radio_level(modem)), _voice_check(inspection.voice_problem(modem, ident), found)]
    state = inspection.sim_state(modem)
    checks.append(_sim_check(state, inspection.subscriber(modem) if _ready(state) else None, config))
    if not _ready(state):
        return checks
    checks.append(_own_number_check(inspection.own_number(modem)))
    checks += _network_checks(inspection.network(modem), inspection.operator_code(modem))
    checks.append(_sms_centre_check(inspection.sms_centre(modem)))
    checks.append(_storage_check(inspection.storages(modem)))
    checks += forwarding_checks(inspection.call_forwarding(modem))
    return checks


def _radio_check(level: int | Unanswered) -> Check:
    if isinstance(level, Unanswered) or level == 1:
        return Check("Radio", "ok", "on" if level == 1 else f"the modem would not say ({level.why})")
    return Check("Radio", "fail", f"off (+CFUN: {level}: low power or flight mode): it hears no calls",
                 "The service switches it on at start (AT+CFUN=1). If it stays off, the modem may need its "
                 "maker's unlock (some laptop cards ship radio-locked) or a firmware with the radio enabled.")


def _voice_check(problem: str, name: str) -> Check:
    if not problem:
        return Check("Voice calls", "ok", "the modem can take calls")
    return Check("Voice calls", "fail", f"{name}: {problem}",
                 "TextBack needs a modem with voice calls: a SIM800, SIM7600, Quectel EC25/EG25 or a Huawei "
                 "stick with a voice firmware (docs/modems.md lists the families).")


def _ready(state: SimState | Unanswered) -> bool:
    return isinstance(state, SimState) and state.ready


def _sim_check(state: SimState | Unanswered, who: Subscriber | Unanswered | None, config: Config) -> Check:
    if isinstance(state, Unanswered):
        return Check("SIM", "fail", f"not ready ({state.why})", "Check the SIM is in, the right way up, and pushed home.")
    if state.ready:
        where = f", country code {who.mcc}, network {who.mnc}" if isinstance(who, Subscriber) else ""
        return Check("SIM", "ok", f"ready (no PIN needed, or PIN entered){where}")
    if state.wants_pin:
        if config.modem.pin:
            return Check("SIM", "warn", "the SIM asks for its PIN", "[modem] pin is set: the service enters it at start.")
        return Check("SIM", "fail", "the SIM asks for its PIN", "Set [modem] pin in config.toml, or remove the PIN with a phone.")
    if state.wants_puk:
        return Check("SIM", "fail", "the SIM is locked (PUK)", "Unlock it in a phone with its PUK.")
    return Check("SIM", "fail", f"not ready ({state.code})", "Put the SIM in a phone and check it works there.")


def _own_number_check(own: OwnNumber | Unanswered) -> Check:
    if isinstance(own, Unanswered):
        return Check("Box's own number", "ok", f"the modem would not say ({own.why})")
    if not own.numbers:
        return Check("Box's own number", "ok", "not stored on this SIM (many SIMs do not hold it; nothing to fix)")
    return Check("Box's own number", "ok", ", ".join(own.numbers))


def _network_checks(status: NetworkStatus | Unanswered, code: OperatorCode | Unanswered) -> list[Check]:
    if isinstance(status, Unanswered):
        return [Check("Network", "fail", f"the modem would not say ({status.why})",
                      "Unplug and re-plug the modem, then run doctor again.")]
    numeric = f" ({code.mcc} {code.mnc})" if isinstance(code, OperatorCode) else ""
    if status.registered:
        checks = [Check("Network", "ok", f"{status.registration}, {status.operator or 'operator unknown'}{numeric}")]
    else:
        checks = [Check("Network", "fail", status.registration,
                        "Check the SIM works in a phone and the aerial is connected; move the box near a window.")]
    bars = status.bars
    checks.append(Check("Signal", "ok" if bars >= 2 else "warn",
                        f"{'▮' * bars}{'▯' * (4 - bars)} ({bars}/4, rssi {status.rssi})",
                        "" if bars >= 2 else "Weak signal: texts may fail. Move the box or add an aerial."))
    return checks


def _sms_centre_check(centre: SmsCentre | Unanswered) -> Check:
    if isinstance(centre, SmsCentre) and centre.is_set:
        return Check("SMS centre", "ok", centre.number)
    found = "not set on the SIM" if isinstance(centre, SmsCentre) else f"the modem would not say ({centre.why})"
    return Check("SMS centre", "fail", found,
                 'Ask the operator for the SMS centre number and set it once with AT+CSCA="+…".')


def _storage_check(found: tuple[Storage, ...] | Unanswered) -> Check:
    if isinstance(found, Unanswered):
        return Check("SIM message storage", "warn", f"the modem would not say ({found.why})",
                     "TextBack still reads new messages as they arrive; nothing to do unless texts stop coming in.")
    seen: dict[str, Storage] = {}
    for storage in found:
        seen.setdefault(storage.memory, storage)
    words = ", ".join(f"{s.memory} {s.used} of {s.total} used" for s in seen.values())
    full = [s for s in seen.values() if s.nearly_full]
    return Check("SIM message storage", "warn" if full else "ok", words,
                 "TextBack empties it as it reads; if it stays full, check the service runs." if full else "")


def forwarding_checks(rules: tuple[Forwarding, ...]) -> list[Check]:
    """What the box's own SIM forwards, in words for the shop owner (agent/rules/forwarding.py, which
    the status page shows too): one line per active reason with the code that turns it off."""
    return [Check(a.name, a.verdict, a.found, a.fix) for a in forwarding_advice(rules)]


def _database_check(config: Config) -> Check:
    path = Path(config.storage.database)
    try:
        store = Store.open(path)
        try:
            result = store.quick_check()
        finally:
            store.close()
    except Exception as error:  # any failure to open or read the database is the verdict
        return Check("Database", "fail", f"{path}: {error}", "Check the disk is not full and the data folder is "
                     "writable by the textback user (ls -l /var/lib/textback).")
    if result != "ok":
        return Check("Database", "fail", f"{path}: integrity check says {result}",
                     "Stop the service and restore the newest backup from the data folder (backups/).")
    if not (os.access(path, os.R_OK | os.W_OK) and os.access(path.parent, os.W_OK)):
        return Check("Database", "fail", f"{path}: this user cannot write it (or its folder)",
                     "Run doctor as the textback user (sudo -u textback textback doctor …), or re-run install.sh "
                     "to give the data folder back to textback.")
    free = shutil.disk_usage(path.parent).free / 1e6
    verdict = "ok" if free > 100 else "warn"
    return Check("Database", verdict, f"{path}: writable, intact, {free:,.0f} MB free on disk",
                 "" if verdict == "ok" else "Less than 100 MB free: delete old files or use a bigger SD card.")


def _web_check(config: Config) -> Check:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((config.web.host, config.web.port))
        except OSError:
            return Check("Web port", "ok", f"{config.web.port} is in use (the TextBack service, if it is running)",
                         f"If the service is stopped, find what holds it: sudo ss -ltnp | grep :{config.web.port}")
    return Check("Web port", "warn", f"{config.web.port} is free: the web UI is not running",
                 "Start the service: sudo systemctl start textback")


def run_checks(config: Config, send_test: Callable[[Modem], str] | None = None) -> list[Check]:
    checks = _port_checks(config)
    if checks[0].verdict != "fail":
        holders = port_holders(config.modem.port)
        link = SerialLink(config.modem.port, config.modem.baudrate, flow_control=config.modem.flow_control)
        try:
            link.open()
        except TextBackError as error:
            names = ", ".join(holders) or "another process"
            service = any(re.match(r"textback", h) for h in holders)
            checks.append(Check("Port free", "ok" if service else "fail", f"held by {names}",
                                "That is the TextBack service: stop it to run the modem checks "
                                "(sudo systemctl stop textback)" if service else
                                "ModemManager grabs modems: install.sh's udev rule tells it not to; or run "
                                f"sudo systemctl disable --now ModemManager. ({error})"))
        else:
            try:
                modem = Modem(link, config.modem)
                checks += _modem_checks(modem, config)
                if send_test is not None:
                    checks.append(Check("Test text", "ok", send_test(modem)))
            except ModemError as error:
                checks.append(Check("Modem", "fail", str(error), "Unplug and re-plug the modem, then try again."))
            finally:
                link.close()
    checks.append(_database_check(config))
    checks.append(_web_check(config))
    return checks


def send_test_text(config: Config) -> Callable[[Modem], str]:
    """The --send-test step: one text to the owner's phone, straight through the modem."""
    from agent.sms.pdu import encode_submit

    def send(modem: Modem) -> str:
        if not config.owner.phone:
            raise ModemError("no [owner] phone in config.toml to send the test text to")
        for part in encode_submit(config.owner.phone, f"{config.business.name}: TextBack test text. All is well."):
            modem.send_pdu(part.tpdu_length, part.hex)
        return f"sent to {config.owner.phone}: check that phone"
    return send
