"""TextBack benchmark: latency per modem family, burst, footprint, list queries at 100k rows.

    .venv/bin/python bench/benchmark.py            # print the tables
    .venv/bin/python bench/benchmark.py --write    # also rewrite the numbers in docs/performance.md

Latency is measured at the simulated modem: from the moment it writes a family's end-of-call
line to the moment AT+CMGS arrives — parse, policy, two SQLite commits and a serial write.
For the silent family there is no end line; its figure is from the last RING to AT+CMGS.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.clock import utc_iso, wait_until  # noqa: E402
from bench.doc_block import write_block  # noqa: E402
from agent.config import parse_config  # noqa: E402
from agent.daemon.service import Service  # noqa: E402
from agent.simulator import SimulatedModem  # noqa: E402
from agent.store import Store  # noqa: E402

FAMILIES = ["sim800", "sim7600", "a76xx", "quectel", "huawei", "ublox", "silent"]
ALL_WEEK = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def config_for(folder: Path, port: str, **rules):
    return parse_config({
        "modem": {"port": port, "ring_timeout_margin": 1.0},
        "storage": {"database": str(folder / "bench.db")},
        "business": {"name": "Bench Shop", "timezone": "Europe/London", "country": "GB"},
        "rules": {"delay_seconds": 0, "dedup_hours": 0, **rules},
        "hours": ALL_WEEK,
    }, source="bench", base_dir=folder)




class Box:
    """Simulator + in-process agent in a temp folder."""

    def __init__(self, family: str, ring_interval: float = 0.3, on_missed_call=None):
        self.folder = Path(tempfile.mkdtemp(prefix="textback-bench-"))
        self.sim = SimulatedModem(family, ring_interval=ring_interval, link_path=self.folder / "modem").start()
        self.config = config_for(self.folder, self.sim.port)
        self.service = Service(self.config, Store.open(self.config.storage.database), on_missed_call=on_missed_call)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.service.run, args=(self.stop_event,), daemon=True)
        self.thread.start()
        if not wait_until(self.service.ready.is_set, 15):
            raise RuntimeError(f"{family}: agent did not come up")

    def close(self) -> None:
        self.stop_event.set()
        self.thread.join(10)
        self.sim.stop()


def latency(family: str, calls: int) -> dict:
    box = Box(family)
    samples = []
    try:
        for n in range(calls):
            before = len(box.sim.cmgs_times)
            box.sim.call(f"+4479111{n:05d}", rings=3)
            if not wait_until(lambda: len(box.sim.cmgs_times) > before, 15):
                raise RuntimeError(f"{family}: call {n} got no text")
            samples.append(box.sim.cmgs_times[-1] - box.sim.call_ends[-1])
            wait_until(lambda: len(box.sim.sent) > before, 5)
    finally:
        box.close()
    samples.sort()
    return {"family": family, "calls": calls, "median": statistics.median(samples),
            "p90": samples[int(0.9 * (len(samples) - 1))], "max": samples[-1]}


def commit_under_backlog(calls: int, queued: int = 100, per_send: float = 3.0) -> dict:
    """A call's end line → committed to SQLite, while `queued` texts go out at `per_send` s each.
    Measured from the moment the agent's serial reader got the line (what the modem printed
    reached the agent) to the commit of the call and its decision. The simulator prints its
    unsolicited lines at once here (hold_urcs off): a modem that holds them until a send's final
    result delivers them later, and they are committed as quickly once they arrive."""
    committed: dict[int, float] = {}
    box = Box("sim800", on_missed_call=lambda call_id: committed.setdefault(call_id, time.monotonic()))
    box.sim.hold_urcs = False
    box.sim.cmgs_delay = per_send
    now = datetime.now(timezone.utc)
    for n in range(queued):
        box.service.store.queue_text(number=f"+4478{n:08d}", body=f"backlog {n}", kind="owner_answer",
                                     due_at=now, now=now)
    box.service.wake()
    arrivals: list[float] = []
    original = box.service.line_worker.put

    def put(line) -> None:
        if line.text.startswith("NO CARRIER"):
            arrivals.append(line.at)
        original(line)
    box.service.line_worker.put = put
    if box.service.link is not None:
        box.service.link.on_line = put
    samples = []
    try:
        wait_until(lambda: box.sim.cmgs_times, 15)
        for n in range(calls):
            before = len(committed)
            box.sim.call(f"+4479113{n:05d}", rings=2)
            if not wait_until(lambda: len(committed) > before, 10):
                raise RuntimeError(f"backlog: call {n} not committed")
            call_id = max(committed)
            samples.append(committed[call_id] - arrivals[-1])
        sends = len(box.sim.cmgs_times)
    finally:
        box.close()
    samples.sort()
    return {"calls": calls, "queued": queued, "per_send": per_send, "sends_meanwhile": sends,
            "median": statistics.median(samples), "p90": samples[int(0.9 * (len(samples) - 1))],
            "max": samples[-1]}


def burst(count: int) -> dict:
    box = Box("sim800", ring_interval=0.05)
    try:
        start = time.monotonic()
        threads = []
        for n in range(count):
            box.sim.call(f"+4479112{n:05d}", rings=1)   # back to back, one after the other
        wait_until(lambda: len(box.sim.sent) >= count, 60)
        elapsed = time.monotonic() - start
        threads.clear()
        return {"calls": count, "texts": len(box.sim.sent), "seconds": elapsed}
    finally:
        box.close()


def footprint() -> dict:
    """RSS of a real `textback agent` process talking to the simulator."""
    folder = Path(tempfile.mkdtemp(prefix="textback-bench-rss-"))
    sim = SimulatedModem("sim800", ring_interval=0.2, link_path=folder / "modem").start()
    (folder / "config.toml").write_text(
        f'[modem]\nport = "{sim.port}"\n[storage]\ndatabase = "{folder / "rss.db"}"\n'
        '[rules]\ndelay_seconds = 0\ndedup_hours = 0\n')
    exe = Path(sys.executable).with_name("textback")
    process = subprocess.Popen([str(exe), "agent", "--config", str(folder / "config.toml")],
                               stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        wait_until(lambda: "AT+CLIP=1" in sim.commands, 20)
        for n in range(20):
            sim.call(f"+4478112{n:05d}", rings=1)
        wait_until(lambda: len(sim.sent) >= 20, 30)
        status = Path(f"/proc/{process.pid}/status").read_text()
        rss = {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in status.splitlines())
               if k in ("VmRSS", "VmHWM")}
        return {"rss_mb": rss["VmRSS"] / 1024, "peak_mb": rss["VmHWM"] / 1024, "texts": len(sim.sent)}
    finally:
        process.terminate()
        process.wait(10)
        sim.stop()


def list_queries(rows: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="textback-bench-rows-"))
    store = Store.open(folder / "rows.db")
    now = datetime.now(timezone.utc)
    with store.transaction() as conn:
        for n in range(rows):
            at = utc_iso(now - timedelta(minutes=n))
            number = f"+4474001{n % 5000:05d}"
            cursor = conn.execute(
                "INSERT INTO messages (direction, number, body, kind, status, created_at, due_at, next_attempt_at,"
                " sent_at) VALUES ('out', ?, 'Bench Shop: sorry we missed your call!', 'missed_open', 'sent', ?, ?, ?, ?)",
                (number, at, at, at, at))
            conn.execute("INSERT INTO calls (number, raw_number, toa, started_at, ended_at, rings, end_signal, outcome,"
                         " message_id, created_at) VALUES (?, ?, 145, ?, ?, 2, 'NO CARRIER', 'texted', ?, ?)",
                         (number, number, at, at, cursor.lastrowid, at))
    timings = {}
    for label, call in [("calls page 1", lambda: store.calls(limit=50)),
                        ("calls page 1000", lambda: store.calls(limit=50, offset=49_950)),
                        ("one conversation", lambda: store.messages_for("+447400100042")),
                        ("due texts", lambda: store.due_messages(now))]:
        start = time.perf_counter()
        for _ in range(20):
            call()
        timings[label] = (time.perf_counter() - start) / 20
    web = web_timings(folder / "rows.db")
    return {"rows": rows, **timings, **web}


def web_timings(database: Path) -> dict:
    try:
        from agent.passwords import set_password
        from web import create_app
    except ImportError:
        return {}
    config = parse_config({"storage": {"database": str(database)}}, source="bench")
    store = Store.open(database)
    set_password(store, "benchmark-password", datetime.now(timezone.utc))
    app = create_app({"TEXTBACK_CONFIG": config, "TESTING": True})
    client = app.test_client()
    page = client.get("/login")
    token = _csrf(page.get_data(as_text=True))
    client.post("/login", data={"password": "benchmark-password", "csrf_token": token})
    timings = {}
    for path in ("/", "/calls", "/calls?page=1000", "/dashboard"):
        start = time.perf_counter()
        for _ in range(5):
            response = client.get(path)
        timings[f"GET {path}"] = (time.perf_counter() - start) / 5
        timings[f"GET {path} status"] = response.status_code
    return timings


def _csrf(html: str) -> str:
    import re
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return match.group(1) if match else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=12)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--write", action="store_true", help="write the results into docs/performance.md")
    args = parser.parse_args()
    lines = [f"Measured {datetime.now(timezone.utc):%Y-%m-%d} on {platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}.", "",
             "| family | calls | median | p90 | max |", "|---|---|---|---|---|"]
    for family in FAMILIES:
        result = latency(family, args.calls)
        lines.append(f"| {family} | {result['calls']} | {result['median'] * 1000:.1f} ms | "
                     f"{result['p90'] * 1000:.1f} ms | {result['max'] * 1000:.1f} ms |")
        print(lines[-1], flush=True)
    c = commit_under_backlog(args.calls)
    lines += ["", f"End line → committed in SQLite with {c['queued']} texts queued at {c['per_send']:g} s per send "
              f"({c['calls']} calls, {c['sends_meanwhile']} sends under way meanwhile): median "
              f"{c['median'] * 1000:.1f} ms, p90 {c['p90'] * 1000:.1f} ms, max {c['max'] * 1000:.1f} ms "
              "(target ≤ 50 ms)."]
    print(lines[-1], flush=True)
    b = burst(20)
    lines += ["", f"Burst: {b['calls']} missed calls back to back → {b['texts']} texts, all out "
              f"{b['seconds']:.1f} s after the first ring.", ""]
    f = footprint()
    lines += [f"Footprint of `textback agent` after 20 texts: RSS {f['rss_mb']:.1f} MB (peak {f['peak_mb']:.1f} MB).", ""]
    q = list_queries(args.rows)
    lines += [f"Queries at {q['rows']:,} calls + {q['rows']:,} messages (mean of repeated runs):", "",
              "| query | time |", "|---|---|"]
    for key, value in q.items():
        if key != "rows" and not key.endswith("status"):
            lines.append(f"| {key} | {value * 1000:.1f} ms |")
    report = "\n".join(lines)
    print(report)
    if args.write:
        write_block(ROOT / "docs" / "performance.md", "bench", report)


if __name__ == "__main__":
    main()
