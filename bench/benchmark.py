"""TextBack benchmark: one table, every target checked.

    .venv/bin/python bench/benchmark.py            # full run (6-7 min); exit 1 when a target is missed
    .venv/bin/python bench/benchmark.py --quick    # small counts (under a minute); exit 1 only on an
                                                   # error or a 10x miss (CI machines are noisy)
    .venv/bin/python bench/benchmark.py --write    # also put the table into docs/performance.md

The agent runs against the pty-simulated modem (agent/simulator), through the same serial code a
Pi uses. Latencies are taken at the simulated modem: from the moment it writes a family's
end-of-call line (or, for a modem that prints none, the moment the caller gives up) to the moment
AT+CMGS reaches it. Footprint and start-up are of a real `textback` process. The web figures are
of the Flask app in this process on a database filled in bulk with rows shaped as the agent
writes them. docs/performance.md says what each row means.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.clock import utc_iso, wait_until  # noqa: E402
from agent.config import parse_config  # noqa: E402
from agent.daemon.maintenance import backup  # noqa: E402
from agent.daemon.service import Service  # noqa: E402
from agent.simulator import SimulatedModem  # noqa: E402
from agent.store import Store  # noqa: E402
from bench.doc_block import write_block  # noqa: E402

END_LINE_FAMILIES = ["sim800", "sim7600", "a76xx", "quectel", "huawei", "ublox", "wavecom", "cinterion"]
ALL_WEEK = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
TEXTBACK = Path(sys.executable).with_name("textback")
CADENCE = 5.0           # a real network's ring cadence (Huawei's AT spec; 3-6 s elsewhere)
MARGIN = 3.0            # [modem] ring_timeout_margin, its default
BODY = ("Bench Shop: sorry we missed your call! We will ring you back soon, or reply here to tell us "
        "what you need. Reply STOP to opt out.")


@dataclass(frozen=True)
class Sizes:
    calls: int = 12              # calls per family
    ring: float = 0.3            # their ring interval (seconds)
    silent_calls: int = 12
    silent_rings: int = 2        # rings before the caller gives up (the list is asked between them)
    fallback_calls: int = 6
    burst: tuple[int, float, float] = (30, 10.0, 2.0)      # calls, over seconds, seconds per AT+CMGS
    backlog: tuple[int, int, float] = (30, 100, 3.0)       # calls, texts queued, seconds per AT+CMGS
    footprint_calls: int = 30
    idle_seconds: float = 30.0
    startups: int = 5
    web: tuple[int, int] = (100_000, 100_000)              # calls (each texted), replies
    web_requests: int = 20
    month: tuple[int, int] = (8_000, 3_000)                # calls, replies


FULL = Sizes()
QUICK = Sizes(calls=2, ring=0.15, silent_calls=1, silent_rings=1, fallback_calls=1, burst=(6, 2.0, 0.4), backlog=(3, 20, 0.5),
              footprint_calls=5, idle_seconds=3.0, startups=2, web=(10_000, 10_000), web_requests=5,
              month=(800, 300))


@dataclass
class Row:
    """One line of the table: the figure held against the target is `checked` (the p90 when there
    are samples), or `passed` for a yes/no check."""
    what: str
    n: int
    median: float | None
    p90: float | None
    unit: str
    target: float | None = None
    passed: bool | None = None
    note: str = ""
    error: str = ""

    @property
    def checked(self) -> float | None:
        return self.p90 if self.p90 is not None else self.median

    def verdict(self) -> str:
        if self.error:
            return "ERROR"
        if self.passed is not None:
            return "PASS" if self.passed else "MISS"
        if self.target is None or self.checked is None:
            return "–"
        if self.checked <= self.target:
            return "PASS"
        return "10x MISS" if self.checked > 10 * self.target else "MISS"

    def fails(self, quick: bool) -> bool:
        """A miss fails the full run; the quick one fails only on an error, a 10x miss or a wrong
        yes/no answer (an order is not noise)."""
        verdict = self.verdict()
        if verdict in ("ERROR", "10x MISS") or self.passed is False:
            return True
        return verdict == "MISS" and not quick


def samples_row(what: str, samples: list[float], unit: str, target: float | None, note: str = "") -> Row:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return Row(what, len(ordered), statistics.median(ordered), p90, unit, target, note=note)


def one_row(what: str, value: float, unit: str, target: float | None = None, note: str = "") -> Row:
    return Row(what, 1, value, None, unit, target, note=note)


# ---- a box: the simulator and the agent in this process -------------------------------------------

def config_for(folder: Path, port: str, delay: int = 0):
    return parse_config({
        "modem": {"port": port, "ring_timeout_margin": MARGIN},
        "storage": {"database": str(folder / "bench.db")},
        "business": {"name": "Bench Shop", "timezone": "Europe/London", "country": "GB"},
        "rules": {"delay_seconds": delay, "dedup_hours": 0},
        "hours": ALL_WEEK,
    }, source="bench", base_dir=folder)


def need(predicate: Callable[[], object], timeout: float, what: str) -> None:
    if not wait_until(predicate, timeout):
        raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}")


class Box:
    def __init__(self, family: str, ring_interval: float, on_missed_call=None, **family_options):
        self.folder = Path(tempfile.mkdtemp(prefix="textback-bench-"))
        self.sim = SimulatedModem(family, ring_interval=ring_interval, link_path=self.folder / "modem",
                                  **family_options).start()
        self.config = config_for(self.folder, self.sim.port)
        self.store = Store.open(self.config.storage.database)
        self.service = Service(self.config, self.store, on_missed_call=on_missed_call)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.service.run, args=(self.stop_event,), daemon=True)
        self.thread.start()
        need(self.service.ready.is_set, 15, f"the {family} agent to come up")
        self.settle()

    def settle(self) -> None:
        """Start-up work done (storage sweep, missed-calls list): no command for 0.3 s."""
        need(lambda: quiet(self.sim) and self.service.link is not None and self.service.link.busy_until is None,
             15, "the agent's start-up work")

    def __enter__(self) -> "Box":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.service.wake()
        self.thread.join(10)
        self.sim.stop()
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def quiet(sim: SimulatedModem, seconds: float = 0.3) -> bool:
    """No command reached the modem for `seconds`."""
    count = len(sim.commands)
    time.sleep(seconds)
    return len(sim.commands) == count


def caller(block: int, n: int) -> str:
    """A valid UK mobile number, distinct per (block, n): every call is texted (dedup off)."""
    return f"+447712{block:02d}{n:04d}"


# ---- latencies -------------------------------------------------------------------------------------

def end_line_latency(family: str, calls: int, ring: float) -> list[float]:
    """End line written → AT+CMGS received, delay 0, one call at a time."""
    samples = []
    with Box(family, ring_interval=ring) as box:
        for n in range(calls):
            before = len(box.sim.cmgs_times)
            box.sim.call(caller(10, n), rings=2)
            need(lambda: len(box.sim.cmgs_times) > before, 15, f"{family}: call {n} texted")
            samples.append(box.sim.cmgs_times[-1] - box.sim.call_ends[-1])
            need(lambda: len(box.sim.sent) > before, 5, f"{family}: text {n} accepted")
    return samples


def silent_latency(calls: int, rng: random.Random, call_list: bool, rings: int) -> tuple[list[float], list[str]]:
    """A modem that prints nothing at the end, at a real 5 s cadence: the caller gives up at a random
    moment after the last RING; from that moment to AT+CMGS."""
    samples = []
    options = {} if call_list else {"call_list": ""}
    with Box("silent", ring_interval=CADENCE, **options) as box:
        for n in range(calls):
            before = len(box.sim.cmgs_times)
            # after a single RING the caller stays past the first list (1 s after it), so it is listed
            linger = rng.uniform(1.2 if rings == 1 else 0.05, CADENCE - 0.05)
            box.sim.call(caller(11 if call_list else 12, n), rings=rings, linger=linger)
            need(lambda: len(box.sim.cmgs_times) > before, CADENCE + MARGIN + 10, f"silent: call {n} texted")
            samples.append(box.sim.cmgs_times[-1] - box.sim.call_ends[-1])
            need(lambda: len(box.sim.sent) > before, 5, f"silent: text {n} accepted")
        signals = [call.end_signal for call in box.store.calls(limit=1000)]
    return samples, signals


def burst(count: int, span: float, per_send: float) -> list[Row]:
    """`count` missed calls, one after the other, over `span` s; the network takes `per_send` s per
    AT+CMGS. The wait of a caller: from giving up to the network accepting the text."""
    numbers = [caller(13, n) for n in range(count)]
    with Box("sim800", ring_interval=0.3) as box:
        box.sim.cmgs_delay = per_send
        start = time.monotonic()
        for n, number in enumerate(numbers):
            pause = start + n * span / count - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            box.sim.call(number, rings=1, linger=0.1)
        need(lambda: len(box.sim.sent) >= count, count * per_send + 60, f"{count} burst texts")
        ends = box.sim.call_ends[-count:]
        sent = {text.number: text.at for text in box.sim.sent}
        order = [text.number for text in box.sim.sent]
    waits = [sent[number] - end for number, end in zip(numbers, ends)]
    back_to_back = ends[0] + count * per_send - ends[-1]      # the last wait if the modem never idled
    label = f"burst: {count} calls in {span:g} s, {per_send:g} s per AT+CMGS"
    return [one_row(f"{label}: first caller's wait", waits[0], "s", per_send + 0.5),
            one_row(f"{label}: last caller's wait", waits[-1], "s", back_to_back + 2.0,
                    note=f"back to back: {back_to_back:.1f} s"),
            Row(f"{label}: texted in call order", count, None, None, "", passed=order == numbers,
                note="yes" if order == numbers else f"no: {order}")]


def commit_under_backlog(calls: int, queued: int, per_send: float) -> tuple[list[float], int]:
    """End line written → the call and its decision committed, while `queued` texts go out at
    `per_send` s each. The modem prints its lines at once here (hold_urcs off); one that holds them
    until a send's final result delivers them later, and they are committed as fast once they come."""
    committed: dict[int, float] = {}
    with Box("sim800", ring_interval=0.3,
             on_missed_call=lambda call_id: committed.setdefault(call_id, time.monotonic())) as box:
        box.sim.hold_urcs = False
        box.sim.cmgs_delay = per_send
        now = datetime.now(timezone.utc)
        for n in range(queued):
            box.store.queue_text(number=caller(14, n), body=f"backlog {n}", kind="owner_answer", due_at=now, now=now)
        box.service.wake()
        need(lambda: box.sim.cmgs_times, 15, "the backlog's first send")
        samples = []
        for n in range(calls):
            before = len(committed)
            box.sim.call(caller(15, n), rings=2)
            need(lambda: len(committed) > before, 10, f"backlog: call {n} committed")
            samples.append(committed[max(committed)] - box.sim.call_ends[-1])
        return samples, len(box.sim.cmgs_times)


