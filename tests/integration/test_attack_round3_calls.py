"""Attacks on incoming calls as real modems report them: caller-ID lines in odd places and odd
character sets, a modem that answers calls by itself, calls during a send, and callers who must
never be texted. The real agent over a pty against the simulator (scripted where the simulator
has no knob), assertions on the PDUs the modem was handed and on SQLite. Each test names the real-modem behaviour it plays and where it comes from."""

from __future__ import annotations

import pytest

from tests.conftest import wait_for
from tests.integration.test_unseen_modems import (ScriptedModem, agent_on, clip, expect_one_text,  # noqa: F401
                                                  ringing)

A = "+447911123456"
B = "+447911222333"
C = "+447400123456"
OWNER = "+447911000001"        # [owner] phone in tests/conftest.py make_config


def drained(agent, timeout: float = 5.0) -> None:
    wait_for(lambda: agent.store.queue_length() == 0 and agent.service.line_worker.idle(), timeout,
             "the queue drained and every line handled")


def calls_from(agent, number: str) -> list:
    return [call for call in agent.calls() if call.number == number]


def ucs2(text: str) -> str:
    """A string as a modem in AT+CSCS="UCS2" prints it: four hex digits per UTF-16 unit (27.007 §5.5)."""
    return "".join(f"{ord(ch):04X}" for ch in text)


# ---- 1. caller ID in the keep-alive's answer ------------------------------------------------------

def test_caller_id_arriving_inside_the_keep_alive_answer_is_not_lost(agent_on):
    """A modem that does not hold URCs back while it answers a command puts them in the middle of
    the reply (python-gsmmodem faucamp/python-gsmmodem#29 and babca/python-gsmmodem#47, MODEMS.md
    item 3; tests/integration/test_unseen_modems.py plays the same for AT+CSQ). The keep-alive asks
    AT+CLIP? (27.007 §7.6: +CLIP: <n>,<m>); a call starting then puts its RING and its caller-ID
    line, which also starts "+CLIP:", into that reply. The caller hangs up after that one ring
    (Huawei E-series: +CRING: VOICE after AT+CRC=1, +CLIP: "<number>",145,,,,0, ^CEND). Input:
    +CLIP: 1,1 / +CRING: VOICE / +CLIP: "+447911123456",145,,,,0 / OK, then ^CEND:1,0,104,16.
    Should be: one text to +447911123456."""
    sim = ScriptedModem("huawei")
    agent = agent_on(sim, service_options={"ping_every": 0.5})
    agent.wait_settled()
    asked = sim.commands.count("AT+CLIP?")
    sim.inject_in_reply["AT+CLIP?"] = ["+CRING: VOICE", '+CLIP: "+447911123456",145,,,,0']
    wait_for(lambda: "AT+CLIP?" not in sim.inject_in_reply and sim.commands.count("AT+CLIP?") > asked, 5,
             "a keep-alive answered with the call's first lines in it")
    wait_for(lambda: agent.service.line_worker.call_in_progress, 3, "the ring heard")
    sim.play([(0.3, "^CEND:1,0,104,16")], wait=True)
    [call] = agent.wait_calls(1, timeout=5)
    assert call.number == A, (call.number, call.raw_number, call.rings, call.skip_reason)
    expect_one_text(agent, A)


# ---- 2. caller ID in the character set another program left ---------------------------------------

