"""Fault-injection run: 40 missed calls, 3 kill -9 of the agent (one in the middle of AT+CMGS),
one unplug/replug of the modem, 5 transient +CMS errors. Nobody may be texted twice.

    .venv/bin/python bench/faults.py            # prints the result
    .venv/bin/python bench/faults.py --write    # also writes it into docs/reliability.md

A real `textback agent` process talks to the pty simulator; kills are SIGKILL (a power cut as
far as the process can tell).
"""

from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.clock import wait_until  # noqa: E402
from agent.simulator import SimulatedModem  # noqa: E402
from bench.doc_block import write_block  # noqa: E402

CALLS = 40
KILL_AT = {10: "while a text is queued", 20: "in the middle of AT+CMGS", 30: "right after a call"}
UNPLUG_AT = 25
ERRORS = 5




class Agent:
    def __init__(self, folder: Path, sim: SimulatedModem):
        self.sim = sim
        self.database = folder / "faults.db"
        self.config = folder / "config.toml"
        self.config.write_text(
            f'[modem]\nport = "{sim.port}"\nring_timeout_margin = 0.5\n[storage]\ndatabase = "{self.database}"\n'
            '[business]\nname = "Fault Shop"\ncountry = "GB"\n[rules]\ndelay_seconds = 1\ndedup_hours = 0\n'
            "[hours]\n" + "".join(f'{d} = ["00:00-24:00"]\n' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")))
        self.process: subprocess.Popen | None = None
        self.exe = Path(sys.executable).with_name("textback")

    def start(self) -> None:
        inits = self.sim.commands.count("AT+CLIP=1")
        self.process = subprocess.Popen([str(self.exe), "agent", "--config", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_until(lambda: self.sim.commands.count("AT+CLIP=1") > inits, 30):
            raise RuntimeError("agent did not start")

    def kill(self) -> None:
        assert self.process
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def rows(self, sql: str) -> list[tuple]:
        conn = sqlite3.connect(self.database)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()


def run(seed: int = 7) -> dict:
    rng = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="textback-faults-"))
    sim = SimulatedModem("sim800", ring_interval=0.15, link_path=folder / "modem").start()
    agent = Agent(folder, sim)
    agent.start()
    error_calls = set(rng.sample([n for n in range(CALLS) if n not in KILL_AT and n != UNPLUG_AT], ERRORS))
    numbers = [f"+4474001{n:05d}" for n in range(CALLS)]
    unseen: list[str] = []
    started = time.monotonic()
    for n, number in enumerate(numbers):
        if n in error_calls:
            sim.cms_errors.append(rng.choice([38, 41, 42, 47, 332]))
        if n == 20:
            # let every earlier text go out, so the one cut off is this call's
            wait_until(lambda: not agent.rows("SELECT 1 FROM messages WHERE status IN ('queued', 'sending')"), 30)
            sim.swallow_next_pdu = True
        if n == UNPLUG_AT:
            inits = sim.commands.count("AT+CLIP=1")
            sim.unplug()
            time.sleep(1.0)
            sim.replug()
            wait_until(lambda: sim.commands.count("AT+CLIP=1") > inits, 30)
        sim.call(number, rings=2)
        if n in KILL_AT:
            if n == 20:
                wait_until(lambda: sim.swallow_next_pdu is False, 10)
                time.sleep(0.2)
            elif n == 10:
                time.sleep(0.3)        # queued, not yet due (delay 1 s)
            agent.kill()
            agent.start()
        time.sleep(rng.uniform(0.05, 0.4))
    wait_until(lambda: not agent.rows("SELECT 1 FROM messages WHERE status IN ('queued', 'sending')"), 60)
    elapsed = time.monotonic() - started
    agent.stop()
    sim.stop()
    per_number = Counter(text.number for text in sim.sent)
    statuses = Counter(status for (status,) in agent.rows("SELECT status FROM messages"))
    recorded = {number for (number,) in agent.rows("SELECT number FROM calls")}
    unseen = [number for number in numbers if number not in recorded]
    return {
        "calls": CALLS, "seconds": elapsed,
        "texted_once": sum(1 for number in numbers if per_number[number] == 1),
        "duplicates": sum(1 for count in per_number.values() if count > 1),
        "not_texted": [number for number in numbers if per_number[number] == 0],
        "statuses": dict(statuses), "unseen": unseen,
        "error_calls": sorted(error_calls),
    }


def report(result: dict) -> str:
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(result["statuses"].items()))
    return "\n".join([
        f"- {result['calls']} missed calls in {result['seconds']:.0f} s; 3 kill -9 (calls 10, 20 mid-AT+CMGS, 30), "
        f"one unplug/replug (before call {UNPLUG_AT}), {ERRORS} transient +CMS errors (calls {result['error_calls']}).",
        f"- Texted exactly once: **{result['texted_once']}**; texted twice or more: **{result['duplicates']}**.",
        f"- Not texted: {len(result['not_texted'])} — calls the agent never saw (made while it was dead or the "
        f"modem was off the bus): {len(result['unseen'])} ({', '.join(result['unseen'])}); "
        "the rest are the `ambiguous` text cut off mid-send.",
        f"- Outgoing rows by status: {statuses}.",
    ])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    text = report(run())
    print(text)
    if args.write:
        write_block(ROOT / "docs" / "reliability.md", "faults", text)


if __name__ == "__main__":
    main()