# ---- a real process: footprint, idle CPU, start-up -------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_config(folder: Path, sim: SimulatedModem) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f'[modem]\nport = "{sim.port}"\n[storage]\ndatabase = "{folder / "textback.db"}"\n'
        f'[web]\nhost = "127.0.0.1"\nport = {free_port()}\n'
        '[business]\nname = "Bench Shop"\ntimezone = "Europe/London"\ncountry = "GB"\n'
        '[rules]\ndelay_seconds = 0\ndedup_hours = 0\n[hours]\n'
        + "".join(f'{day} = ["00:00-24:00"]\n' for day in ALL_WEEK))
    return path


def proc_status(pid: int | str) -> dict[str, float]:
    """VmRSS and VmHWM in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def import_rss(code: str) -> float:
    """RSS (MB) of a fresh interpreter after running `code`."""
    out = subprocess.run([sys.executable, "-c", f"{code}\nprint(open('/proc/self/status').read())"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return next(int(line.split()[1]) / 1024 for line in out.splitlines() if line.startswith("VmRSS:"))


def footprint(calls: int, idle_seconds: float) -> list[Row]:
    """`textback run` (agent and web in one process, as the systemd unit starts it) after `calls`
    texted calls: its RSS, and its CPU while idle over `idle_seconds`."""
    folder = Path(tempfile.mkdtemp(prefix="textback-bench-run-"))
    sim = SimulatedModem("sim800", ring_interval=0.2, link_path=folder / "modem").start()
    process = subprocess.Popen([str(TEXTBACK), "run", "--config", str(write_config(folder, sim))],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        need(lambda: "AT+CLIP=1" in sim.commands, 30, "textback run to set the modem up")
        need(lambda: quiet(sim), 15, "its start-up reads (storage sweep, missed-calls list)")
        for n in range(calls):
            sim.call(caller(16, n), rings=1)
            need(lambda: len(sim.sent) > n, 10, f"footprint: call {n} texted")
        need(lambda: quiet(sim), 15, "the last text's records")
        memory = proc_status(process.pid)
        used_before, started = cpu_seconds(process.pid), time.monotonic()
        time.sleep(idle_seconds)
        cpu = (cpu_seconds(process.pid) - used_before) / (time.monotonic() - started) * 100
    finally:
        process.terminate()
        process.wait(15)
        sim.stop()
        shutil.rmtree(folder, ignore_errors=True)
    rows = [one_row(f"`textback run` after {calls} calls: RSS", memory["VmRSS"], "MB", 40.0,
                    note=f"peak {memory['VmHWM']:.1f} MB"),
            one_row(f"`textback run` idle CPU over {idle_seconds:g} s", cpu, "%", 0.5, note="of one core")]
    if memory["VmRSS"] > 40.0:
        rows[0].note += "; " + rss_breakdown(memory["VmRSS"])
    return rows


# Stand-ins for libraries left out: the measure of what a library costs is the process without it
# (its shared dependencies, click or asyncio, stay if anything else needs them).
BLOCKER = """
import importlib.machinery, sys, types
class _Stub(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (), {"__init__": lambda self, *a, **k: None})
class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in BLOCKED):
            return importlib.machinery.ModuleSpec(name, self)
    def create_module(self, spec):
        return _Stub(spec.name)
    def exec_module(self, module):
        module.__path__ = []