class LeftInUcs2(ScriptedModem):
    """A modem ModemManager had before the udev rule kept it away: ModemManager switches the TE
    character set to UTF-8 or else UCS2 when it enables a modem (src/mm-iface-modem.c, best_charsets;
    src/mm-broadband-modem.c modem_setup_charset sends AT+CSCS="UCS2"), and the setting stays until
    the modem resets. Strings, the caller's number among them, are then printed as UCS-2 hex
    (27.007 §5.5 +CSCS; ModemManager converts CMGL sender numbers from the modem's charset,
    src/mm-broadband-modem.c; gammu/gammu#358 shows a modem answering +CSCS: "UCS2"). It takes
    AT+CSCS="GSM"/"IRA" like the real one, so setting the character set is a fix as good as
    decoding the number."""

    charset = "UCS2"
    takes_cscs = True

    def _answer(self, command: str) -> None:
        upper = command.upper()
        if upper == "AT+CSCS?":
            return self._ok(f'+CSCS: "{self.charset}"')
        if upper == "AT+CSCS=?":
            return self._ok('+CSCS: ("IRA","GSM","UCS2")')
        if upper.startswith("AT+CSCS="):
            wanted = upper.split("=", 1)[1].strip().strip('"')
            if wanted in ("IRA", "GSM", "UCS2") and self.takes_cscs:
                self.charset = wanted
                return self._ok()
            return self.emit("ERROR")
        return super()._answer(command)

    def number(self, number: str) -> str:
        return ucs2(number) if self.charset == "UCS2" else number


@pytest.mark.parametrize("takes_cscs", [True, False], ids=["set-to-GSM", "refuses-CSCS"])
def test_caller_id_from_a_modem_left_in_ucs2_is_texted(agent_on, takes_cscs):
    """Huawei E-series left in UCS2: +CRING: VOICE, then
    +CLIP: "002B003400340037003900310031003100320033003400350036",145,,,,0 (that is +447911123456),
    twice, then ^CEND. Should be: one text to +447911123456, whether the modem takes AT+CSCS="GSM"
    at set-up or refuses it and goes on printing UCS-2 hex (then the number is decoded)."""
    sim = LeftInUcs2("huawei")
    sim.takes_cscs = takes_cscs
    agent = agent_on(sim)
    agent.wait_settled()
    line = f'+CLIP: "{sim.number(A)}",145,,,,0'
    sim.play([(0.0, "+CRING: VOICE"), (0.0, line), (0.2, "+CRING: VOICE"), (0.0, line),
              (0.1, "^CEND:1,0,104,16")], wait=True)
    [call] = agent.wait_calls(1, timeout=5)
    assert call.number == A, (call.number, call.raw_number, call.skip_reason)
    expect_one_text(agent, A)


# ---- 3. a modem that answers calls by itself ---------------------------------------------------------

class AutoAnswers(ScriptedModem):
    """ATS0=<n>: answer automatically after n rings (V.250 §6.3.8; SIM800 AT manual V1.09 §2.2.16
    "ATS0 Set Number of Rings before Automatically Answering the Call", parameter saving mode
    AT&W_SAVE: it survives power cycles once saved; Telit ME910 AT reference: factory default 0).
    This one comes from a project that saved ATS0=2 (GSM alarm diallers and intercoms do)."""

    s0 = 2

    def _answer(self, command: str) -> None:
        upper = command.upper().replace(" ", "")
        if upper == "ATS0?":
            return self._ok(f"{self.s0:03d}")
        if upper.startswith("ATS0="):
            value = upper.split("=", 1)[1]
            if value.isdigit() and int(value) <= 255:
                self.s0 = int(value)
                return self._ok()
            return self.emit("ERROR")
        return super()._answer(command)


def test_a_modem_saved_with_auto_answer_does_not_swallow_missed_calls(agent_on):
    """The box's modem was set to answer after 2 rings and saved so. A caller rings, the modem
    picks up (SIM800 with AT+CLCC=1: +CLCC: 1,1,0,… "active"), the caller hears silence and hangs
    up 1 s later (+CLCC stat 6, NO CARRIER). Nobody at the shop spoke to them. Should be: the
    agent switches auto-answer off at set-up (ATS0=0) so the call rings out and is texted once;
    today every call is "answered" and nobody is ever texted while the status says online."""
    sim = AutoAnswers("sim800", ring_interval=0.2)
    agent = agent_on(sim)
    agent.wait_settled()
    sim.call(A, rings=3 if sim.s0 == 0 else sim.s0, answered=sim.s0 > 0, talk=1.0)
    [call] = agent.wait_calls(1, timeout=6)
    assert (call.outcome, call.skip_reason) == ("texted", None), \
        f"call {call.outcome} ({call.skip_reason}); the modem still auto-answers after {sim.s0} rings"
    expect_one_text(agent, A)


