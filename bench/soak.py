"""Seeded chaos soak: the real agent, the pty simulator, hundreds of calls and every fault mixed in.

    .venv/bin/python bench/soak.py --seconds 600 --seed 7
    .venv/bin/python bench/soak.py --seconds 3600 --seed 11 --table-out soak.md

A `textback agent` process (the console script next to this Python) runs on a fresh temp folder
against a SimulatedModem served from this process (the family is picked by the seed, or
`--family`). For `--seconds` the soak rings it from a pool of UK mobile numbers (some withheld),
sends it SMS (ordinary replies, and STOP from some numbers, which keep calling now and then), and
mixes in faults, one at a time: kill -9 and SIGTERM of the agent (then a restart), a hung modem, a
reset with and without start-up lines, unplug/replug on a new pty, transient and permanent +CMS
errors, slow sends, garbage on the line, the database write-locked by another process, a full SIM.

Afterwards it checks, from the simulator's own record of what went out and the database:
  1. nobody is texted twice for one call;
  2. every call that rang while the agent was up is in the calls table, texted or skipped for a
     right reason (or `ambiguous`, at most one per fault that can cut a send short);
  3. nothing is sent to a number after its STOP was committed (texts already in flight aside);
  4. every inbound SMS is stored exactly once;
  5. service is back within 30 s after each fault ends;
  6. the agent never exits by itself, and every SIGTERM ends it within 10 s with exit code 0;
  7. every text the database calls sent went, as a PDU, to its number;
prints a Markdown table, and exits 1 when a rule is broken. docs/reliability.md explains it.

The seed fixes the family, the number pool, the order and the parameters of the faults and the
content of calls and SMS; the exact interleaving still depends on timing, so two runs with one
seed are alike, not identical.
"""

from __future__ import annotations

import argparse
import atexit
import random
import select
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.rules.numbers import line_kind  # noqa: E402
from agent.simulator import SimulatedModem  # noqa: E402
from agent.simulator.pdus import deliver_pdu, deliver_pdus  # noqa: E402

FAMILIES = ("sim800", "sim7600", "quectel", "huawei", "ublox", "silent")
FAULT_KINDS = ("kill", "term", "hang", "reset", "silent_reset", "unplug", "cms_transient", "cms_permanent",
               "slow_send", "garbage", "db_lock", "full_sim")
FAULT_TITLES = {
    "kill": "kill -9, restart", "term": "SIGTERM, restart", "hang": "modem hangs (3–20 s)",
    "reset": "reset, start-up lines", "silent_reset": "reset, no start-up lines",
    "unplug": "unplug, replug (new pty)", "cms_transient": "+CMS ERROR 41, 42 (transient)",
    "cms_permanent": "+CMS ERROR 21 (permanent)", "slow_send": "slow sends (+CMGS after 10–60 s)",
    "garbage": "garbage bytes on the line", "db_lock": "database write-locked 10 s",
    "full_sim": "SIM storage full",
}
SET_UP_AGAIN = frozenset({"kill", "term", "reset", "silent_reset", "unplug"})   # recovery = AT+CLIP=1 again
CUTS_A_SEND = frozenset({"kill", "term", "hang", "reset", "silent_reset", "unplug"})  # may leave `ambiguous`
NEEDS = {"reset": "reset", "silent_reset": "reset", "unplug": "replug", "slow_send": "cmgs_delay",
         "full_sim": "preload", "hang": "mute", "cms_transient": "cms_errors", "cms_permanent": "cms_errors"}

MISSED_MARK = "sorry we missed your call"          # the missed_open template (all-week hours)
OPTOUT_MARK = "you won't get any more texts"       # optout_confirm, the one text a STOP is answered with
OWNER = "+447911000001"
BUSINESS = "Soak Shop"
RING_MARGIN = 0.5                                  # [modem] ring_timeout_margin
CLEAR = 3.0            # a call is "while up" with this much agent uptime, and no fault, either side
RECOVERY_LIMIT = 30.0
STOP_LIMIT = 10.0
SENT_SLACK = 10.0      # a text's sent_at and the modem's record of it are at most this far apart
STOP_GRACE = 1.0       # a text whose AT+CMGS came this soon after the STOP's commit was in flight
DRAIN_SECONDS = 90.0   # at the end: the agent lists the SIM every 60 s
READY_TIMEOUT = 120.0
PROBE_TIMEOUT = 60.0
REPLIES = ("Can you call me back after 5?", "Is Thursday morning free?", "Thanks, I'll pop in later",
           "What time do you close today?", "Do you have any appointments this week?", "Ok see you soon",
           "Sorry, who is this?", "I was ringing about my booking")

LOCKER = ("import sqlite3, sys, time\n"
          "conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n"
          "conn.execute('BEGIN IMMEDIATE')\n"
          "print('locked', flush=True)\n"
          "time.sleep(float(sys.argv[2]))\n"
          "conn.execute('COMMIT')\n")


# ---- records ------------------------------------------------------------------------------------

@dataclass
class Call:
    number: str | None       # None: withheld
    dialled: str
    start: float             # monotonic, as the simulator began and ended ringing
    end: float
    probe: bool = False
    up: bool = False
    running: bool = False


@dataclass
class Sms:
    number: str
    text: str
    at: float
    stop: bool
    parts: int


@dataclass
class Fault:
    kind: str
    start: float
    end: float | None = None          # the fault is over (restart launched, modem back, lock released)
    ready_after: float | None = None  # AT+CLIP=1 after this moment means set up again
    ready: float | None = None
    window_end: float | None = None   # calls up to here are "at risk"
    recovery: float | None = None
    probe: str | None = None
    note: str = ""


@dataclass
class Result:
    name: str
    passed: bool
    detail: str = ""
    examples: list[str] = field(default_factory=list)


# ---- helpers ----------------------------------------------------------------------------------

