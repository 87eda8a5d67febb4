"""The seeded chaos soak (bench/soak.py), short: the real agent against the simulator, every fault kind.

Three seeded soaks run side by side, each a real `textback agent` process on its own pty and temp
folder, each with four of the twelve fault kinds (one soak cannot fit all twelve, with their
recoveries and quiet spells between them, into two minutes). Every rule must pass in each, and
every fault kind must have happened. The long runs are in docs/reliability.md.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bench.soak import FAULT_KINDS, FAULT_TITLES

ROOT = Path(__file__).resolve().parents[2]
SOAK = ROOT / "bench" / "soak.py"

RUNS = (
    # seed, fault kinds: 35-45 s of faults and recoveries in each run, the rest quiet calls
    (7, ("hang", "kill", "full_sim", "garbage")),
    (8, ("silent_reset", "unplug", "term", "cms_permanent")),
    (9, ("slow_send", "db_lock", "cms_transient", "reset")),
)
SECONDS = 90
RULES = ("1. nobody is texted twice", "2. every call while up", "3. nothing is sent after a STOP",
         "4. every inbound SMS", "5. service is back within", "6. the agent stops only when told",
         "7. a text marked sent went to its number", "8. no text is left half done")

pytestmark = [pytest.mark.timeout(240), pytest.mark.long]


def test_seeded_soak_keeps_every_rule_through_every_fault_kind(tmp_path):
    processes = []
    for seed, kinds in RUNS:
        table = tmp_path / f"soak-{seed}.md"
        command = [sys.executable, str(SOAK), "--seconds", str(SECONDS), "--seed", str(seed),
                   "--calls-per-minute", "12", "--sms-per-minute", "6", "--faults-per-minute", "8",
                   "--faults", ",".join(kinds), "--max-faults", str(len(kinds)), "--table-out", str(table)]
        processes.append((seed, kinds, table, subprocess.Popen(command, stdout=subprocess.PIPE,
                                                               stderr=subprocess.STDOUT, text=True)))
    outputs = {}
    try:
        for seed, _kinds, _table, process in processes:
            outputs[seed] = process.communicate(timeout=200)[0]
    finally:
        for _seed, _kinds, _table, process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)    # the soak stops its agent and simulator
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
    for seed, kinds, table, process in processes:
        output = outputs[seed]
        assert process.returncode == 0, f"soak seed {seed} broke a rule:\n{output}"
        text = table.read_text()
        for rule in RULES:
            assert re.search(rf"^\| {re.escape(rule)}[^|]*\| PASS \|", text, re.M), f"seed {seed}: {rule}\n{text}"
        for kind in kinds:
            row = re.search(rf"^\| {re.escape(FAULT_TITLES[kind])} \| (\d+) \|", text, re.M)
            assert row and int(row.group(1)) >= 1, f"seed {seed}: no {kind} fault in the run\n{text}"
    assert {kind for _seed, kinds, _table, _process in processes for kind in kinds} == set(FAULT_KINDS)