sys.meta_path.insert(0, _Blocker())
"""
RUNNING = "import agent.cli, agent.daemon.runner, agent.daemon.service, web, waitress"


def rss_breakdown(total: float) -> str:
    """What the RSS is made of: Python alone, everything `textback run` imports, and for each
    library what the same imports cost without it."""
    python = import_rss("pass")
    imported = import_rss(RUNNING)
    parts = [f"Python {python:.1f}", f"all imports {imported - python:.1f}"]
    for name, modules in (("sqlite-utils", ["sqlite_utils"]), ("APScheduler", ["apscheduler"]),
                          ("Flask, Jinja, waitress", ["flask", "jinja2", "werkzeug", "waitress"])):
        without = import_rss(f"BLOCKED = {modules!r}\n{BLOCKER}\n{RUNNING}")
        parts.append(f"of which {name} {imported - without:.1f}")
    parts.append(f"threads, caches and data {total - imported:.1f}")
    return "MB: " + ", ".join(parts)


def startup(runs: int) -> list[float]:
    """Process start → ready for calls (the modem has taken AT+CLIP=1), `textback agent`."""
    folder = Path(tempfile.mkdtemp(prefix="textback-bench-start-"))
    sim = SimulatedModem("sim800", ring_interval=0.2, link_path=folder / "modem").start()
    config = write_config(folder, sim)
    samples = []
    try:
        for _ in range(runs):
            before = len(sim.commands)
            began = time.monotonic()
            process = subprocess.Popen([str(TEXTBACK), "agent", "--config", str(config)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                need(lambda: "AT+CLIP=1" in sim.commands[before:], 30, "textback agent to be ready")
                at = sim.command_times[before + sim.commands[before:].index("AT+CLIP=1")]
                samples.append(at - began)
            finally:
                process.terminate()
                process.wait(15)
    finally:
        sim.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return samples


# ---- the database: the web pages at 100k calls, a busy month's size and backup ----------------------

def fill(database: Path, calls: int, replies: int, days: int, numbers: int, rng: random.Random) -> str:
    """Rows shaped as the agent writes them, in bulk: `calls` missed calls over `days` days, each
    texted (and sent 7 s later), and `replies` customer replies. Written as another program would,
    through its own connection in one transaction (the agent's own path would take hours for a
    year of calls); the database is one the store created. Returns the busiest caller."""
    now = datetime.now(timezone.utc)
    step = days * 86400 / calls
    call_rows, message_rows, callers = [], [], []
    message_id = 0
    for n in range(calls):
        number = f"+4474{rng.randrange(numbers):08d}"
        callers.append(number)
        ended = now - timedelta(seconds=(calls - n) * step)
        message_id += 1
        call_rows.append((n + 1, number, number, 145, utc_iso(ended - timedelta(seconds=12)), utc_iso(ended), 2,
                          "NO CARRIER", "texted", message_id, utc_iso(ended)))
        message_rows.append((message_id, "out", number, BODY, "missed_open", "sent", n + 1, utc_iso(ended),
                             utc_iso(ended), utc_iso(ended + timedelta(seconds=7)), 1, 1))
    for n in sorted(rng.sample(range(calls), min(replies, calls))):
        message_id += 1
        at = utc_iso(now - timedelta(seconds=(calls - n) * step) + timedelta(minutes=3))
        message_rows.append((message_id, "in", callers[n], "Hi, can I book for Thursday afternoon please?", "sms",
                             "received", None, at, None, None, 1, 1))
    conn = sqlite3.connect(database, isolation_level=None, timeout=10)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO calls (id, number, raw_number, toa, started_at, ended_at, rings, end_signal,"
                         " outcome, message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", call_rows)
        conn.executemany("INSERT INTO messages (id, direction, number, body, kind, status, call_id, created_at,"
                         " due_at, sent_at, parts, read) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", message_rows)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return statistics.mode(callers)


def web_pages(calls: int, replies: int, requests: int, rng: random.Random) -> list[Row]:
    from argon2 import PasswordHasher

    from agent.passwords import PASSWORD_KEY
    from web import create_app

    folder = Path(tempfile.mkdtemp(prefix="textback-bench-web-"))
    try:
        config = parse_config({"storage": {"database": str(folder / "web.db")},
                               "business": {"name": "Bench Shop", "country": "GB"}}, source="bench",
                              base_dir=folder)
        store = Store.open(folder / "web.db")
        busiest = fill(folder / "web.db", calls, replies, days=365, numbers=calls // 5, rng=rng)
        password = "benchmark password"
        store.set_setting(PASSWORD_KEY, PasswordHasher().hash(password), datetime.now(timezone.utc))
        store.close()
        app = create_app({"TEXTBACK_CONFIG": config, "TESTING": True})
        client = app.test_client()
        token = _csrf(client.get("/login").get_data(as_text=True))
        login = client.post("/login", data={"password": password, "csrf_token": token})
        if login.status_code != 302:
            raise RuntimeError(f"could not log in to the web UI (HTTP {login.status_code})")
        label = f"web at {calls:,} calls, {calls + replies:,} texts"
        rows = []
        deep = min(1000, calls // 50 // 2)          # 50 calls a page; the quick run has fewer pages
        pages = [("inbox", "/"), ("calls, page 1", "/calls"), (f"calls, page {deep}", deep_page(client, "/calls", deep)),
                 ("a conversation", f"/conversation/{busiest.replace('+', '%2B')}"), ("dashboard", "/dashboard")]
        for name, path in pages:
            samples, cpu = [], []
            for attempt in range(requests + 1):
                began, began_cpu = time.perf_counter(), time.thread_time()
                response = client.get(path)
                took, took_cpu = time.perf_counter() - began, time.thread_time() - began_cpu
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
                if attempt:                    # the first one warms the caches
                    samples.append(took * 1000)
                    cpu.append(took_cpu * 1000)
            shown = path.split("/%2B")[0].split("?")[0] + ("?…" if "?" in path else "")
            # the CPU time of the request's own thread: what the page costs, whatever else the machine runs
            rows.append(samples_row(f"{label}: {name} (GET {shown})", samples, "ms", 50.0,
                                    note=f"CPU {statistics.median(cpu):.1f} ms"))
        rows.append(one_row(f"{label}: the inbox's weight, with its style and script", page_weight(client, "/") / 1024,
                            "KB", 100.0))
        app.extensions["textback"].store.close()
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def deep_page(client, path: str, page: int) -> str:
    """The address of page `page` of a list, reached as a person reaches it: by following the link
    to the next page each time (a keyset cursor or a page number, whatever the page offers)."""
    import html as markup
    import re
    url = path
    for number in range(2, page + 1):
        links = [markup.unescape(link) for link in re.findall(rf'href="({re.escape(path)}\?[^"]*)"',
                                                                client.get(url).get_data(as_text=True))]
        url = next((link for link in links if re.search(rf"[?&]page={number}(&|$)", link)), "")
        if not url:
            raise RuntimeError(f"no link to page {number} of {path}")
    return url


def _csrf(html: str) -> str:
    import re
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return match.group(1) if match else ""


def page_weight(client, path: str) -> int:
    """Bytes of a page and of the style sheets and scripts it loads (the box serves everything)."""
    import re
    html = client.get(path).get_data()
    total = len(html)
    for asset in re.findall(rb'(?:href|src)="(/static/[^"]+)"', html):
        total += len(client.get(asset.decode()).get_data())
    return total


def busy_month(calls: int, replies: int, rng: random.Random) -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="textback-bench-month-"))
    try:
        store = Store.open(folder / "textback.db")
        fill(folder / "textback.db", calls, replies, days=30, numbers=calls * 2 // 3, rng=rng)
        began = time.perf_counter()
        copy = backup(store, folder / "backups", keep=7, now=datetime.now(timezone.utc))
        took = time.perf_counter() - began
        store.close()
        assert copy is not None
        size = copy.stat().st_size / 1024 / 1024
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    label = f"a busy month ({calls:,} calls, {replies:,} replies)"
    return [one_row(f"{label}: database size", size, "MB", note="as its nightly backup holds it"),
            one_row(f"{label}: nightly backup", took, "s", 5.0)]


# ---- the table -------------------------------------------------------------------------------------

def measure(sizes: Sizes) -> list[Row]:
    rng = random.Random(15)
    rows: list[Row] = []

    def attempt(what: str, make: Callable[[], list[Row]]) -> None:
        try:
            made = make()
        except Exception as error:  # a measurement that fails is an ERROR row, the others still run
            traceback.print_exc()
            made = [Row(what, 0, None, None, "", error=f"{type(error).__name__}: {error}")]
        for row in made:
            rows.append(row)
            print(format_row(row), flush=True)

    for family in END_LINE_FAMILIES:
        attempt(f"{family}: end line → AT+CMGS", lambda family=family: [samples_row(
            f"{family}: end line → AT+CMGS", [s * 1000 for s in end_line_latency(family, sizes.calls, sizes.ring)], "ms", 50.0)])

    def silent(call_list: bool) -> list[Row]:
        samples, signals = silent_latency(sizes.silent_calls if call_list else sizes.fallback_calls, rng,
                                          call_list, sizes.silent_rings)
        ended = ", ".join(f"{signals.count(s)}× {s}" for s in sorted(set(signals)))
        if call_list:
            return [samples_row("silent, 5 s cadence: caller gives up → AT+CMGS (call list)", samples, "s", 1.5,
                                note=f"ended by: {ended}")]
        return [samples_row("silent without AT+CLCC, 5 s cadence: caller gives up → AT+CMGS (ring time-out)",
                            samples, "s", CADENCE + MARGIN, note=f"ended by: {ended}")]
    attempt("silent: call list", lambda: silent(True))
    attempt("silent: ring time-out", lambda: silent(False))
    attempt("burst", lambda: burst(*sizes.burst))

    def backlog() -> list[Row]:
        calls, queued, per_send = sizes.backlog
        samples, sends = commit_under_backlog(calls, queued, per_send)
        return [samples_row(f"end line → committed, {queued} texts queued at {per_send:g} s each",
                            [s * 1000 for s in samples], "ms", 50.0, note=f"{sends} AT+CMGS sent meanwhile")]
    attempt("backlog", backlog)
    attempt("footprint", lambda: footprint(sizes.footprint_calls, sizes.idle_seconds))
    attempt("start-up", lambda: [samples_row("start-up: process start → ready for calls (`textback agent`)",
                                             startup(sizes.startups), "s", 2.0)])
    attempt("web", lambda: web_pages(*sizes.web, sizes.web_requests, rng))
    attempt("month", lambda: busy_month(*sizes.month, rng))
    return rows


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "%":
        return f"{value:.2f} %"
    return f"{value:.1f} {unit}".strip()


def format_row(row: Row) -> str:
    target = "yes" if row.passed is not None else (f"≤ {_figure(row.target, row.unit)}" if row.target else "–")
    note = f" {row.note}" if row.note else ""
    if row.error:
        note = f" {row.error}"
    return (f"| {row.what} | {row.n} | {_figure(row.median, row.unit)} | {_figure(row.p90, row.unit)} | "
            f"{target} | {row.verdict()}{note} |")


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    return (f"{datetime.now(timezone.utc):%Y-%m-%d}, {platform.machine()}, {os.cpu_count()} cores ({model}), "
            f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f} at the start")


def cpu_use() -> tuple[float, float]:
    """(seconds of CPU the whole machine has used, seconds this benchmark and its children have)."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(ticks) - ticks[3] - ticks[4]            # all but idle and iowait
    ours = os.times()
    return busy / os.sysconf("SC_CLK_TCK"), ours.user + ours.system + ours.children_user + ours.children_system