# ---- 4. calls during a send ------------------------------------------------------------------------

class RingsAroundTheSend(ScriptedModem):
    """Puts the next caller's lines right after the '>' prompt in the same write, and inside the
    +CMGS answer (between +CMGS: <mr> and OK), once each: URCs a modem does not hold back while it
    is in the middle of a command (faucamp/python-gsmmodem#29, babca/python-gsmmodem#47)."""

    after_prompt: bytes = b""
    inside_cmgs: list[str] | tuple = ()

    def _prompt(self) -> None:
        tail, self.after_prompt = self.after_prompt, b""
        self.write(self.prompt + tail)

    def _ok(self, *lines: str) -> None:
        if lines and lines[0].startswith("+CMGS:") and self.inside_cmgs:
            extra, self.inside_cmgs = self.inside_cmgs, []
            lines = (*lines, *extra)
        super()._ok(*lines)


def test_ring_glued_to_the_prompt_and_inside_the_cmgs_answer_is_a_call(agent_on):
    """A's text is being sent when B calls: B's first RING and +CLIP come in the same write as the
    '>' prompt ("\\r\\n> \\r\\nRING\\r\\n\\r\\n+CLIP: …"), B's second RING and +CLIP between
    "+CMGS: n" and "OK", then B gives up (NO CARRIER). Should be: each texted once, B's call with
    two rings. (test_unseen_modems has RING between AT+CMGS and the prompt; this is after it.)"""
    sim = RingsAroundTheSend("wavecom")
    agent = agent_on(sim)
    agent.wait_settled()
    sim.after_prompt = f"\r\nRING\r\n\r\n{clip(B, 145)}\r\n".encode()
    sim.inside_cmgs = ["RING", clip(B, 145)]
    sim.play(ringing(A, rings=2), wait=True)
    wait_for(lambda: not sim.inside_cmgs, 5, "the send with B's lines around it")
    sim.play([(0.1, "NO CARRIER")], wait=True)
    expect_one_text(agent, A)
    expect_one_text(agent, B)
    [call_b] = calls_from(agent, B)
    assert call_b.rings == 2, call_b


# ---- 5. caller-ID forms and end lines ----------------------------------------------------------------

def test_clip_without_any_ring_is_still_a_call(agent_on):
    """ModemManager takes a +CLIP by itself for a ringing call (src/mm-broadband-modem.c
    clip_received reports MM_CALL_STATE_RINGING_IN), so RING is not needed to know a call is there:
    a RING lost on the line, or one routed to another port (MODEMS.md: Quectel URCs go to the
    port AT+QURCCFG names; Huawei caller ID may come on the notification port). Input:
    +CLIP: "07911123456",129,"",0,"",0 then NO CARRIER. Checked sound: texted once."""
    agent = agent_on(ScriptedModem("wavecom"))
    agent.wait_settled()
    agent.sim.play([(0.0, '+CLIP: "07911123456",129,"",0,"",0'), (0.3, "NO CARRIER")], wait=True)
    [call] = agent.wait_calls(1, timeout=10)
    expect_one_text(agent, A)
    assert call.raw_number == "07911123456"


@pytest.mark.parametrize("end", ["NO ANSWER", "BUSY"])
def test_no_answer_and_busy_end_an_incoming_call(agent_on, end):
    """V.250 result codes a modem may print when a call ends (ModemManager src/mm-modem-helpers.c
    mm_call_end_regex_get: NO CARRIER, BUSY, NO ANSWER, NO DIALTONE, "some Sierra devices omit the
    leading <CR>"), framed LF-only as that comment says. Checked sound: one text, the call ended by
    that line, not by the ring time-out."""
    sim = ScriptedModem("wavecom")
    agent = agent_on(sim)
    agent.wait_settled()
    sim.play(ringing(A, rings=2, end=()), wait=True)
    sim.write(f"\n{end}\r\n".encode())
    [call] = agent.wait_calls(1, timeout=5)
    assert call.end_signal == end
    expect_one_text(agent, A)