class Clocks:
    """Monotonic seconds are what the simulator records; the database holds UTC wall times."""

    def __init__(self) -> None:
        self.offset = time.time() - time.monotonic()

    def wall(self, mono: float) -> datetime:
        return datetime.fromtimestamp(mono + self.offset, timezone.utc)

    def mono(self, iso: str | None) -> float | None:
        if not iso:
            return None
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.timestamp() - self.offset

    def hms(self, mono: float | None) -> str:
        return "-" if mono is None else self.wall(mono).strftime("%H:%M:%S.%f")[:-3]


class CommandWatch(threading.Thread):
    """Time-stamps every command the simulator receives (it keeps them without times)."""

    def __init__(self, sim: SimulatedModem):
        super().__init__(name="soak-commands", daemon=True)
        self.sim = sim
        self.seen: list[tuple[float, str]] = []
        self._stop = threading.Event()

    def run(self) -> None:
        done = 0
        while not self._stop.wait(0.01):
            commands = self.sim.commands
            now = time.monotonic()
            while done < len(commands):
                self.seen.append((now, commands[done].strip().upper()))
                done += 1

    def stop(self) -> None:
        self._stop.set()

    def first_after(self, command: str, after: float) -> float | None:
        for at, seen in list(self.seen):
            if at > after and seen == command:
                return at
        return None

    def times(self, command: str) -> list[float]:
        return [at for at, seen in list(self.seen) if seen == command]


