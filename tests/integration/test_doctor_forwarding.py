"""`textback doctor` and call forwarding on the box's own SIM, over the simulated modem on a pty.

The network's answer to AT+CCFC=<reason>,2 is scripted per reason (27.007 §7.11 form); each test
checks what doctor asked the modem and what it told the owner: the warning, the number calls go to,
and the GSM code (22.030) that turns that forwarding off.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import pytest
from click.testing import CliRunner

from agent.cli import main
from agent.config import ModemConfig
from agent.modem import inspection
from agent.modem.inspection import Reason
from agent.modem.link import SerialLink
from agent.modem.modem import Modem
from agent.simulator import SimulatedModem
from agent.tools.doctor import run_checks
from tests.conftest import make_config

VOICEMAIL = "+447953222222"
ELSEWHERE = {Reason.UNCONDITIONAL: "+447700900001", Reason.BUSY: "+447700900002",
             Reason.NO_REPLY: VOICEMAIL, Reason.NOT_REACHABLE: "+447700900004"}
FORWARDING_NAMES = {"Forwarding: all calls", "Voicemail on no answer", "Forwarding when busy",
                    "Forwarding when unreachable", "Call forwarding"}


@contextmanager
def modem_on(sim: SimulatedModem) -> Iterator[Modem]:
    """A Modem over a real SerialLink to the simulator, as doctor opens it."""
    link = SerialLink(sim.port)
    link.open()
    try:
        yield Modem(link, ModemConfig())
    finally:
        link.close()


def doctor(tmp_path, sim: SimulatedModem):
    return {check.name: check for check in run_checks(make_config(tmp_path, port=sim.port))}


def forwarding_lines(checks: dict) -> dict:
    return {name: check for name, check in checks.items() if name in FORWARDING_NAMES}


def ccfc_active(reason: Reason, number: str) -> tuple[str, ...]:
    time = ",,,20" if reason is Reason.NO_REPLY else ""
    return (f'+CCFC: 1,1,"{number}",145{time}', "OK")


def test_no_forwarding_no_warning_and_all_four_reasons_asked(tmp_path):
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        checks = doctor(tmp_path, sim)
    lines = forwarding_lines(checks)
    assert list(lines) == ["Call forwarding"]
    assert lines["Call forwarding"].verdict == "ok" and "every call rings the box" in lines["Call forwarding"].found
    asked = [c for c in sim.commands if c.startswith("AT+CCFC")]
    assert asked == ["AT+CCFC=0,2", "AT+CCFC=1,2", "AT+CCFC=2,2", "AT+CCFC=3,2"]


@pytest.mark.parametrize("reason, name, verdict, code, words", [
    (Reason.UNCONDITIONAL, "Forwarding: all calls", "fail", "##21#", "never ring the box"),
    (Reason.BUSY, "Forwarding when busy", "warn", "##67#", "hangs up on after ringing out"),
    (Reason.NO_REPLY, "Voicemail on no answer", "warn", "##61#", "after 20 s (usually the operator's voicemail)"),
    (Reason.NOT_REACHABLE, "Forwarding when unreachable", "warn", "##62#", "off or has no signal"),
])
def test_each_active_reason_warns_with_its_number_and_its_code(tmp_path, reason, name, verdict, code, words):
    with SimulatedModem("quectel", link_path=tmp_path / "modem") as sim:
        sim.answer(f"AT+CCFC={reason.value}", *ccfc_active(reason, ELSEWHERE[reason]))
        checks = doctor(tmp_path, sim)
    lines = forwarding_lines(checks)
    assert list(lines) == [name], lines          # the other three reasons are off: no word about them
    check = lines[name]
    assert check.verdict == verdict
    assert ELSEWHERE[reason] in check.found and words in check.found
    assert check.fix.startswith(f"Dial {code} from the box's SIM, or ask the operator")
    assert "##002# turns off all of this SIM's forwarding" in check.fix and "never on the shop's phone" in check.fix
    assert all(c.endswith(",2") for c in sim.commands if c.startswith("AT+CCFC"))   # queries only, never a change


def test_voicemail_and_unconditional_together_each_get_their_line(tmp_path):
    with SimulatedModem("sim7600", link_path=tmp_path / "modem") as sim:
        sim.answer("AT+CCFC=0", *ccfc_active(Reason.UNCONDITIONAL, ELSEWHERE[Reason.UNCONDITIONAL]))
        sim.answer("AT+CCFC=2", *ccfc_active(Reason.NO_REPLY, VOICEMAIL))
        lines = forwarding_lines(doctor(tmp_path, sim))
    assert set(lines) == {"Forwarding: all calls", "Voicemail on no answer"}


@pytest.mark.parametrize("refusal, words", [
    ("ERROR", "the modem answered ERROR"),
    ("+CME ERROR: 4", "operation not supported (+CME ERROR: 4)"),
    ("+CME ERROR: 30", "no network service (+CME ERROR: 30)"),
])
def test_a_modem_or_network_that_cannot_tell_is_could_not_check_never_off(tmp_path, refusal, words):
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        sim.answer("AT+CCFC=", refusal)
        lines = forwarding_lines(doctor(tmp_path, sim))
    assert list(lines) == ["Call forwarding"]
    check = lines["Call forwarding"]
    assert check.verdict == "warn" and check.found.startswith("could not check forwarding")
    assert words in check.found and "every call rings the box" not in check.found
    assert "##002#" in check.fix


def test_only_the_reasons_it_could_not_tell_are_named(tmp_path):
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        sim.answer("AT+CCFC=2", "+CME ERROR: 4")
        lines = forwarding_lines(doctor(tmp_path, sim))
    assert lines["Call forwarding"].found.startswith("could not check forwarding on no answer (")


def test_a_bare_ok_holds_no_status_and_is_not_taken_for_off(tmp_path):
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        sim.answer("AT+CCFC=0", "OK")
        with modem_on(sim) as modem:
            rule = inspection.forwarding_rule(modem, Reason.UNCONDITIONAL)
    assert rule.active is None and "no forwarding status" in rule.why


def test_a_slow_modem_and_a_slow_network_still_give_every_answer(tmp_path):
    class SlowModem(SimulatedModem):
        """Takes a while over every command, as a busy modem on a slow UART does."""

        def _received(self, command: str) -> None:
            self._sleep(0.1)

    with SlowModem("sim800", link_path=tmp_path / "modem") as sim:
        sim.answer("AT+CCFC=2", *ccfc_active(Reason.NO_REPLY, VOICEMAIL))
        sim.stall("AT+CCFC", 0.8, times=4)           # each question goes to the network and back
        checks = doctor(tmp_path, sim)
    assert list(forwarding_lines(checks)) == ["Voicemail on no answer"]
    assert VOICEMAIL in checks["Voicemail on no answer"].found
    for name in ("Modem answers AT", "SIM", "Network", "SMS centre", "SIM message storage"):
        assert checks[name].verdict == "ok", checks[name]


def test_an_answer_later_than_its_bound_is_unknown_and_never_taken_for_the_next_reason(tmp_path):
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        sim.answer("AT+CCFC=0", *ccfc_active(Reason.UNCONDITIONAL, ELSEWHERE[Reason.UNCONDITIONAL]))
        sim.stall("AT+CCFC=0", 1.5)
        with modem_on(sim) as modem:
            rules = inspection.call_forwarding(modem, timeout=0.5)
    assert rules[0].active is None and "no answer within 0.5 s" in rules[0].why
    assert [(r.reason, r.active) for r in rules[1:]] == [(Reason.BUSY, False), (Reason.NO_REPLY, False),
                                                         (Reason.NOT_REACHABLE, False)]


def test_cli_prints_the_warning_and_its_code_and_fails_on_unconditional(tmp_path):
    config = tmp_path / "config.toml"
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        config.write_text(f'[modem]\nport = "{sim.port}"\n[storage]\ndatabase = "{tmp_path / "t.db"}"\n')
        sim.answer("AT+CCFC=2", *ccfc_active(Reason.NO_REPLY, VOICEMAIL))
        result = CliRunner().invoke(main, ["doctor", "--config", str(config)])
        assert f"WARN Voicemail on no answer: calls nobody answers go to {VOICEMAIL} after 20 s" in result.output
        assert "     → Dial ##61# from the box's SIM, or ask the operator" in result.output
        sim.answer("AT+CCFC=0", *ccfc_active(Reason.UNCONDITIONAL, ELSEWHERE[Reason.UNCONDITIONAL]))
        result = CliRunner().invoke(main, ["doctor", "--config", str(config)])
    assert result.exit_code == 1 and "FAIL Forwarding: all calls" in result.output
    assert "→ Dial ##21# from the box's SIM, or ask the operator (##002#" in result.output