# ---- 6. callers who must never be texted -------------------------------------------------------------

def test_the_owners_phone_in_every_caller_id_form_is_never_texted(agent_on):
    """Networks give the same caller as national (type 129, "0…"), international with the IDD
    prefix and type 129 ("0044…", what many European networks print for a roaming or ported
    caller), and international without '+' but type 145 (MODEMS.md item 10; 27.007 §7.6 <type>
    145 = international). The owner tests the box by calling it from their own phone. Checked
    sound: three calls, each skipped as the owner's; then a customer is texted."""
    sim = ScriptedModem("wavecom")
    agent = agent_on(sim)
    agent.wait_settled()
    forms = ['+CLIP: "07911000001",129,"",0,"",0', '+CLIP: "00447911000001",129,"",0,"",0',
             '+CLIP: "447911000001",145,"",0,"",0']
    for n, line in enumerate(forms, start=1):
        sim.play(ringing(None, clip_line=line), wait=True)
        agent.wait_calls(n, timeout=5)
    assert [(c.number, c.skip_reason) for c in agent.calls()] == [(OWNER, "owner")] * 3
    sim.play(ringing(C), wait=True)
    expect_one_text(agent, C)
    assert [sms.number for sms in sim.sent] == [C]


@pytest.mark.parametrize("clip_line, reason", [
    ('+CLIP: "61234",129,"",0,"",0', None),                   # UK five-digit short code (Ofcom 6xxxx/8xxxx)
    ('+CLIP: "Vodafone",208,"",0,"",0', None),                # alphanumeric caller: type 208 = TON 5 (23.040 §9.1.2.5)
    ('+CLIP: "+88213400000",145,"",0,"",0', "voip"),          # +882 international networks, a one-ring scam source
    ('+CLIP: "+33142685300",145,"",0,"",0', "landline"),      # a foreign landline (Paris 01)
    ('+CLIP: "09098790000",129,"",0,"",0', "premium_rate"),   # UK premium rate, national form
    ('+CLIP: "07011123456",129,"",0,"",0', "personal_number"),  # UK 070 "personal number" (pays the caller)
])
def test_short_codes_names_premium_and_foreign_landlines_are_not_texted(agent_on, clip_line, reason):
    """Lines a texting box must never answer: a short code or a name has no number to text; +882,
    premium and 070 numbers cost; a landline cannot read a text. Checked sound: skipped (with the
    reason, where it is a number), nothing sent; the next mobile caller is texted."""
    sim = ScriptedModem("wavecom")
    agent = agent_on(sim)
    agent.wait_settled()
    sim.play(ringing(None, clip_line=clip_line), wait=True)
    [call] = agent.wait_calls(1, timeout=5)
    assert call.outcome == "skipped" and (reason is None or call.skip_reason == reason), \
        (call.number, call.skip_reason)
    sim.play(ringing(C), wait=True)
    expect_one_text(agent, C)
    assert [sms.number for sms in sim.sent] == [C]


def test_withheld_with_a_number_left_in_the_field_is_not_texted(agent_on):
    """27.007 §7.6: with <CLI validity> 1 (withheld by the caller) <number> "shall be an empty
    string"; some MTs leave the number in anyway. The caller asked not to be identified. Input:
    +CLIP: "+447911123456",145,"",0,"",1 on each ring. Checked sound: skipped as withheld."""
    sim = ScriptedModem("wavecom")
    agent = agent_on(sim)
    agent.wait_settled()
    sim.play(ringing(None, clip_line='+CLIP: "+447911123456",145,"",0,"",1'), wait=True)
    [call] = agent.wait_calls(1, timeout=5)
    assert (call.outcome, call.skip_reason) == ("skipped", "withheld")
    drained(agent)
    assert sim.sent == []
