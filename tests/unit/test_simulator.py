"""The simulated modem over a real pty: what a program sees when it opens the port with pyserial.

Resets and boot lines, read-back queries, held unsolicited lines, late answers, SMS storages
(27.005 §3.2.2), a full SIM, the missed-calls phonebook, and the PDU builders (cross-checked with
python-gsmmodem's decoder and with ours).
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import serial
from gsmmodem.pdu import Concatenation, PortAddress, decodeSmsPdu

from agent.sms.pdu import classify_datagram, decode_pdu
from agent.simulator.families import FAMILIES
from agent.simulator.pdus import (binary_pdu, deliver_pdu, deliver_pdus, flash_pdu, submit_pdu, tpdu_length,
                                  voicemail_indication_pdu, wap_push_mms_pdu)
from agent.simulator import MC_TOTAL, SimulatedModem
from tests.conftest import wait_for

A = "+447911123456"
B = "+447911222333"
WHEN = datetime(2024, 5, 17, 13, 46, 5, tzinfo=timezone(timedelta(hours=1)))
FINAL = re.compile(rb"\r\n(OK|ERROR|\+CME ERROR: [^\r]*|\+CMS ERROR: [^\r]*)\r\n")


class At:
    """The agent's side of the pty, reduced to what a test needs."""

    def __init__(self, sim: SimulatedModem):
        self.serial = serial.Serial(sim.port, 115200, timeout=0.02)
        self.buffer = b""

    def close(self) -> None:
        self.serial.close()

    def send(self, data: str | bytes) -> None:
        self.serial.write(data.encode() if isinstance(data, str) else data)

    def expect(self, pattern: bytes | re.Pattern, timeout: float = 2.0) -> bytes:
        """Everything up to and including the first match of `pattern`."""
        deadline = time.monotonic() + timeout
        while True:
            match = re.search(pattern, self.buffer)
            if match:
                taken, self.buffer = self.buffer[:match.end()], self.buffer[match.end():]
                return taken
            if time.monotonic() > deadline:
                raise AssertionError(f"no {pattern!r} within {timeout} s; got {self.buffer!r}")
            self.buffer += self.serial.read(4096)

    def quiet_for(self, seconds: float) -> bytes:
        """What arrives in `seconds` (for checks that something does not come)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.buffer += self.serial.read(4096)
        taken, self.buffer = self.buffer, b""
        return taken

    def command(self, line: str, timeout: float = 2.0) -> list[str]:
        """Send one command; its lines up to the final result code, echo left out."""
        self.send(line + "\r")
        return lines(self.expect(FINAL, timeout), line)


def lines(data: bytes, echo: str = "") -> list[str]:
    return [text for text in (part.strip() for part in data.decode(errors="replace").split("\r\n"))
            if text and text != echo]


@pytest.fixture
def modem():
    """modem(family, **options) → (sim, At) on a started simulator; both closed afterwards."""
    opened: list[tuple[SimulatedModem, At]] = []

    def start(family: str = "sim800", **options) -> tuple[SimulatedModem, At]:
        sim = SimulatedModem(family, ring_interval=0.05, **options).start()
        at = At(sim)
        opened.append((sim, at))
        return sim, at

    yield start
    for sim, at in opened:
        at.close()
        sim.stop()


def dcs_of(pdu: str) -> int:
    """TP-DCS of an SMS-DELIVER with a "00" SMSC field: after first octet, OA and TP-PID."""
    octets = (int(pdu[4:6], 16) + 1) // 2          # the length counts semi-octets, alphanumeric too
    return int(pdu[8 + octets * 2 + 2:8 + octets * 2 + 4], 16)


def send_pdu(at: At, pdu: str) -> None:
    at.send(f"AT+CMGS={tpdu_length(pdu)}\r")
    at.expect(rb"> ")
    at.send(pdu + "\x1a")


# ---- resets and boot lines ------------------------------------------------------------------------

@pytest.mark.parametrize("family", [name for name in FAMILIES if FAMILIES[name].boot])
def test_reset_prints_the_family_boot_lines_in_order(modem, family):
    sim, at = modem(family)
    at.command("ATE0")
    sim.reset()
    last = FAMILIES[family].boot[-1].encode()
    assert lines(at.expect(re.escape(last) + rb"\r\n")) == list(FAMILIES[family].boot)
    assert len(sim.resets) == 1


@pytest.mark.parametrize("family", ["ublox", "silent"])
def test_reset_of_a_family_that_prints_nothing(modem, family):
    sim, at = modem(family)
    at.command("ATE0")
    sim.reset().join()
    assert at.command("AT") == ["OK"]          # echo back on, nothing else said


def test_reset_forgets_every_setting_and_keeps_the_sim(modem):
    sim, at = modem("sim800")
    old = sim.preload(deliver_pdu(A, "old", sent_at=WHEN), stat=1)
    sim.call(A, rings=1)
    for command in ("ATE0", "AT+CLIP=1", "AT+CLCC=1", "AT+CNMI=2,1,0,1,0", "AT+CMGF=0", 'AT+CPMS="ME","ME","ME"'):
        assert at.command(command)[-1] == "OK", command
    assert at.command("AT+CLIP?") == ["+CLIP: 1,1", "OK"]
    sim.reset()
    at.expect(rb"SMS Ready\r\n")
    at.send("AT\r")
    assert at.expect(FINAL).startswith(b"AT\r")                     # echo is on again
    assert at.command("AT+CLIP?") == ["+CLIP: 0,1", "OK"]
    assert at.command("AT+CMGF?") == ["+CMGF: 1", "OK"]
    assert at.command("AT+CNMI?") == ["+CNMI: 0,0,0,0,0", "OK"]
    assert at.command("AT+CPMS?") == ['+CPMS: "SM",1,30,"SM",1,30,"SM",1,30', "OK"]
    assert sim.state.storage is sim.storages["SM"] and old in sim.storages["SM"]
    assert sim.missed_calls == [(A, 145)] and "AT+CLCC=1" not in sim.state.switches
    # new SMS are stored but not announced until AT+CNMI is given again
    [index] = sim.receive_sms(B, "while CNMI was cleared")
    assert "+CMTI" not in "".join(at.command("AT")) and index in sim.storages["SM"]
    at.command("AT+CNMI=2,1,0,0,0")
    [second] = sim.receive_sms(B, "after CNMI")
    assert lines(at.expect(rb"\+CMTI: [^\r]*\r\n")) == [f'+CMTI: "SM",{second}']


def test_text_mode_takes_the_cmgs_length_for_a_phone_number(modem):
    sim, at = modem("sim800")
    sim.reset(boot_lines=False).join()
    at.send("AT+CMGS=23\r")
    at.expect(rb"> ")
    at.send(b"0011000C9144\x1a")
    assert lines(at.expect(FINAL))[-2:] == ["+CMGS: 1", "OK"]
    [send] = sim.text_mode_sends
    assert (send.number, send.text) == ("23", "0011000C9144")
    assert sim.sent == [] and sim.submitted == []


def test_text_mode_reads_messages_as_text(modem):
    sim, at = modem("sim800")
    sim.preload(deliver_pdu(A, "Open Saturday?", sent_at=WHEN), stat=0)
    at.command("AT+CMGF=1")
    assert at.command("AT+CMGR=1") == [f'+CMGR: "REC UNREAD","{A}",,"24/05/17,13:46:05+04"', "Open Saturday?", "OK"]
    assert at.command("AT+CMGL=4") == ["+CMS ERROR: 305"]
    assert at.command('AT+CMGL="ALL"')[0].startswith(f'+CMGL: 1,"REC READ","{A}"')


@pytest.mark.parametrize("family, command", [("sim800", "AT+CFUN=1,1"), ("ublox", "AT+CFUN=16"),
                                             ("huawei", "AT^RESET"), ("wavecom", "AT+CFUN=1")])
def test_the_family_reset_command_answers_ok_then_reboots(modem, family, command):
    sim, at = modem(family)
    sim.cfun_reset_delay = 0.15
    at.command("ATE0")
    assert at.command(command) == ["OK"]
    answered = time.monotonic()
    wait_for(lambda: sim.resets, 2, "the reset")
    assert sim.resets[0] - answered >= 0.1
    if FAMILIES[family].boot:
        last = FAMILIES[family].boot[-1].encode()
        assert lines(at.expect(re.escape(last) + rb"\r\n")) == list(FAMILIES[family].boot)
    wait_for(lambda: not sim._is_silent(), 1, "the modem up again")
    at.send("AT\r")
    assert at.expect(FINAL).startswith(b"AT\r")


def test_read_back_queries(modem):
    sim, at = modem("sim800", pin="1234")
    assert at.command("AT+CPIN?") == ["+CPIN: SIM PIN", "OK"]
    assert at.command('AT+CPIN="1234"') == ["OK"]
    assert at.command("AT+CPIN?") == ["+CPIN: READY", "OK"]
    assert at.command("AT+CFUN?") == ["+CFUN: 1", "OK"]
    assert at.command("AT+CLIP?") == ["+CLIP: 0,1", "OK"]
    assert at.command("AT+CMGF?") == ["+CMGF: 0", "OK"]
    assert at.command("AT+CMEE?") == ["+CMEE: 0", "OK"]
    at.command("AT+CMEE=1")
    assert at.command("AT+CMEE?") == ["+CMEE: 1", "OK"]         # the link's marked resync reads this
    at.command("AT+CNMI=1,1,0,2,0")
    assert at.command("AT+CNMI?") == ["+CNMI: 1,1,0,2,0", "OK"]
    sim.reset(boot_lines=True)
    assert lines(at.expect(rb"\+CPIN: [^\r]*\r\n"))[-1] == "+CPIN: SIM PIN"     # locked again after a reset


def test_under_voltage_warning_and_power_down(modem):
    sim, at = modem("sim800")
    sim.power_down_seconds = 0.4
    at.command("ATE0")
    sim.under_voltage()
    assert lines(at.expect(rb"WARNNING\r\n")) == ["UNDER-VOLTAGE WARNNING"]
    sim.under_voltage(power_down=True)
    assert lines(at.expect(rb"POWER DOWN\r\n")) == ["UNDER-VOLTAGE POWER DOWN"]
    wait_for(sim._is_silent, 1, "the power-down")
    at.send("AT\r")
    assert at.quiet_for(0.15) == b""                               # nobody home
    assert lines(at.expect(rb"SMS Ready\r\n", timeout=2)) == list(FAMILIES["sim800"].boot)
    assert len(sim.resets) == 1
    at.send("AT\r")
    assert at.expect(FINAL).startswith(b"AT\r")


# ---- slow network, held unsolicited lines, late answers -------------------------------------------

@pytest.mark.parametrize("hold", [False, True])
def test_a_call_rings_while_a_send_waits_on_the_network(modem, hold):
    sim, at = modem("sim800")
    sim.hold_urcs = hold
    sim.cmgs_delay = 0.6
    at.command("ATE0")
    send_pdu(at, submit_pdu(A, "hello"))
    wait_for(lambda: sim.cmgs_times, 1, "the AT+CMGS")
    sent = time.monotonic()
    sim.call(B, rings=2, wait=False)
    answer = at.expect(rb"\+CMGS: \d+\r\n\r\nOK\r\n", timeout=3)
    assert time.monotonic() - sent >= 0.5
    if hold:           # held while the command runs, then out right after its OK, in order
        assert b"RING" not in answer
        assert lines(at.expect(rb"NO CARRIER\r\n")) == ["RING", "RING", "NO CARRIER"]
    else:
        assert lines(answer)[:2] == ["RING", "RING"]
    assert [sms.text for sms in sim.sent] == ["hello"]


@pytest.mark.parametrize("hold", [False, True])
def test_unsolicited_lines_wait_for_the_final_result_code(modem, hold):
    sim, at = modem("sim800")
    sim.hold_urcs = hold
    at.command("ATE0")
    sim.stall("AT+COPS?", 0.4)
    at.send("AT+COPS?\r")
    wait_for(lambda: "AT+COPS?" in sim.commands, 1, "the command at the modem")
    sim.emit("RING")
    sim.receive_sms(A, "mid-command")
    out = lines(at.expect(rb'\+CMTI: "SM",1\r\n') if not hold else at.expect(FINAL) + at.expect(rb"\+CMTI[^\r]*\r\n"))
    if hold:
        assert out == ['+COPS: 0,0,"Simulated Mobile",7', "OK", "RING", '+CMTI: "SM",1']
    else:
        assert out == ["RING", '+CMTI: "SM",1']
        assert lines(at.expect(FINAL)) == ['+COPS: 0,0,"Simulated Mobile",7', "OK"]


def test_a_stalled_command_answers_late_and_the_next_ones_wait_their_turn(modem):
    sim, at = modem("sim800")
    at.command("ATE0")
    sim.stall("AT+COPS?", 0.4, times=1)
    started = time.monotonic()
    at.send("AT+COPS?\rAT+CSQ\r")
    first = lines(at.expect(FINAL))
    late = time.monotonic() - started
    second = lines(at.expect(FINAL))
    assert first == ['+COPS: 0,0,"Simulated Mobile",7', "OK"] and late >= 0.35
    assert second == ["+CSQ: 21,99", "OK"]
    started = time.monotonic()
    assert at.command("AT+COPS?")[-1] == "OK" and time.monotonic() - started < 0.3    # only once


# ---- SMS storages ---------------------------------------------------------------------------------

def test_cpms_queries_and_settings(modem):
    sim, at = modem("sim800")
    sim.preload(deliver_pdu(A, "x", sent_at=WHEN))
    assert at.command("AT+CPMS?")[0] == '+CPMS: "SM",1,30,"SM",1,30,"SM",1,30'
    assert at.command("AT+CPMS=?")[0] == '+CPMS: ("SM","ME"),("SM","ME"),("SM","ME")'
    assert at.command('AT+CPMS="ME"') == ["+CPMS: 0,25,1,30,1,30", "OK"]
    assert sim.cpms == ["ME", "SM", "SM"]
    assert at.command('AT+CPMS="SM","SM","ME"') == ["+CPMS: 1,30,1,30,0,25", "OK"]
    assert at.command('AT+CPMS="XX"') == ["+CMS ERROR: 302"]
    [index] = sim.receive_sms(B, "to ME")
    assert lines(at.expect(rb"\+CMTI[^\r]*\r\n")) == [f'+CMTI: "ME",{index}'] and index in sim.storages["ME"]


def test_cinterion_splits_its_storages_and_moves_only_mem1(modem):
    sim, at = modem("cinterion")
    assert at.command("AT+CGMI")[0] == "Cinterion" and at.command("AT+CGMM")[0] == "MC75i"
    assert at.command("AT+CPMS?")[0] == '+CPMS: "ME",0,25,"ME",0,25,"SM",0,20'
    [index] = sim.receive_sms(A, "into SM")
    assert lines(at.expect(rb"\+CMTI[^\r]*\r\n")) == [f'+CMTI: "SM",{index}']
    assert at.command(f"AT+CMGR={index}") == ["+CMS ERROR: 321"]        # mem1 is ME
    assert at.command('AT+CPMS="SM","SM","SM"') == ["+CMS ERROR: 302"]
    assert at.command('AT+CPMS="SM"') == ["+CPMS: 1,20,0,25,1,20", "OK"]
    header, pdu, ok = at.command(f"AT+CMGR={index}")
    assert header.startswith("+CMGR: 0,,") and decodeSmsPdu(pdu)["text"] == "into SM" and ok == "OK"
    sim.call(A, rings=1, wait=False)
    assert lines(at.expect(rb"NO CARRIER\r\n"))[-1] == "NO CARRIER"


def test_constructor_option_splits_storages(modem):
    sim, at = modem("sim800", cpms_default=("ME", "ME", "SM"))
    assert sim.cpms == ["ME", "ME", "SM"] and not sim.cpms_fixed
    assert at.command("AT+CPMS?")[0] == '+CPMS: "ME",0,25,"ME",0,25,"SM",0,30'


def test_cmgl_by_stat_reading_marks_read_and_cmgd_delflags(modem):
    sim, at = modem("sim800")
    unread = sim.preload(deliver_pdu(A, "unread", sent_at=WHEN), stat=0)
    read = sim.preload(deliver_pdu(A, "read", sent_at=WHEN), stat=1)
    draft = sim.preload(submit_pdu(B, "draft"), stat=2)
    sent = sim.preload(submit_pdu(B, "sent"), stat=3)
    sim.state.storage[9] = deliver_pdu(B, "written straight in", sent_at=WHEN)      # no stat: unread
    listed = at.command("AT+CMGL=0")
    assert [line.split(",")[0] for line in listed if line.startswith("+CMGL")] == [f"+CMGL: {unread}", "+CMGL: 9"]
    assert listed[0] == f"+CMGL: {unread},0,,{tpdu_length(sim.storages['SM'][unread])}"
    assert sim.stats["SM"][unread] == 1 and sim.stats["SM"][9] == 1          # listed unread → read
    assert at.command("AT+CMGL=0") == ["OK"]
    assert decodeSmsPdu(at.command("AT+CMGL=2")[1])["text"] == "draft"
    assert at.command("AT+CMGL=4").count("OK") == 1 and len(at.command("AT+CMGL=4")) == 11
    assert at.command("AT+CMGD=1,1") == ["OK"]                 # every read message
    assert sorted(sim.storages["SM"]) == [draft, sent]
    assert at.command("AT+CMGD=0,2") == ["OK"] and sorted(sim.storages["SM"]) == [draft]
    assert at.command(f"AT+CMGD={draft}") == ["OK"] and sim.storages["SM"] == {}
    assert at.command("AT+CMGD=31") == ["+CMS ERROR: 321"]
    assert read not in sim.stats["SM"]


@pytest.mark.parametrize("family, answer", [("sim800", ["+CMS ERROR: 321"]), ("huawei", ["OK"]),
                                            ("quectel", ["OK"])])
def test_reading_an_empty_index(modem, family, answer):
    _, at = modem(family)
    assert at.command("AT+CMGR=5") == answer


def test_reading_a_message_marks_it_read(modem):
    sim, at = modem("sim800")
    at.command("ATE0")
    [index] = sim.receive_sms(A, "hi")
    at.expect(rb"\+CMTI[^\r]*\r\n")
    assert at.command(f"AT+CMGR={index}")[0].startswith("+CMGR: 0,,")
    assert at.command(f"AT+CMGR={index}")[0].startswith("+CMGR: 1,,")


@pytest.mark.parametrize("family, notice", [("quectel", '+QIND: "smsfull","SM"'), ("huawei", '^SMMEMFULL: "SM"'),
                                            ("sim800", '+CIEV: "smsfull",1')])
def test_full_storage_holds_new_messages_until_a_slot_frees(modem, family, notice):
    sim, at = modem(family)
    sim.capacity["SM"] = 2
    at.command("ATE0")
    assert sim.receive_sms(A, "one") == [1] and sim.receive_sms(A, "two") == [2]
    assert sim.receive_sms(B, "three") == [] and sim.receive_sms(B, "four") == []
    got = lines(at.expect(rb"\+CMTI: \"SM\",2\r\n\r\n" + re.escape(notice.encode()) + rb"\r\n"))
    assert got == ['+CMTI: "SM",1', '+CMTI: "SM",2', notice]             # the notice once
    assert [decodeSmsPdu(p)["text"] for p in sim.held] == ["three", "four"]
    assert at.command("AT+CPMS?")[0].startswith('+CPMS: "SM",2,2')
    assert at.command("AT+CMGD=1") == ["OK"]
    assert lines(at.expect(rb"\+CMTI[^\r]*\r\n")) == ['+CMTI: "SM",1']    # after the OK
    assert decodeSmsPdu(sim.storages["SM"][1])["text"] == "three" and len(sim.held) == 1


def test_a_modem_that_needs_memory_available_signalled(modem):
    sim, at = modem("sim800", auto_memory_available=False)
    sim.capacity["SM"] = 1
    at.command("ATE0")
    sim.receive_sms(A, "one")
    sim.receive_sms(B, "held")
    at.expect(rb'\+CIEV: "smsfull",1\r\n')
    assert at.command("AT+CMGD=1") == ["OK"]
    assert sim.held and sim.storages["SM"] == {}
    assert at.command("AT+CNMA") == ["OK"]
    assert lines(at.expect(rb"\+CMTI[^\r]*\r\n"))[-1] == '+CMTI: "SM",1'
    assert sim.held == [] and decodeSmsPdu(sim.storages["SM"][1])["text"] == "held"


def test_cnmi_mt_0_stores_silently_and_mt_2_prints_cmt(modem):
    sim, at = modem("sim800")
    at.command("ATE0")
    at.command("AT+CNMI=2,0,0,0,0")
    assert sim.receive_sms(A, "quiet") == [1]
    assert "+CMTI" not in "".join(at.command("AT"))
    at.command("AT+CNMI=2,2,0,0,0")
    pdu = deliver_pdu(B, "direct", sent_at=WHEN)
    assert sim.receive_pdu(pdu) is None
    assert lines(at.expect(re.escape(pdu.encode()) + rb"\r\n")) == [f"+CMT: ,{tpdu_length(pdu)}", pdu]
    assert list(sim.storages["SM"]) == [1]


def test_receive_pdu_and_preload(modem):
    sim, at = modem("sim800")
    at.command("ATE0")
    sim.preload(submit_pdu(B, "old draft"), stat=2)
    index = sim.receive_pdu(flash_pdu(A, "Flash!", sent_at=WHEN))
    assert index == 2
    assert lines(at.expect(rb"\+CMTI[^\r]*\r\n")) == ['+CMTI: "SM",2']
    header, pdu, _ = at.command("AT+CMGR=2")
    assert header == f"+CMGR: 0,,{tpdu_length(pdu)}" and decodeSmsPdu(pdu)["text"] == "Flash!"
    assert sim.preload(deliver_pdu(A, "in ME", sent_at=WHEN), storage="ME") == 1 and sim.stats["ME"][1] == 1


# ---- missed calls phonebook, answered calls, more families ------------------------------------------

def test_missed_calls_phonebook(modem):
    sim, at = modem("sim800")
    at.command("ATE0")
    sim.call(A, rings=1)
    sim.call("", rings=1, withheld=True)
    sim.call("07911222333", rings=1)
    sim.call(B, rings=1, answered=True)
    assert sim.missed_calls == [(A, 145), ("07911222333", 129)]
    at.quiet_for(0.05)
    assert at.command('AT+CPBS="MC"') == ["OK"]
    assert at.command("AT+CPBS?") == [f'+CPBS: "MC",2,{MC_TOTAL}', "OK"]
    assert at.command("AT+CPBR=?") == [f"+CPBR: (1-{MC_TOTAL}),40,18", "OK"]
    assert at.command(f"AT+CPBR=1,{MC_TOTAL}") == ['+CPBR: 1,"07911222333",129,""', f'+CPBR: 2,"{A}",145,""', "OK"]
    assert at.command("AT+CPBR=2") == [f'+CPBR: 2,"{A}",145,""', "OK"]
    assert at.command('AT+CPBS="SM"') == ["OK"] and at.command("AT+CPBS?")[0].startswith('+CPBS: "SM",0,')
    for n in range(MC_TOTAL + 1):
        sim._missed(f"+4479000000{n:02d}", 145, False)
    assert len(sim.missed_calls) == MC_TOTAL and sim.missed_calls[-1][0] == "+447900000010"


def test_a_modem_without_a_missed_calls_phonebook(modem):
    _, at = modem("huawei")
    assert at.command('AT+CPBS="MC"') == ["+CME ERROR: 3"]


def test_every_unanswered_call_goes_into_the_list_even_one_the_box_hung_up(modem):
    sim, at = modem("sim800")
    at.command("ATE0")
    thread = sim.call(A, rings=5, wait=False)
    at.expect(rb"RING\r\n")
    at.command("AT+CHUP")
    thread.join(2)
    assert sim.missed_calls == [(A, 145)]


@pytest.mark.parametrize("family, begin, end", [("sim7600", "VOICE CALL: BEGIN", "VOICE CALL: END: 000004"),
                                                ("sim800", f'+CLCC: 1,1,0,0,0,"{A}",145,""', "NO CARRIER"),
                                                ("huawei", "^CONN:1,0", "^CEND:1,4,29,16")])
def test_an_answered_call(modem, family, begin, end):
    sim, at = modem(family)
    at.command("ATE0")
    at.command("AT+CLCC=1")
    sim.call(A, rings=1, answered=True, wait=False)
    seen = lines(at.expect(re.escape(end.encode()) + rb"\r\n"))
    assert begin in seen and seen.index(begin) < seen.index(end)
    assert "MISSED_CALL" not in " ".join(seen) and sim.missed_calls == []


def test_wavecom_identity_and_end_of_call(modem):
    sim, at = modem("wavecom")
    assert at.command("AT+CGMI")[0] == "WAVECOM MODEM" and at.command("AT+CGMM")[0] == "MULTIBAND  900E  1800"
    at.command("ATE0")
    sim.call(A, rings=1, wait=False)
    assert lines(at.expect(rb"NO CARRIER\r\n")) == ["RING", "NO CARRIER"]


def test_storage_stays_the_same_dict_across_resets_and_replugs(modem):
    sim, at = modem("sim800")
    storage = sim.state.storage
    assert storage is sim.storages["SM"]
    sim.reset(boot_lines=False).join()
    at.close()
    sim.unplug()
    sim.replug()
    assert sim.state.storage is storage is sim.storages["SM"]


# ---- PDU builders, cross-checked with python-gsmmodem and with our decoder -------------------------

def test_deliver_gsm7_with_extension_characters_and_an_alphanumeric_sender():
    for sender in (A, "07911123456", "Vodafone"):
        pdu = deliver_pdu(sender, "Price [5€] {a|b} ~^\\", sent_at=WHEN)
        assert pdu.startswith("0004")
        decoded = decodeSmsPdu(pdu)
        assert decoded["number"] == sender and decoded["text"] == "Price [5€] {a|b} ~^\\"
        assert decoded["time"] == WHEN
        ours = decode_pdu(pdu)
        assert (ours.sender, ours.text, ours.sent_at) == (sender, "Price [5€] {a|b} ~^\\", WHEN)


def test_deliver_ucs2_with_emoji_as_surrogate_pairs():
    pdu = deliver_pdu(A, "Grüße 😀", sent_at=WHEN)
    assert decodeSmsPdu(pdu)["text"] == "Grüße \ud83d\ude00" and decode_pdu(pdu).text == "Grüße 😀"
    assert dcs_of(pdu) == 0x08


def test_long_texts_split_with_a_concatenation_header():
    for text, parts in (("x" * 152 + "€" + "y" * 20, 2), ("é😀" * 40, 2), ("a" * 160, 1)):
        pdus = deliver_pdus(A, text, sent_at=WHEN, ref=9)
        assert len(pdus) == parts
        joined = "".join(decodeSmsPdu(p)["text"] for p in pdus)
        assert joined.encode("utf-16", "surrogatepass").decode("utf-16") == text
        assert "".join(decode_pdu(p).text for p in pdus) == text
        if parts > 1:
            headers = [next(e for e in decodeSmsPdu(p)["udh"] if isinstance(e, Concatenation)) for p in pdus]
            assert [(h.reference, h.parts, h.number) for h in headers] == [(9, 2, 1), (9, 2, 2)]


def test_dcs_pid_and_flash_options():
    assert decode_pdu(flash_pdu(A, "now", sent_at=WHEN)).flash
    assert dcs_of(flash_pdu(A, "now", sent_at=WHEN)) == 0x10
    assert decodeSmsPdu(deliver_pdu(A, "hi", sent_at=WHEN, pid=0x40))["protocol_id"] == 0x40
    assert decodeSmsPdu(deliver_pdu(A, "hi", sent_at=WHEN, dcs=0xF0))["text"] == "hi"
    assert decodeSmsPdu(deliver_pdu(A, "hi", sent_at=WHEN, concat=(1, 3, 2)))["udh"][0].number == 2


def test_mms_notification_as_a_wap_push():
    url = "http://mms.example.net/mms/wapenc?location=447911123456_abcdefghijklmnopqrstuvwxyz0123456789&rid=042"
    pdus = wap_push_mms_pdu(A, url, sent_at=WHEN)
    assert len(pdus) == 2
    body = b""
    for seq, pdu in enumerate(pdus, start=1):
        decoded = decodeSmsPdu(pdu)
        port = next(e for e in decoded["udh"] if isinstance(e, PortAddress))
        concat = next(e for e in decoded["udh"] if isinstance(e, Concatenation))
        assert (port.destination, port.source) == (2948, 9200) and (concat.parts, concat.number) == (2, seq)
        body += decoded["text"].encode("latin-1")
    assert body.startswith(b"\x01\x06\x03\xbe\xaf\x84\x8c\x82")
    assert b"http://mms" in body and f"{A}/TYPE=PLMN".encode() in body
    assert classify_datagram(2948, body) == ("mms", url)
    [short] = wap_push_mms_pdu(A, "http://mms.example/1", sent_at=WHEN)
    assert decode_pdu(short).content == "mms" and decode_pdu(short).mms_url == "http://mms.example/1"


def test_binary_voicemail_and_submit():
    data = decodeSmsPdu(binary_pdu(A, b"\x00\xffdata", sent_at=WHEN, port=5499))
    assert data["text"].encode("latin-1") == b"\x00\xffdata" and data["udh"][0].destination == 5499
    assert decode_pdu(binary_pdu(A, b"\x00\xff", sent_at=WHEN)).content == "binary"
    voicemail = voicemail_indication_pdu("+447700000123", 3, sent_at=WHEN)
    assert dcs_of(voicemail) == 0xC8
    assert dcs_of(voicemail_indication_pdu("+447700000123", 3, sent_at=WHEN, store=True)) == 0xD8
    indication = decodeSmsPdu(voicemail)["udh"][0]
    assert (indication.id, indication.data) == (0x01, [0x00, 3])
    ours = decode_pdu(voicemail)
    assert ours.content == "indication" and ours.indication.count == 3 and ours.indication.active
    assert not decode_pdu(voicemail_indication_pdu("+447700000123", 0, sent_at=WHEN, active=False)).indication.active
    draft = decodeSmsPdu(submit_pdu(B, "see you at 3"))
    assert (draft["type"], draft["number"], draft["text"]) == ("SMS-SUBMIT", B, "see you at 3")


def test_a_pdu_sent_over_the_pty_is_decoded_and_answered(modem):
    sim, at = modem("sim800")
    at.command("ATE0")
    send_pdu(at, submit_pdu(A, "over the wire"))
    assert lines(at.expect(FINAL))[-2:] == ["+CMGS: 1", "OK"]
    assert [(s.number, s.text) for s in sim.sent] == [(A, "over the wire")]


def test_calls_still_ring_while_a_stalled_command_is_pending(modem):
    sim, at = modem("sim800")
    sim.hold_urcs = False
    at.command("ATE0")
    sim.stall("AT+CSQ", 0.5)
    at.send("AT+CSQ\r")
    done = threading.Event()
    threading.Thread(target=lambda: (sim.call(A, rings=2), done.set()), daemon=True).start()
    assert lines(at.expect(rb"NO CARRIER\r\n"))[-1] == "NO CARRIER"
    assert lines(at.expect(FINAL)) == ["+CSQ: 21,99", "OK"]
    assert done.wait(1)