def main() -> int:
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts; fail only on an error or a 10x miss")
    parser.add_argument("--write", action="store_true", help="write the table into docs/performance.md")
    args = parser.parse_args()
    began, cpu_began = time.monotonic(), cpu_use()
    header = ["| measure | n | median | p90 | target | result |", "|---|---|---|---|---|---|"]
    where = machine()
    print(f"{'Quick run' if args.quick else 'Measured'} {where}.\n", flush=True)
    print("\n".join(header), flush=True)
    rows = measure(QUICK if args.quick else FULL)
    took = time.monotonic() - began
    machine_cpu, our_cpu = (end - start for end, start in zip(cpu_use(), cpu_began))
    others = max(0.0, machine_cpu - our_cpu) / took / (os.cpu_count() or 1) * 100
    failed = [row for row in rows if row.fails(args.quick)]
    missed = [row for row in rows if row.verdict() not in ("PASS", "–")]
    summary = (f"{len(rows) - len(missed)} of {len(rows)} rows within target; run took {took:.0f} s, "
               f"load average {os.getloadavg()[0]:.2f} at the end; other programs used {others:.0f} % of the "
               f"machine's {os.cpu_count()} cores meanwhile.")
    if args.quick and missed and not failed:
        summary += " A quick run fails only on an error or a 10x miss."
    print(f"\n{summary}")
    if args.write:
        table = "\n".join([f"Measured {where}.", "", *header, *(format_row(row) for row in rows), "",
                           summary])
        write_block(ROOT / "docs" / "performance.md", "bench", table)
    if failed:
        print("missed: " + "; ".join(row.what for row in failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
