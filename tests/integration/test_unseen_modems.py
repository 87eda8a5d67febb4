"""Modems we have not seen: real-but-unusual behaviour, driven through the whole agent over a pty.

A scripted modem (a SimulatedModem with knobs) plays framing quirks, sticky echo, slow answers,
verbose errors, boot noise, caller-ID and end-of-call variants. Every test checks the product
promise: exactly one text per textable missed call (decoded from the PDU the modem was handed),
none for a withheld caller, and a later call still gets its text.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from typing import Any, Callable, Iterable

import pytest

from agent.errors import ModemTimeout
from agent.modem.link import SerialLink
from agent.simulator import SimulatedModem
from tests.conftest import RunningAgent, wait_for
from tests.integration.test_link import Peer

A = "+447911123456"
B = "+447911222333"
C = "+447400123456"

BOOT_NOISE = ("RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready", "SMS DONE", "PB DONE",
              "+QIND: SMS DONE", "^BOOT:20952548,0,0,0,72")


class ScriptedModem(SimulatedModem):
    """A SimulatedModem whose framing, echo, timing, errors and URC placement can be scripted."""

    def __init__(self, family: str = "sim800", *, frame: tuple[str, str] = ("\r\n", "\r\n"),
                 sticky_echo: bool = False, echo_form: Callable[[bytes], bytes] = lambda raw: raw,
                 delays: Iterable[float] = (0.0,), prompt: bytes = b"\r\n> ",
                 cmgs_delays: Iterable[float] = (), boot_noise: Iterable[str] = (),
                 failures: dict[str, Iterable[str]] | None = None, **kwargs: Any):
        super().__init__(family, **kwargs)
        self.frame = frame
        self.sticky_echo = sticky_echo
        self.echo_form = echo_form
        self.delays = itertools.cycle(delays)
        self.prompt = prompt
        self.cmgs_delays: deque[float] = deque(cmgs_delays)
        self.boot_noise: deque[str] = deque(boot_noise)
        self.failures: dict[str, deque[str]] = {k: deque(v) for k, v in (failures or {}).items()}
        self.inject_in_reply: dict[str, list[str]] = {}     # command → URC lines put before its OK
        self.before_prompt: Callable[[], None] | None = None  # runs between AT+CMGS=n and the prompt
        self.submitting = threading.Event()                  # set while a PDU waits for its answer

    # ---- output ------------------------------------------------------------------------------

    def emit(self, line: str) -> None:
        pre, post = self.frame
        self.write(f"{pre}{line}{post}".encode())

    def _ok(self, *lines: str) -> None:
        command = self.commands[-1].upper() if self.commands else ""
        extra = self.inject_in_reply.pop(command, [])
        pre, post = self.frame
        self.write("".join(f"{pre}{line}{post}" for line in (*lines, *extra, "OK")).encode())

    def play(self, steps: list[tuple[float, str]], wait: bool = False) -> threading.Thread:
        """Unsolicited lines, each after its pause (seconds), from another thread."""
        def run() -> None:
            for pause, line in steps:
                if pause:
                    time.sleep(pause)
                if line.startswith("+CLIP") and "AT+CLIP=1" not in self.state.switches:
                    continue          # like a real modem: no caller ID unless it was switched on
                self.emit(line)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        if wait:
            thread.join()
        return thread

    # ---- the AT engine -----------------------------------------------------------------------

    def _answer(self, command: str) -> None:
        queued = self.failures.get(command)
        if queued:
            return self.emit(queued.popleft())
        if self.sticky_echo and command.upper() == "ATE0":
            return self._ok()              # says OK, keeps echoing
        return super()._answer(command)

    def _submit(self, pdu: str) -> None:
        self.submitting.set()
        if self.cmgs_delays:
            time.sleep(self.cmgs_delays.popleft())
        try:
            super()._submit(pdu)
        finally:
            self.submitting.clear()

    def _echo(self, raw: bytes) -> None:
        self.write(self.echo_form(raw) + b"\r")

    def _received(self, command: str) -> None:
        if self.boot_noise:
            self.emit(self.boot_noise.popleft())
        pause = next(self.delays)
        if pause:
            time.sleep(pause)

    def _prompt(self) -> None:
        if self.before_prompt is not None:
            hook, self.before_prompt = self.before_prompt, None
            hook()
        self.write(self.prompt)


# ---- scripts of calls ----------------------------------------------------------------------------

def clip(number: str, toa: int | None = None) -> str:
    toa = toa if toa is not None else (145 if number.startswith("+") else 129)
    return f'+CLIP: "{number}",{toa},"",0,"",0'


def ringing(number: str | None, rings: int = 2, gap: float = 0.2, *, end: Iterable[str] = ("NO CARRIER",),
            clip_line: str | None = None, clip_first_only: bool = False, clip_before_ring: bool = False,
            first_pause: float = 0.0) -> list[tuple[float, str]]:
    """RING (+CLIP) × rings, gap apart, then the end lines half a gap after the last ring."""
    line = clip_line if clip_line is not None else (clip(number) if number else None)
    steps: list[tuple[float, str]] = []
    for ring in range(rings):
        pause = first_pause if ring == 0 else gap
        with_clip = line is not None and (ring == 0 or not clip_first_only)
        if clip_before_ring and with_clip:
            steps += [(pause, line), (0.0, "RING")]
        else:
            steps.append((pause, "RING"))
            if with_clip:
                steps.append((0.0, line))
    for index, end_line in enumerate(end):
        steps.append((gap / 2 if index == 0 else 0.0, end_line))
    return steps


@pytest.fixture
def agent_on(start_agent):
    """agent_on(sim, ready_timeout=…, service_options=…, **config sections) → RunningAgent."""
    sims: list[SimulatedModem] = []

    def start(sim: ScriptedModem, *, ready_timeout: float = 6.0, **options: Any) -> RunningAgent:
        if not sim._alive:
            sim.start()
        sims.append(sim)
        return start_agent(sim=sim, ready_timeout=ready_timeout, **options)

    yield start
    for sim in sims:
        sim.stop()


def texts_to(agent: RunningAgent, number: str) -> list:
    return [sms for sms in agent.sim.sent if sms.number == number]


def expect_one_text(agent: RunningAgent, number: str, timeout: float = 4.0) -> None:
    """Exactly one text reached the modem for `number`, and nothing for it is still queued or sending."""
    wait_for(lambda: texts_to(agent, number), timeout, f"a text to {number}")
    wait_for(lambda: agent.store.queue_length() == 0 and not agent.sim.submitting.is_set(), 3,
             "the queue to drain")
    sms = texts_to(agent, number)
    assert len(sms) == 1, f"{len(sms)} texts to {number}"
    assert sms[0].text.startswith("Brightside Dental:"), sms[0].text


def second_call_still_texted(agent: RunningAgent, number: str = C, timeout: float = 5.0) -> None:
    agent.sim.play(ringing(number), wait=True)
    expect_one_text(agent, number, timeout)


FRAMINGS = {
    "cr-only": ("\r", "\r"),
    "lf-only": ("\n", "\n"),
    "cr-cr-lf": ("\r\r\n", "\r\r\n"),
    "bare-trailing-crlf": ("", "\r\n"),
}


# ---- line framing, echo, prompt ------------------------------------------------------------------

@pytest.mark.parametrize("framing", FRAMINGS)
def test_line_framing_variants(agent_on, framing):
    agent = agent_on(ScriptedModem(frame=FRAMINGS[framing]))
    agent.sim.play(ringing(A), wait=True)
    expect_one_text(agent, A)
    second_call_still_texted(agent)


def test_echo_stays_on_after_ate0_even_for_the_pdu(agent_on):
    agent = agent_on(ScriptedModem(sticky_echo=True))
    agent.sim.play(ringing(A), wait=True)
    expect_one_text(agent, A)
    second_call_still_texted(agent)


def test_echo_in_other_case_with_trailing_blanks(agent_on):
    agent = agent_on(ScriptedModem(sticky_echo=True, echo_form=lambda raw: raw.lower() + b"  "))
    agent.sim.play(ringing(A), wait=True)
    expect_one_text(agent, A)
    second_call_still_texted(agent)


@pytest.mark.parametrize("prompt", [b">", b"> ", b"\r\n> ", b"\r\n>\r\n"], ids=["gt", "gt-space", "crlf-gt-space",
                                                                                 "gt-own-line"])
def test_prompt_forms(agent_on, prompt):
    agent = agent_on(ScriptedModem(prompt=prompt))
    agent.sim.play(ringing(A), wait=True)
    expect_one_text(agent, A)


def test_ring_between_cmgs_and_prompt_is_a_new_call(agent_on):
    sim = ScriptedModem()
    agent = agent_on(sim)
    sim.before_prompt = lambda: sim.emit("RING") or sim.emit(clip(B))
    sim.play(ringing(A), wait=True)
    expect_one_text(agent, A)
    sim.play([(0.2, "RING"), (0.0, clip(B)), (0.1, "NO CARRIER")], wait=True)
    expect_one_text(agent, B)
    second_call_still_texted(agent)


def test_urcs_in_the_middle_of_a_status_reply(agent_on):
    sim = ScriptedModem()
    sim.inject_in_reply["AT+CSQ"] = ["RING", clip(A)]
    agent = agent_on(sim)
    wait_for(lambda: "AT+CSQ" in sim.commands, 3, "the first status poll")
    sim.play([(0.2, "RING"), (0.0, clip(A)), (0.1, "NO CARRIER")], wait=True)
    expect_one_text(agent, A)
    [call] = agent.wait_calls(1)
    assert call.rings == 2
    second_call_still_texted(agent)


# ---- timing ---------------------------------------------------------------------------------------

def test_slow_modem_answers_every_command_in_300_to_800_ms(agent_on):
    agent = agent_on(ScriptedModem(delays=(0.3, 0.8, 0.5)), ready_timeout=12)
    agent.sim.play(ringing(A), wait=True)
    expect_one_text(agent, A, timeout=8)


def test_cmgs_answer_five_seconds_after_the_pdu_while_a_call_arrives(agent_on):
    sim = ScriptedModem(cmgs_delays=(5.0,))
    agent = agent_on(sim)
    sim.play(ringing(A), wait=True)
    wait_for(sim.submitting.is_set, 3, "the first PDU at the modem")
    sim.play(ringing(B), wait=True)          # rings and ends while the send is still waiting
    expect_one_text(agent, A, timeout=8)
    expect_one_text(agent, B, timeout=4)
    assert len(sim.sent) == 2


def test_reply_that_comes_after_its_timeout_is_not_taken_for_the_next_commands():
    """A slow modem answers a timed-out command late; the next command must get its own answer."""
    peer = Peer()
    link = SerialLink(peer.path)
    link.open()
    try:
        def modem() -> None:                         # answers in order; the first answer is late
            peer.read_until(b"AT\r")
            time.sleep(0.45)                          # 0.15 s after the link gave up on it
            peer.send(b"\r\nOK\r\n")
            peer.read_until(b"AT+CMEE?\r")             # the link's marked resync (27.007: +CMEE: <n>)
            peer.send(b"\r\n+CMEE: 1\r\n\r\nOK\r\n")
            peer.read_until(b"AT+CSQ\r")
            peer.send(b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n")
        threading.Thread(target=modem, daemon=True).start()
        with pytest.raises(ModemTimeout):
            link.command("AT", timeout=0.3)
        assert link.command("AT+CSQ", timeout=2) == ["+CSQ: 20,99"]
    finally:
        link.close()
        peer.close()


def test_late_ok_before_the_cmgs_prompt_is_not_a_send():
    """A stray OK (late answer to an earlier command) before '> ' must not count as the text sent."""
    peer = Peer()
    link = SerialLink(peer.path)
    link.open()
    try:
        def modem() -> None:
            peer.read_until(b"AT+CMGS=5\r")
            peer.send(b"\r\nOK\r\n")
        threading.Thread(target=modem, daemon=True).start()
        with pytest.raises(ModemTimeout, match="stray final result") as raised:
            link.send_pdu(5, "0011000B911234", timeout=1)
        assert raised.value.after_pdu is False
    finally:
        link.close()
        peer.close()


# ---- errors at start-up and on sends ---------------------------------------------------------------

def test_ate0_answered_error_every_time(agent_on):
    agent = agent_on(ScriptedModem(failures={"ATE0": ["ERROR"] * 50}), ready_timeout=3)
    agent.sim.play(ringing(A), wait=True)
    expect_one_text(agent, A)


def test_optional_init_commands_answer_plain_or_verbose_errors(agent_on):
    failures = {"AT+CMEE=1": ["ERROR"], "AT+CLCC=1": ["+CME ERROR: operation not supported"]}
    failures.update({f"AT+CNMI={v}": ["ERROR"] for v in ("2,1,0,1,0", "2,1,0,2,0", "2,1,0,0,0", "1,1,0,0,0")})
    agent = agent_on(ScriptedModem(failures=failures), ready_timeout=5)
    agent.sim.play(ringing(A), wait=True)
    expect_one_text(agent, A)


def test_clip_refused_once_with_sim_busy_then_ok(agent_on):
    sim = ScriptedModem(failures={"AT+CLIP=1": ["+CME ERROR: SIM busy"]})
    agent = agent_on(sim, ready_timeout=6)
    agent.sim.play(ringing(A), wait=True)
    expect_one_text(agent, A)


def test_clip_refused_while_the_sim_is_busy_for_a_while_is_retried(agent_on):
    """SIM7600-class modems can answer SIM busy for 10 s or more after boot."""
    sim = ScriptedModem(failures={"AT+CLIP=1": ["+CME ERROR: SIM busy"] * 4})
    agent = agent_on(sim, ready_timeout=10)
    sim.play(ringing(A), wait=True)
    expect_one_text(agent, A, timeout=2)


def test_status_says_caller_id_is_on_once_clip_was_accepted(agent_on):
    agent = agent_on(ScriptedModem())
    wait_for(lambda: agent.store.modem_state().get("online"), 2, "modem online")
    state = agent.store.modem_state()
    assert state.get("caller_id") is True and not state.get("last_error"), state


def test_boot_noise_interleaved_with_the_first_commands(agent_on):
    sim = ScriptedModem("sim7600", boot_noise=BOOT_NOISE)
    agent = agent_on(sim)
    sim.play(ringing(A, end=("MISSED_CALL: 1:46PM 07911123456",)), wait=True)
    expect_one_text(agent, A)
    state = agent.store.modem_state()
    assert (state["manufacturer"], state["model"]) == ("SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H"), state


def test_cms_500_then_success_on_retry(agent_on):
    sim = ScriptedModem()
    sim.cms_errors.append(500)
    agent = agent_on(sim, service_options={"retry_backoff": (0.3, 0.3, 0.3, 0.3, 0.3)})
    sim.play(ringing(A), wait=True)
    expect_one_text(agent, A)
    assert len(sim.submitted) == 1 and sum(c.startswith("AT+CMGS=") for c in sim.commands) == 2
    second_call_still_texted(agent)


def test_verbose_transient_cms_error_then_success_on_retry(agent_on):
    sim = ScriptedModem()
    sim.cms_errors.append("Network timeout")    # AT+CMEE=2 style, or CMEE=1 refused
    agent = agent_on(sim, service_options={"retry_backoff": (0.3, 0.3, 0.3, 0.3, 0.3)})
    sim.play(ringing(A), wait=True)
    expect_one_text(agent, A, timeout=1.5)


# ---- caller ID variants -----------------------------------------------------------------------------

CALLER_ID_VARIANTS = {
    "clip-before-first-ring": dict(clip_before_ring=True),
    "clip-on-first-ring-only": dict(rings=3, clip_first_only=True),
    "alpha-name-with-comma": dict(clip_line='+CLIP: "07911123456",129,"",0,"Smith, J",0'),
    "number-with-spaces": dict(clip_line='+CLIP: "+44 7911 123456",145,,,,0'),
    "national-type-161": dict(clip_line='+CLIP: "07911123456",161'),
    "international-without-plus": dict(clip_line='+CLIP: "447911123456",145,"",0,"",0'),
    "unquoted-number": dict(clip_line="+CLIP: 07911123456,129"),
}


@pytest.mark.parametrize("variant", CALLER_ID_VARIANTS)
def test_caller_id_variants(agent_on, variant):
    agent = agent_on(ScriptedModem())
    agent.sim.play(ringing(A, **CALLER_ID_VARIANTS[variant]), wait=True)
    expect_one_text(agent, A)


@pytest.mark.parametrize("clip_line", ['+CLIP: "Unknown",128', '+CLIP: "",128,"",0,"",1', '+CLIP: "",128,,,,2',
                                       None], ids=["unknown-128", "empty-validity-1", "empty-validity-2",
                                                   "no-clip-at-all"])
def test_withheld_caller_gets_nothing_and_the_next_caller_does(agent_on, clip_line):
    agent = agent_on(ScriptedModem())
    agent.sim.play(ringing(None, clip_line=clip_line), wait=True)
    [call] = agent.wait_calls(1, timeout=3)
    assert call.outcome != "texted" and not call.number
    second_call_still_texted(agent)
    assert [sms.number for sms in agent.sim.sent] == [C]


# ---- end-of-call variants ---------------------------------------------------------------------------

END_VARIANTS = {
    "no-carrier-only": ("sim800", ("NO CARRIER",)),
    "clcc-6-only": ("sim800", (f'+CLCC: 1,1,6,0,0,"{A}",145,""',)),
    "clcc-6-then-no-carrier": ("sim800", (f'+CLCC: 1,1,6,0,0,"{A}",145,""', "NO CARRIER")),
    "voice-call-end-with-duration": ("sim7600", ("VOICE CALL: END: 000000",)),
    "a76xx-end-burst": ("a76xx", ("VOICE CALL: END", "NO CARRIER", f'+CLCC: 1,1,6,0,0,"{A}",145')),
    "cend-without-cause": ("huawei", ("^CEND:1,0,104",)),
    "missed-call-after-rings": ("sim7600", ("MISSED_CALL: 01:46PM +447911123456",)),
    "dsci-6-then-no-carrier": ("quectel", (f"^DSCI: 1,1,6,0,{A},145,0", "NO CARRIER")),
    "ucallstat-6": ("ublox", ("+UCALLSTAT: 1,6",)),
    "rings-just-stop-silent": ("silent", ()),
    "rings-just-stop-sim800": ("sim800", ()),
}


@pytest.mark.parametrize("variant", END_VARIANTS)
def test_end_of_call_variants(agent_on, variant):
    family, end = END_VARIANTS[variant]
    agent = agent_on(ScriptedModem(family))
    agent.sim.play(ringing(A, rings=3, end=end), wait=True)
    expect_one_text(agent, A, timeout=5)
    [call] = agent.wait_calls(1)
    assert call.rings == 3
    second_call_still_texted(agent)
    assert len(agent.calls()) == 2


def test_missed_call_line_alone_with_no_ring(agent_on):
    agent = agent_on(ScriptedModem("sim7600"))
    agent.sim.play([(0.0, "MISSED_CALL: 01:46PM +447911123456")], wait=True)
    expect_one_text(agent, A)
    second_call_still_texted(agent)


def test_missed_call_alone_after_a_withheld_call(agent_on):
    """A withheld call, then a caller whose RINGs were lost: only MISSED_CALL names them."""
    agent = agent_on(ScriptedModem("sim7600"))
    agent.sim.play(ringing(None, clip_line='+CLIP: "",128,,,,1', end=("MISSED_CALL: 01:45PM ",)), wait=True)
    agent.wait_calls(1, timeout=3)
    agent.sim.play([(0.5, "MISSED_CALL: 01:46PM +447911123456")], wait=True)
    expect_one_text(agent, A, timeout=1.5)


# ---- several calls ----------------------------------------------------------------------------------

def test_two_callers_back_to_back_with_end_lines(agent_on):
    agent = agent_on(ScriptedModem())
    agent.sim.play(ringing(A) + ringing(B, first_pause=0.2), wait=True)
    expect_one_text(agent, A)
    expect_one_text(agent, B)


def test_two_callers_back_to_back_on_a_silent_modem(agent_on):
    """The second caller starts ringing before the first call's ring timeout ran out."""
    agent = agent_on(ScriptedModem("silent"))
    agent.sim.play(ringing(A, end=()) + ringing(B, end=(), first_pause=0.4), wait=True)
    expect_one_text(agent, B, timeout=2)
    expect_one_text(agent, A, timeout=0.5)


def test_same_caller_twice_within_two_seconds_gets_one_text(agent_on):
    agent = agent_on(ScriptedModem())
    agent.sim.play(ringing(A) + ringing(A, first_pause=1.0), wait=True)
    agent.wait_calls(2, timeout=4)
    expect_one_text(agent, A)
    second_call_still_texted(agent)
    assert len(agent.sim.sent) == 2