class AgentProcess:
    def __init__(self, config: Path, log_path: Path):
        self.exe = Path(sys.executable).with_name("textback")
        self.config = config
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.intervals: list[list[float | None]] = []      # [started, ended] monotonic
        self.stops: list[tuple[float, float, int | None]] = []   # SIGTERM: (at, seconds, exit code)
        self.exits: list[tuple[float, int | None]] = []           # ended by itself: (noticed at, exit code)
        self.starts = 0

    def start(self) -> float:
        with open(self.log_path, "ab") as out:
            out.write(f"---- agent start {self.starts + 1} ----\n".encode())
            out.flush()
            self.proc = subprocess.Popen([str(self.exe), "agent", "--config", str(self.config)],
                                         stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        self.starts += 1
        at = time.monotonic()
        self.intervals.append([at, None])
        return at

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def exited_by_itself(self) -> bool:
        """Nobody stopped it, yet it is gone: recorded (rule 6), and the caller starts it again."""
        if self.proc is None or self.proc.poll() is None or not self.intervals or self.intervals[-1][1] is not None:
            return False
        self.exits.append((time.monotonic(), self.proc.returncode))
        self._ended()
        return True

    def _ended(self) -> None:
        if self.intervals and self.intervals[-1][1] is None:
            self.intervals[-1][1] = time.monotonic()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self._ended()

    def terminate(self) -> tuple[float, int | None]:
        assert self.proc is not None
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code: int | None = self.proc.wait(STOP_LIMIT + 5)
        except subprocess.TimeoutExpired:
            code = None
            self.proc.kill()
            self.proc.wait(10)
        seconds = time.monotonic() - began
        self._ended()
        self.stops.append((began, seconds, code))
        return seconds, code

    def cleanup(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_LIMIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._ended()


def mobile_pool(rng: random.Random, prefix: str, digits: int, count: int, avoid: set[str]) -> list[str]:
    numbers: list[str] = []
    for _ in range(count * 50):
        if len(numbers) >= count:
            break
        number = prefix + "".join(str(rng.randrange(10)) for _ in range(digits))
        if number not in avoid and number not in numbers and line_kind(number) == "mobile":
            numbers.append(number)
    return numbers


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def seconds_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


# ---- the soak ---------------------------------------------------------------------------------

class Soak:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        seed = args.seed
        self.seed = seed
        base = random.Random(seed)
        self.family = args.family or base.choice(FAMILIES)
        self.rng_calls = random.Random(f"{seed}/calls")
        self.rng_sms = random.Random(f"{seed}/sms")
        self.rng_faults = random.Random(f"{seed}/faults")
        pools = random.Random(f"{seed}/numbers")
        self.pool = mobile_pool(pools, "+4479111", 5, 40, {OWNER})
        self.probes = mobile_pool(pools, "+44781", 7, 400, set(self.pool) | {OWNER})
        self.probe_at = 0
        self.clocks = Clocks()
        self.folder = Path(tempfile.mkdtemp(prefix="textback-soak-"))
        self.database = self.folder / "textback.db"
        self.sim = SimulatedModem(self.family, ring_interval=0.5, link_path=self.folder / "modem")
        self.watch = CommandWatch(self.sim)
        self.agent = AgentProcess(self.folder / "config.toml", self.folder / "agent.log")
        self.lockers: list[subprocess.Popen] = []
        self.calls: list[Call] = []
        self.sms: list[Sms] = []
        self.faults: list[Fault] = []
        self.skipped: dict[str, str] = {}
        self.stopped: dict[str, float] = {}       # number → when its STOP was handed to the modem
        self.injected_permanent = 0
        self.sms_ref = pools.randrange(256)
        self.sms_serial = 0
        self.last_call_end = 0.0
        self.next_call = 0.0
        self.next_sms = 0.0
        self.last_slow: float | None = None
        self.deck: list[str] = []
        self.started = 0.0
        self.deadline = 0.0
        self.traffic_end = 0.0
        self.drain_seconds = 0.0
        self.cleaned = False
        for kind in FAULT_KINDS:
            if args.faults is not None and kind not in args.faults:
                self.skipped[kind] = "not in --faults"
        for kind, attribute in NEEDS.items():
            if not hasattr(self.sim, attribute):
                self.skipped[kind] = f"the simulator has no `{attribute}` yet"
        if not hasattr(self.sim, "storages") or not hasattr(self.sim, "capacity"):
            self.skipped["full_sim"] = "the simulator has no SMS storages yet"

    # ---- set-up and clean-up -------------------------------------------------------------------

    def write_config(self) -> None:
        days = "".join(f'{day} = ["00:00-24:00"]\n' for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
        self.agent.config.write_text(
            f'[modem]\nport = "{self.sim.port}"\nring_timeout_margin = {RING_MARGIN}\n'
            f'[storage]\ndatabase = "{self.database}"\n'
            f'[business]\nname = "{BUSINESS}"\ntimezone = "Europe/London"\ncountry = "GB"\n'
            "[rules]\ndelay_seconds = 0\ndedup_hours = 0\n"
            f"[hours]\n{days}"
            f'[owner]\nphone = "{OWNER}"\n')

    def cleanup(self) -> None:
        if self.cleaned:
            return
        self.cleaned = True
        self.agent.cleanup()
        for locker in self.lockers:
            if locker.poll() is None:
                locker.kill()
                locker.wait(5)
        self.watch.stop()
        try:
            self.sim.stop()
        except Exception:   # the simulator may be unplugged already
            pass

    def say(self, text: str) -> None:
        if self.args.verbose:
            print(f"[{time.monotonic() - self.started:7.1f}] {text}", file=sys.stderr, flush=True)

    # ---- database -----------------------------------------------------------------------------

    def rows(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        for _ in range(20):
            try:
                conn = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=5)
            except sqlite3.Error:
                time.sleep(0.2)
                continue
            try:
                conn.row_factory = sqlite3.Row
                return conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError:
                time.sleep(0.2)
            finally:
                conn.close()
        return []

    # ---- waiting, with calls and SMS going on meanwhile ----------------------------------------

    def gap(self) -> float:
        return self.sim.ring_interval + RING_MARGIN + 1.5

    def pump(self, until, timeout: float, calls: bool = True, sms: bool = True) -> bool:
        """Traffic as scheduled until `until()` holds or `timeout` passes (never past it by more than
        one call)."""
        end = time.monotonic() + timeout
        while True:
            if until():
                return True
            now = time.monotonic()
            if now >= end:
                return False
            if self.agent.exited_by_itself():
                self.say(f"the agent exited by itself (code {self.agent.proc.returncode}); starting it again")
                self.agent.start()
            if now >= self.traffic_end:
                calls = sms = False
            if calls and now >= self.next_call and now >= self.last_call_end + self.gap():
                self.traffic_call()
                continue
            if sms and now >= self.next_sms:
                self.traffic_sms()
                continue
            time.sleep(0.05)

    def sleep(self, seconds: float, calls: bool = True) -> None:
        self.pump(lambda: False, seconds, calls=calls)

    # ---- calls and SMS ----------------------------------------------------------------------

    def place_call(self, number: str, withheld: bool = False, probe: bool = False, during=None) -> Call:
        rng = self.rng_calls
        wait_gap = self.last_call_end + self.gap() - time.monotonic()
        if wait_gap > 0:
            time.sleep(wait_gap)
        self.sim.ring_interval = rng.uniform(0.3, 1.0)
        rings = rng.randint(2, 4)
        start = time.monotonic()
        thread = self.sim.call(number, rings=rings, withheld=withheld, wait=False)
        if during is not None:
            during()
        thread.join(30)
        end = time.monotonic()
        self.last_call_end = end
        call = Call(None if withheld else number, number, start, end, probe=probe)
        self.calls.append(call)
        return call

    def traffic_call(self) -> None:
        rng = self.rng_calls
        rate = max(self.args.calls_per_minute, 0.1) / 60
        self.next_call = time.monotonic() + rng.expovariate(rate)
        stopped = sorted(self.stopped)
        if rng.random() < 0.1:
            self.place_call(rng.choice(self.pool), withheld=True)
        elif stopped and rng.random() < 0.2:
            self.place_call(rng.choice(stopped))
        else:
            self.place_call(rng.choice(self.pool))

    def traffic_sms(self) -> None:
        rng = self.rng_sms
        rate = max(self.args.sms_per_minute, 0.01) / 60
        self.next_sms = time.monotonic() + rng.expovariate(rate)
        called = sorted({c.number for c in self.calls if c.number and not c.probe}) or self.pool
        number = rng.choice(called)
        can_stop = [n for n in called if n not in self.stopped]
        if can_stop and len(self.stopped) < len(self.pool) // 3 and rng.random() < 0.2:
            self.send_sms(rng.choice(can_stop), "STOP", stop=True)
            return
        self.sms_serial += 1
        text = f"{rng.choice(REPLIES)} (note {self.seed}-{self.sms_serial})"
        if rng.random() < 0.1:
            text += " - " + " ".join(rng.choice(("the", "blue", "bike", "wheel", "Tuesday", "booking", "price"))
                                      for _ in range(40))
        self.send_sms(number, text)

    def send_sms(self, number: str, text: str, stop: bool = False) -> None:
        """As sim.receive_sms, with a concatenation reference of our own per message: two long SMS
        from one phone never share one (as a real phone's do not)."""
        now = datetime.now(timezone.utc)
        pdus = deliver_pdus(number, text, sent_at=now, ref=self.sms_ref)
        self.sms_ref = (self.sms_ref + 1) % 256
        for pdu in pdus:
            self.sim.receive_pdu(pdu)
        self.sms.append(Sms(number, text, time.monotonic(), stop, len(pdus)))
        if stop:
            self.stopped[number] = time.monotonic()

    def next_probe(self) -> str:
        number = self.probes[self.probe_at % len(self.probes)]
        self.probe_at += 1
        return number

    def missed_texts_to(self, number: str, after: float) -> list:
        return [s for s in list(self.sim.sent) if s.number == number and MISSED_MARK in s.text and s.at >= after]

    # ---- the agent -----------------------------------------------------------------------------

    def wait_clip(self, after: float, timeout: float = READY_TIMEOUT, calls: bool = False) -> float | None:
        found: list[float] = []

        def ready() -> bool:
            at = self.watch.first_after("AT+CLIP=1", after)
            if at is not None:
                found.append(at)
            return at is not None
        self.pump(ready, timeout, calls=calls)
        return found[0] if found else None

    # ---- faults ------------------------------------------------------------------------------

    def draw_fault(self) -> str | None:
        for _ in range(3):
            if not self.deck:
                self.deck = [k for k in FAULT_KINDS if k not in self.skipped]
                self.rng_faults.shuffle(self.deck)
            if not self.deck:
                return None
            for index, kind in enumerate(self.deck):
                if kind == "slow_send" and not self.slow_allowed():
                    continue
                return self.deck.pop(index)
            self.deck = [k for k in self.deck if k != "slow_send"]
        return None

    def slow_allowed(self) -> bool:
        """One slow period per few minutes (and one in a run shorter than that)."""
        if self.last_slow is None:
            return True
        return time.monotonic() - self.last_slow >= 240 and self.args.seconds >= 480

    def run_fault(self, kind: str) -> Fault:
        fault = Fault(kind, time.monotonic())
        self.faults.append(fault)
        self.say(f"fault {kind}")
        getattr(self, f"fault_{kind}")(fault)
        if fault.end is None:
            fault.end = time.monotonic()
        # ready again: set up again (AT+CLIP=1) where the fault makes the agent do it
        if kind in SET_UP_AGAIN:
            fault.ready = self.wait_clip(fault.ready_after if fault.ready_after is not None else fault.start)
        elif kind == "hang":
            fault.ready = self.hang_over(fault.end)
        else:
            fault.ready = fault.end
        fault.window_end = fault.ready if fault.ready is not None else time.monotonic()
        if kind != "slow_send":
            self.measure_recovery(fault)
        self.say(f"  {kind} over: recovery {seconds_text(fault.recovery)} {fault.note}")
        return fault

    def hang_over(self, unmuted: float) -> float | None:
        """After a hang the agent either set the modem up again or had a keep-alive answered."""
        found: list[float] = []

        def ready() -> bool:
            times = [t for t in (self.watch.first_after("AT+CLIP=1", unmuted),
                                 self.watch.first_after("AT+CLIP?", unmuted)) if t is not None]
            if times:
                found.append(min(times))
            return bool(times)
        self.pump(ready, READY_TIMEOUT, calls=False)
        return found[0] if found else None

    def measure_recovery(self, fault: Fault) -> None:
        """The next call, placed 1 s after the agent is ready again, must be texted."""
        if fault.ready is None:
            fault.note = (fault.note + " never ready again").strip()
            return
        self.pump(lambda: time.monotonic() >= fault.ready + 1.0, 5.0, calls=False)
        number = self.next_probe()
        fault.probe = number
        call = self.place_call(number, probe=True)
        texted = self.pump(lambda: bool(self.missed_texts_to(number, call.start)), PROBE_TIMEOUT)
        if texted:
            fault.recovery = self.missed_texts_to(number, call.start)[0].at - fault.end
        else:
            fault.note = (fault.note + f" probe {number} not texted within {PROBE_TIMEOUT:.0f} s").strip()

    def fault_kill(self, fault: Fault) -> None:
        mode = self.rng_faults.choice(("idle", "after_call", "mid_send"))
        self.cut(fault, mode, terminate=False)
        fault.note = mode.replace("_", " ")

    def fault_term(self, fault: Fault) -> None:
        mode = self.rng_faults.choice(("idle", "mid_send"))
        seconds, code = self.cut(fault, mode, terminate=True)
        fault.note = f"{mode.replace('_', ' ')}; exit {code} in {seconds:.1f} s"

    def cut(self, fault: Fault, mode: str, terminate: bool) -> tuple[float, int | None]:
        pause = self.rng_faults.uniform(0.2, 3.0)
        if mode == "mid_send" and hasattr(self.sim, "cmgs_delay"):
            sends = len(self.sim.cmgs_times)
            self.sim.cmgs_delay = 3.0
            self.place_call(self.rng_calls.choice(self.pool))
            self.pump(lambda: len(self.sim.cmgs_times) > sends, 10.0, calls=False)
            time.sleep(self.rng_faults.uniform(0.1, 1.0))
        elif mode == "after_call":
            self.place_call(self.rng_calls.choice(self.pool))
            time.sleep(self.rng_faults.uniform(0.0, 0.3))
        outcome: tuple[float, int | None] = (0.0, 0)
        if terminate:
            outcome = self.agent.terminate()
        else:
            self.agent.kill()
        if hasattr(self.sim, "cmgs_delay"):
            self.sim.cmgs_delay = 0.0
        self.sleep(pause)
        fault.end = fault.ready_after = self.agent.start()
        return outcome

    def fault_hang(self, fault: Fault) -> None:
        seconds = self.rng_faults.uniform(3, 20)
        self.sim.mute = True
        try:
            self.sleep(seconds)
        finally:
            self.sim.mute = False
        fault.note = f"{seconds:.0f} s"

    def fault_reset(self, fault: Fault) -> None:
        fault.ready_after = time.monotonic()
        self.sim.reset(boot_lines=True)
        fault.end = time.monotonic()

    def fault_silent_reset(self, fault: Fault) -> None:
        fault.ready_after = time.monotonic()
        self.sim.reset(boot_lines=False)
        fault.end = time.monotonic()

    def fault_unplug(self, fault: Fault) -> None:
        seconds = self.rng_faults.uniform(1, 6)
        self.sim.unplug()
        self.sleep(seconds)
        self.sim.replug()
        fault.end = fault.ready_after = time.monotonic()
        fault.note = f"{seconds:.0f} s off the bus"

    def fault_cms_transient(self, fault: Fault) -> None:
        self.sim.cms_errors.extend([41, 42])
        self.consume_errors(fault)

    def fault_cms_permanent(self, fault: Fault) -> None:
        self.sim.cms_errors.append(21)
        self.injected_permanent += 1
        self.consume_errors(fault)

    def consume_errors(self, fault: Fault) -> None:
        """The fault lasts until the sends have met the errors (a call now makes one)."""
        self.place_call(self.rng_calls.choice(self.pool))
        if not self.pump(lambda: not self.sim.cms_errors, 60.0):
            fault.note = f"{len(self.sim.cms_errors)} error(s) not met by a send; cleared"
            self.sim.cms_errors.clear()

    def fault_slow_send(self, fault: Fault) -> None:
        top = min(60.0, max(10.0, self.args.seconds / 8))
        delay = self.rng_faults.uniform(10.0, top)
        count = self.rng_faults.randint(1, 3 if self.args.seconds >= 1800 else 2 if self.args.seconds >= 300 else 1)
        self.last_slow = time.monotonic()
        sends = len(self.sim.cmgs_times)
        self.sim.cmgs_delay = delay
        self.place_call(self.rng_calls.choice(self.pool))
        met = self.pump(lambda: len(self.sim.cmgs_times) >= sends + count, count * (delay + 15) + 15)
        self.sim.cmgs_delay = 0.0
        slow = len(self.sim.cmgs_times) - sends
        last = max(self.sim.cmgs_times[sends:], default=time.monotonic())
        self.pump(lambda: time.monotonic() >= last + delay + 0.5, delay + 2)      # the last slow answer is out
        fault.note = f"{slow} send(s) of {delay:.0f} s" + ("" if met else " (fewer sends came)")

    def fault_garbage(self, fault: Fault) -> None:
        rng = self.rng_faults

        def burst() -> None:
            for _ in range(rng.randint(1, 3)):
                time.sleep(rng.uniform(0.05, 0.6))
                noise = bytes(rng.randrange(256) for _ in range(rng.randint(8, 120)))
                self.sim.write(noise + b"\r\n")
        if rng.random() < 0.5:
            self.place_call(self.rng_calls.choice(self.pool), during=burst)
            fault.note = "while a call rang"
        else:
            burst()
            fault.note = "between calls"
        fault.end = time.monotonic()

    def fault_db_lock(self, fault: Fault) -> None:
        seconds = 10.0
        locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(self.database), str(seconds)],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lockers.append(locker)
        assert locker.stdout is not None
        ready, _, _ = select.select([locker.stdout], [], [], 15)
        if not ready or locker.stdout.readline().strip() != b"locked":
            fault.note = "could not take the lock"
        else:
            fault.start = time.monotonic()
            self.place_call(self.rng_calls.choice(self.pool))
            self.pump(lambda: locker.poll() is not None, seconds + 10)
        if locker.poll() is None:
            locker.kill()
        locker.wait(5)
        fault.end = time.monotonic()

    def fault_full_sim(self, fault: Fault) -> None:
        sim = self.sim
        mem = sim.cpms[2] if hasattr(sim, "cpms") else "SM"
        capacity = sim.capacity.get(mem, 0)
        old = datetime.now(timezone.utc) - timedelta(days=30)
        filled = 0
        for n in range(max(0, capacity - len(sim.storages.get(mem, {})))):
            pdu = deliver_pdu(f"+4478990{n:05d}", f"Old message {n} from the last phone ({self.seed})", sent_at=old)
            try:
                sim.preload(pdu, stat=1, storage=mem)
                filled += 1
            except ValueError:
                break
        self.traffic_sms()
        freed = self.pump(lambda: not sim.held and len(sim.storages.get(mem, {})) < capacity, 90.0)
        fault.note = f"{mem} filled with {filled} old messages" + ("" if freed else "; still full after 90 s")
        fault.end = time.monotonic()

    # ---- the run -----------------------------------------------------------------------------

    def run(self) -> int:
        self.write_config()
        self.sim.start()
        self.watch.start()
        self.started = time.monotonic()
        self.say(f"seed {self.seed}, family {self.family}, folder {self.folder}")
        first = self.agent.start()
        if self.wait_clip(first - 0.001, 30.0) is None:
            raise RuntimeError(f"the agent did not start; see {self.agent.log_path}")
        time.sleep(1.0)
        seconds = self.args.seconds
        now = time.monotonic()
        self.deadline = now + seconds
        self.traffic_end = self.deadline
        cooldown = min(30.0, max(8.0, seconds * 0.1))
        fault_rate = max(self.args.faults_per_minute, 0.0) / 60
        next_fault = now + min(10.0, seconds * 0.08) if fault_rate else float("inf")
        least_gap = 4.0 if self.args.faults_per_minute <= 6 else 2.0
        self.next_call = now
        self.next_sms = now + self.rng_sms.expovariate(max(self.args.sms_per_minute, 0.01) / 60)
        while time.monotonic() < self.deadline:
            room = self.args.max_faults is None or len(self.faults) < self.args.max_faults
            if room and time.monotonic() >= next_fault and time.monotonic() < self.deadline - cooldown:
                kind = self.draw_fault()
                if kind is not None:
                    self.run_fault(kind)
                next_fault = time.monotonic() + max(least_gap, self.rng_faults.uniform(0.5, 1.5) / fault_rate)
                continue
            self.pump(lambda: time.monotonic() >= min(next_fault, self.deadline), self.deadline - time.monotonic())
        self.traffic_end = time.monotonic()
        self.drain()
        if self.agent.running():
            self.agent.terminate()
        time.sleep(0.3)
        return 0

    def drain(self) -> None:
        """Every SMS stored, every text out, every call decided (up to DRAIN_SECONDS)."""
        began = time.monotonic()
        while time.monotonic() - began < DRAIN_SECONDS:
            if self.settled():
                break
            time.sleep(1.0)
        self.drain_seconds = time.monotonic() - began

    def settled(self) -> bool:
        busy = self.rows("SELECT COUNT(*) AS n FROM messages WHERE direction = 'out' AND status IN ('queued', 'sending')")
        pending = self.rows("SELECT COUNT(*) AS n FROM calls WHERE outcome = 'pending'")
        if not busy or busy[0]["n"] or not pending or pending[0]["n"]:
            return False
        stored = Counter((r["number"], r["body"]) for r in self.rows("SELECT number, body FROM messages WHERE direction = 'in'"))
        return all(stored[(s.number, s.text)] >= 1 for s in self.sms)

    # ---- the rules -----------------------------------------------------------------------------

    def classify_calls(self) -> None:
        windows = [(f.start, f.window_end if f.window_end is not None else f.start) for f in self.faults]
        clip_times = self.watch.times("AT+CLIP=1")
        for call in self.calls:
            lo, hi = call.start - CLEAR, call.end + CLEAR
            call.running = any(s <= call.end and (e is None or e >= call.start) for s, e in self.agent.intervals)
            process = [(s, e) for s, e in self.agent.intervals if s <= lo and (e is None or e >= hi)]
            set_up = bool(process) and any(process[0][0] <= t <= lo for t in clip_times)
            quiet = not any(s <= hi and e >= lo for s, e in windows)
            call.up = bool(process) and set_up and quiet

    def read_record(self) -> None:
        """What the database and the simulator hold at the end."""
        clocks = self.clocks
        self.db_calls = [dict(r, start=clocks.mono(r["started_at"]), end=clocks.mono(r["ended_at"]))
                         for r in self.rows("SELECT * FROM calls ORDER BY id")]
        self.out = self.rows("SELECT * FROM messages WHERE direction = 'out' ORDER BY id")
        self.inbound = self.rows("SELECT * FROM messages WHERE direction = 'in' ORDER BY id")
        self.optouts = {r["number"]: clocks.mono(r["created_at"]) for r in self.rows("SELECT * FROM optouts")}
        self.messages = {r["id"]: r for r in self.out}
        self.sent = list(self.sim.sent)
        self.missed = sorted((s for s in self.sent if MISSED_MARK in s.text), key=lambda s: s.at)
        self.cmgs = sorted(self.sim.cmgs_times)

    def cmgs_of(self, text) -> float:
        """When the AT+CMGS of a text the modem took came (a slow send answers long after)."""
        earlier = [t for t in self.cmgs if t <= text.at + 0.001]
        return earlier[-1] if earlier else text.at

    def check(self) -> list[Result]:
        self.classify_calls()
        self.read_record()
        self.match_calls()
        self.results = [self.rule_once(), self.rule_recorded(), self.rule_stop(), self.rule_inbound(),
                        self.rule_recovery(), self.rule_stops(), self.rule_delivered(), self.rule_resolved()]
        sent = self.sent
        self.stats = {"missed": len(self.missed), "optout": sum(1 for s in sent if OPTOUT_MARK in s.text),
                      "owner": sum(1 for s in sent if s.number == OWNER),
                      "text_mode": len(getattr(self.sim, "text_mode_sends", [])),
                      "statuses": Counter(m["status"] for m in self.out if m["kind"].startswith("missed")),
                      "unplanned": self.unplanned_setups()}
        return self.results

    def match_calls(self) -> None:
        """Each call the soak made ↔ its row in the calls table (same number, ended while or just
        after it rang), and each row marked sent ↔ the text the modem took for it."""
        self.match: dict[int, dict] = {}
        taken: set[int] = set()
        for call in sorted(self.calls, key=lambda c: c.start):
            for row in self.db_calls:
                if row["id"] not in taken and row["number"] == call.number \
                        and call.start - 1.0 <= row["end"] <= call.end + 8.0:
                    taken.add(row["id"])
                    self.match[id(call)] = row
                    break
        self.texted: dict[int, object] = {}
        waiting: dict[str, list] = defaultdict(list)
        for text in self.missed:
            waiting[text.number].append(text)
        for call in sorted(self.calls, key=lambda c: c.start):
            row = self.match.get(id(call))
            if row is None or call.number is None or row["outcome"] != "texted":
                continue
            message = self.messages.get(row["message_id"])
            if message is None or message["status"] not in ("sent", "delivered"):
                continue        # an ambiguous or failed text may or may not be at the modem: never claim one
            for text in waiting[call.number]:
                if text.at >= call.start - 0.5:
                    waiting[call.number].remove(text)
                    self.texted[id(call)] = text
                    break

    def rule_once(self) -> Result:
        """1. Per number, the k-th missed-call text went out after at least k of its calls had begun
        ringing while an agent ran; and no call has two texts in the database."""
        hms = self.clocks.hms
        examples = []
        by_number: dict[str, list] = defaultdict(list)
        for text in self.missed:
            by_number[text.number].append(text)
        for number, texts in sorted(by_number.items()):
            rang = sorted(c.start for c in self.calls if c.number == number and c.running)
            for k, text in enumerate(texts, start=1):
                before = sum(1 for start in rang if start <= text.at)
                if before < k:
                    examples.append(f"{number}: text {k} at {hms(text.at)} but only {before} call(s) rang before it "
                                    f"(calls at {', '.join(hms(s) for s in rang) or 'none'})")
                    break
        per_call = Counter(m["call_id"] for m in self.out if m["call_id"] is not None and m["kind"].startswith("missed")
                           and m["status"] in ("sent", "delivered", "sending", "ambiguous"))
        examples += [f"call {call_id}: {count} texts in the database" for call_id, count in per_call.items() if count > 1]
        return Result("1. nobody is texted twice for one call", not examples,
                      f"{len(self.missed)} missed-call texts to {len(by_number)} numbers", examples)

    def rule_recorded(self) -> Result:
        """2. A call while up is in the calls table: texted (the modem has the text), ambiguous, failed
        on an injected permanent error, or skipped as withheld / opted out / superseded."""
        hms = self.clocks.hms
        examples = []
        ambiguous = [m for m in self.out if m["kind"].startswith("missed") and m["status"] == "ambiguous"]
        budget = sum(1 for f in self.faults if f.kind in CUTS_A_SEND)
        failed_21 = 0
        ends: dict[str | None, list[float]] = defaultdict(list)
        for row in self.db_calls:
            ends[row["number"]].append(row["end"])
        up_calls = [c for c in self.calls if c.up]
        for call in up_calls:
            row = self.match.get(id(call))
            who = f"{call.number or f'withheld ({call.dialled})'} at {hms(call.start)}–{hms(call.end)}"
            if row is None:
                examples.append(f"{who}: not in the calls table")
                continue
            outcome, reason = row["outcome"], row["skip_reason"]
            if call.number is None:
                if (outcome, reason) != ("skipped", "withheld"):
                    examples.append(f"{who}: {outcome} ({reason}), expected skipped (withheld)")
            elif outcome == "texted":
                message = self.messages.get(row["message_id"])
                status = message["status"] if message is not None else "missing"
                if status in ("sent", "delivered"):
                    if id(call) not in self.texted:
                        examples.append(f"{who}: marked {status} but the modem never took a text for it")
                elif status == "failed" and message["error_code"] == 21:
                    failed_21 += 1
                elif status != "ambiguous":
                    examples.append(f"{who}: its text is {status}")
            elif outcome == "skipped":
                right = (reason == "opted_out" and call.number in self.optouts) or \
                        (reason == "superseded" and any(end > row["end"] for end in ends[call.number]))
                if not right:
                    examples.append(f"{who}: skipped ({reason})")
            else:
                examples.append(f"{who}: {outcome}")
        if len(ambiguous) > budget:
            examples.append(f"{len(ambiguous)} ambiguous texts for {budget} faults that can cut a send short: "
                            + ", ".join(f"{m['number']} created {m['created_at']}" for m in ambiguous))
        if failed_21 > self.injected_permanent:
            examples.append(f"{failed_21} texts failed with +CMS ERROR 21, {self.injected_permanent} injected")
        return Result("2. every call while up is recorded and texted (or rightly skipped)", not examples,
                      f"{len(up_calls)} calls while up; {len(ambiguous)} ambiguous (allowed {budget})", examples)

    def rule_stop(self) -> Result:
        """3. No text but the opt-out confirmation whose AT+CMGS came after the STOP's commit."""
        hms = self.clocks.hms
        examples = []
        for number, committed in sorted(self.optouts.items()):
            if committed is None:
                continue
            for text in self.sent:
                if text.number == number and OPTOUT_MARK not in text.text and self.cmgs_of(text) > committed + STOP_GRACE:
                    examples.append(f"{number}: STOP stored {hms(committed)}, AT+CMGS {hms(self.cmgs_of(text))}: "
                                    f"{text.text[:40]!r}")
        return Result("3. nothing is sent after a STOP was stored", not examples,
                      f"{len(self.optouts)} opt-outs", examples)

    def rule_inbound(self) -> Result:
        """4. Each SMS handed to the modem is one row in messages (direction 'in')."""
        stored = Counter((r["number"], r["body"]) for r in self.inbound)
        examples = [f"{sms.number} at {self.clocks.hms(sms.at)} ({sms.parts} part(s)) {sms.text[:30]!r}: "
                    f"stored {stored[(sms.number, sms.text)]} times"
                    for sms in self.sms if stored[(sms.number, sms.text)] != 1]
        return Result("4. every inbound SMS is stored exactly once", not examples, f"{len(self.sms)} SMS", examples)

    def rule_recovery(self) -> Result:
        """5. After each fault, the probe call (1 s after the agent was ready) texted within 30 s."""
        hms = self.clocks.hms
        measured = [f for f in self.faults if f.kind != "slow_send"]
        examples = [f"{f.kind} at {hms(f.start)} (over {hms(f.end)}): recovery {seconds_text(f.recovery)}; {f.note}"
                    for f in measured if f.recovery is None or f.recovery > RECOVERY_LIMIT]
        return Result(f"5. service is back within {RECOVERY_LIMIT:.0f} s after each fault", not examples,
                      f"{len(measured)} faults measured", examples)

    def rule_stops(self) -> Result:
        """6. The agent never exits by itself; SIGTERM (a fault, and the end of the run) ends it with
        exit code 0 within 10 s."""
        hms = self.clocks.hms
        examples = [f"SIGTERM at {hms(at)}: exit {code} after {seconds:.1f} s"
                    for at, seconds, code in self.agent.stops if code != 0 or seconds > STOP_LIMIT]
        examples += [f"the agent exited by itself with code {code} (noticed {hms(at)})" for at, code in self.agent.exits]
        return Result(f"6. the agent stops only when told; SIGTERM ends it within {STOP_LIMIT:.0f} s, exit code 0",
                      not examples, f"{len(self.agent.stops)} SIGTERMs", examples)

    def rule_delivered(self) -> Result:
        """7. Every text the database holds as sent (any kind, during faults too) is at the modem, to
        its number, with its words; and no AT+CMGS was taken in text mode (a reset modem reads the
        PDU length as a phone number and the PDU as the text)."""
        hms, mono = self.clocks.hms, self.clocks.mono
        waiting: dict[tuple[str, str], list] = defaultdict(list)
        for text in self.sent:
            waiting[(text.number, text.text)].append(text)
        examples = []
        claimed = [m for m in self.out if m["status"] in ("sent", "delivered")]
        for message in sorted(claimed, key=lambda m: m["sent_at"] or m["created_at"]):
            # the modem's text closest to when the database says it went (within a few seconds)
            when = mono(message["sent_at"]) if message["sent_at"] else None
            texts = waiting[(message["number"], message["body"])]
            near = [t for t in texts if when is None or abs(t.at - when) <= SENT_SLACK]
            if near:
                texts.remove(min(near, key=lambda t: abs(t.at - when) if when is not None else t.at))
            else:
                examples.append(f"text {message['id']} to {message['number']} ({message['kind']}, sent "
                                f"{message['sent_at']}): marked {message['status']}, never at the modem as a text to that number")
        for send in getattr(self.sim, "text_mode_sends", []):
            examples.append(f"AT+CMGS taken in text mode at {hms(send.at)}: a text to {send.number!r} "
                            f"reading {send.text[:24]!r}…")
        return Result("7. a text marked sent went to its number (no AT+CMGS taken in text mode)", not examples,
                      f"{len(claimed)} texts marked sent", examples)

    def rule_resolved(self) -> Result:
        """8. After the agent stopped (SIGTERM, which resolves a text in flight), no text is left
        'sending': a link lost between the parts of a long text once left one so, never retried,
        never marked ambiguous, shown to the owner as going out for ever."""
        examples = [f"text {m['id']} to {m['number']} ({m['kind']}, created {m['created_at']}): left sending, "
                    f"{m['parts_sent']} of {m['parts']} parts out" for m in self.out if m["status"] == "sending"]
        return Result("8. no text is left half done (sending) once the agent has stopped", not examples,
                      f"{len(self.out)} texts", examples)

    def unplanned_setups(self) -> int:
        """AT+CLIP=1 beyond the first after each agent start and each fault: set-ups (or caller-ID
        retries) that the agent did on its own."""
        causes = sorted([s for s, _ in self.agent.intervals] + [f.start for f in self.faults])
        clips = self.watch.times("AT+CLIP=1")
        explained = set()
        for cause in causes:
            first = next((at for at in clips if at > cause and at not in explained), None)
            if first is not None:
                explained.add(first)
        return len(clips) - len(explained)

    # ---- the table ---------------------------------------------------------------------------

    def table(self) -> str:
        stats = self.stats
        up = sum(1 for c in self.calls if c.up)
        withheld = sum(1 for c in self.calls if c.number is None)
        probes = sum(1 for c in self.calls if c.probe)
        after_stop = sum(1 for c in self.calls if c.number in self.stopped and c.start > self.stopped[c.number])
        ordinary = sum(1 for s in self.sms if not s.stop)
        stops = sum(1 for s in self.sms if s.stop)
        multipart = sum(1 for s in self.sms if s.parts > 1)
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(stats["statuses"].items()))
        lines = [
            f"Soak: seed {self.seed}, family {self.family}, {self.args.seconds:.0f} s",
            "",
            "| | |",
            "|---|---|",
            f"| seed | {self.seed} |",
            f"| family | {self.family} |",
            f"| duration | {self.args.seconds:.0f} s of calls and faults, then {self.drain_seconds:.0f} s to settle "
            f"({time.monotonic() - self.started:.0f} s in all) |",
            f"| calls | {len(self.calls)} total / {up} while up / {len(self.calls) - up} at risk "
            f"({withheld} withheld, {after_stop} after the caller's STOP, {probes} recovery probes) |",
            f"| texts sent | {stats['missed']} missed-call texts, {stats['optout']} STOP confirmations, "
            f"{stats['owner']} to the owner; texts taken in text mode: {stats['text_mode']} |",
            f"| missed-call texts in the database | {statuses or 'none'} |",
            f"| inbound SMS | {ordinary} ordinary ({multipart} in several parts) / {stops} STOP |",
            f"| agent starts | {self.agent.starts} ({len(self.agent.exits)} after exiting by itself); AT+CLIP=1 "
            f"beyond the first after each start and fault: {stats['unplanned']} |",
            "",
            "| fault | count | recovery median | recovery max | notes |",
            "|---|---|---|---|---|",
        ]
        for kind in FAULT_KINDS:
            faults = [f for f in self.faults if f.kind == kind]
            if kind in self.skipped:
                lines.append(f"| {FAULT_TITLES[kind]} | skipped | | | {self.skipped[kind]} |")
                continue
            if kind == "slow_send":
                notes = "; ".join(f.note for f in faults)
                lines.append(f"| {FAULT_TITLES[kind]} | {len(faults)} | n/a | n/a | {notes} |")
                continue
            times = [f.recovery for f in faults if f.recovery is not None]
            missing = sum(1 for f in faults if f.recovery is None)
            notes = "; ".join(sorted({f.note for f in faults if f.note}))
            if missing:
                notes = f"{missing} never recovered; " + notes
            lines.append(f"| {FAULT_TITLES[kind]} | {len(faults)} | {seconds_text(median(times))} | "
                         f"{seconds_text(max(times) if times else None)} | {notes[:160]} |")
        lines += ["", "| rule | result | checked | counterexamples |", "|---|---|---|---|"]
        for result in self.results:
            shown = "; ".join(result.examples[:5]) + (f"; … {len(result.examples) - 5} more"
                                                      if len(result.examples) > 5 else "")
            lines.append(f"| {result.name} | {'PASS' if result.passed else 'FAIL'} | {result.detail} | "
                         f"{shown.replace('|', '/')} |")
        return "\n".join(lines) + "\n"


def write_doc_block(name: str, text: str) -> None:
    from bench.doc_block import write_block

    doc = ROOT / "docs" / "reliability.md"
    if f"<!-- {name}:begin -->" not in doc.read_text():
        print(f"{doc} has no <!-- {name}:begin --> block; table not written there", file=sys.stderr)
        return
    write_block(doc, name, text.rstrip("\n"))


def _kinds(text: str) -> frozenset[str]:
    kinds = frozenset(k.strip() for k in text.split(",") if k.strip())
    unknown = kinds - set(FAULT_KINDS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown fault kind(s) {', '.join(sorted(unknown))}; "
                                         f"expected some of {', '.join(FAULT_KINDS)}")
    return kinds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600, help="how long calls, SMS and faults go on")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--calls-per-minute", type=float, default=10.0)
    parser.add_argument("--sms-per-minute", type=float, default=4.0)
    parser.add_argument("--faults-per-minute", type=float, default=2.0)
    parser.add_argument("--max-faults", type=int, default=None, metavar="N", help="no more than N faults")
    parser.add_argument("--family", choices=FAMILIES, default=None, help="the modem family (default: by seed)")
    parser.add_argument("--faults", type=_kinds, default=None, metavar="KIND,KIND",
                        help="only these fault kinds (default: all): " + ", ".join(FAULT_KINDS))
    parser.add_argument("--table-out", type=Path, default=None, help="also write the table to this file")
    parser.add_argument("--doc-block", default=None, metavar="NAME",
                        help="also write the table into docs/reliability.md between <!-- NAME:begin --> and "
                             "<!-- NAME:end --> (soak-10min, soak-long)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (agent log, database)")
    parser.add_argument("-v", "--verbose", action="store_true", help="say what happens, on stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    soak = Soak(args)
    atexit.register(soak.cleanup)

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, interrupted)
    failed = True
    try:
        soak.run()
        soak.cleanup()
        results = soak.check()
        text = soak.table()
        print(text)
        if args.table_out:
            args.table_out.write_text(text)
        if args.doc_block:
            write_doc_block(args.doc_block, text)
        failed = not all(r.passed for r in results)
    finally:
        soak.cleanup()
        if failed or args.keep:
            print(f"agent log and database kept in {soak.folder}", file=sys.stderr)
        else:
            shutil.rmtree(soak.folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
