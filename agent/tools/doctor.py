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
from agent.errors import CommandError, ModemError, TextBackError
from agent.modem.link import SerialLink
from agent.modem.modem import Modem, signal_bars
from agent.modem.urc import fields

__all__ = ["Check", "run_checks", "port_holders", "send_test_text"]


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
    checks: list[Check] = []
    link = modem.link
    try:
        modem.sync()
    except ModemError as error:
        return [Check("Modem answers AT", "fail", str(error),
                      "Unplug and re-plug the modem; check [modem] port points at the AT port (often the third "
                      "ttyUSB of the modem) and, on a UART, [modem] baudrate and flow_control.")]
    ident = " ".join(link.command(c)[0] for c in ("AT+CGMI", "AT+CGMM") if _answers(link, c))
    checks.append(Check("Modem answers AT", "ok", ident or "yes"))
    pin = _value(link, "AT+CPIN?", "+CPIN:").upper()
    if pin == "READY":
        checks.append(Check("SIM", "ok", "ready (no PIN needed, or PIN entered)"))
    elif pin == "SIM PIN":
        checks.append(Check("SIM", "fail" if not config.modem.pin else "warn", "the SIM asks for its PIN",
                            "Set [modem] pin in config.toml, or remove the PIN with a phone." if not config.modem.pin
                            else "[modem] pin is set: the service enters it at start."))
        return checks
    elif "PUK" in pin:
        checks.append(Check("SIM", "fail", "the SIM is locked (PUK)", "Unlock it in a phone with its PUK."))
    else:
        checks.append(Check("SIM", "fail", f"not ready ({pin or 'no SIM?'})", "Check the SIM is in, the right way up."))
        return checks
    status = modem.network_status()
    if status.registered:
        checks.append(Check("Network", "ok", f"{status.registration}, {status.operator or 'operator unknown'}"))
    else:
        checks.append(Check("Network", "fail", status.registration,
                            "Check the SIM works in a phone and the aerial is connected; move the box near a window."))
    bars = signal_bars(status.rssi)
    checks.append(Check("Signal", "ok" if bars >= 2 else "warn", f"{'▮' * bars}{'▯' * (4 - bars)} ({bars}/4, rssi {status.rssi})",
                        "" if bars >= 2 else "Weak signal: texts may fail. Move the box or add an aerial."))
    centre = (fields("x:" + _value(link, "AT+CSCA?", "+CSCA:")) or [""])[0]
    if re.search(r"\d{4,}", centre):
        checks.append(Check("SMS centre", "ok", centre))
    else:
        checks.append(Check("SMS centre", "fail", "not set on the SIM",
                            'Ask the operator for the SMS centre number and set it once with AT+CSCA="+…".'))
    used = fields("x:" + _value(link, "AT+CPMS?", "+CPMS:"))
    if len(used) >= 3 and used[1].isdigit() and used[2].isdigit():
        count, total = int(used[1]), int(used[2])
        full = total and count >= total * 0.8
        checks.append(Check("SIM message storage", "warn" if full else "ok", f"{count} of {total} used",
                            "TextBack empties it as it reads; if it stays full, check the service runs." if full else ""))
    forwarding = _value(link, "AT+CCFC=2,2", "+CCFC:", timeout=15)
    if forwarding.startswith("1"):
        checks.append(Check("Voicemail on no answer", "warn", f"calls are forwarded when unanswered ({forwarding})",
                            "Turn voicemail-on-no-answer off for this SIM (dial ##61# from a phone with it): the "
                            "voicemail picks up and the text goes out a minute late."))
    return checks


def _answers(link: SerialLink, command: str) -> bool:
    try:
        return bool(link.command(command))
    except ModemError:
        return False


def _value(link: SerialLink, command: str, prefix: str, timeout: float = 5.0) -> str:
    try:
        for line in link.command(command, timeout=timeout):
            if line.upper().startswith(prefix):
                return line[len(prefix):].strip()
    except (CommandError, ModemError):
        pass
    return ""


def _database_check(config: Config) -> Check:
    from agent.store import Store

    path = Path(config.storage.database)
    try:
        store = Store.open(path)
        try:
            result = store.query("PRAGMA quick_check")[0][0]
            with store.transaction() as conn:
                conn.execute("CREATE TEMP TABLE IF NOT EXISTS doctor_probe (x)")
        finally:
            store.close()
    except Exception as error:  # any failure here is the verdict
        return Check("Database", "fail", f"{path}: {error}", "Check the disk is not full and the data folder is "
                     "writable by the textback user (ls -l /var/lib/textback).")
    free = shutil.disk_usage(path.parent).free / 1e6
    if result != "ok":
        return Check("Database", "fail", f"{path}: integrity check says {result}",
                     "Stop the service and restore the newest backup from the data folder (backups/).")
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
