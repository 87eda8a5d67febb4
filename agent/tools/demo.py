"""`textback demo`: the whole box on this computer — a simulated modem on a pty, the real agent,
the web UI — and a few scripted calls, narrated, so a newcomer sees texts go out."""

from __future__ import annotations

import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import click

from agent.clock import SystemClock, wait_until
from agent.config import Config, parse_config
from agent.rules.numbers import pretty
from agent.rules.policy import SKIP_REASONS
from agent.daemon.service import Service
from agent.simulator import SimulatedModem
from agent.store import Store

__all__ = ["run_demo", "SCENES", "demo_config"]

DEMO_PASSWORD = "textback-demo"


@dataclass(frozen=True)
class Scene:
    title: str
    number: str
    toa: int | None = None
    withheld: bool = False


SCENES = (
    Scene("A customer rings and gives up", "+447811234567"),
    Scene("The same customer tries again", "+447811234567"),
    Scene("A caller with a withheld number", "", withheld=True),
    Scene("A landline (an office) rings", "02079460000", toa=129),
    Scene("A mobile caller shown in national form", "07400123456", toa=129),
    Scene("A premium-rate number rings", "09098790000", toa=129),
)


REPLIES = (
    ("+447811234567", "Hi, can I book a check-up for Tuesday afternoon?"),
    ("+447400123456", "STOP"),
)


def _reply(sender: str, words: str, sim: SimulatedModem) -> str:
    sent_before = len(sim.sent)
    sim.receive_sms(sender, words)
    if not wait_until(lambda: len(sim.sent) > sent_before, 10):
        return "stored in the inbox (no text sent)"
    text = sim.sent[-1]
    if text.number == "+447911000001":
        return f"stored in the inbox and relayed to the owner's phone:\n      \"{text.text}\""
    return f"opted out at once; one confirmation:\n      \"{text.text}\""


def demo_config(folder: Path, port: str, web_port: int) -> Config:
    return parse_config({
        "modem": {"port": port, "ring_timeout_margin": 1.0},
        "storage": {"database": str(folder / "demo.db")},
        "web": {"host": "127.0.0.1", "port": web_port, "tls": False},    # on this computer only
        "business": {"name": "Brightside Dental", "timezone": "Europe/London", "country": "GB"},
        "rules": {"delay_seconds": 0, "dedup_hours": 24},
        "hours": {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        "owner": {"phone": "+447911000001"},
    }, source="demo", base_dir=folder)


def _free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
                return probe.getsockname()[1]
            except OSError:
                continue
    raise OSError("no free port for the demo's web UI")




def _play(scene: Scene, sim: SimulatedModem, store: Store) -> str:
    calls_before = len(store.calls(limit=10_000))
    sent_before = len(sim.sent)
    sim.call(scene.number, scene.toa, rings=2, withheld=scene.withheld)
    wait_until(lambda: len(store.calls(limit=10_000)) > calls_before and store.calls(limit=1)[0].outcome != "pending", 10)
    call = store.calls(limit=1)[0]
    if call.outcome == "texted":
        wait_until(lambda: len(sim.sent) > sent_before, 10)
        text = sim.sent[-1]
        latency = sim.cmgs_times[-1] - sim.call_ends[-1] if sim.cmgs_times and sim.call_ends else float("nan")
        return (f"texted {pretty(text.number, 'GB')} {latency * 1000:.0f} ms after the call ended:\n"
                f"      \"{text.text}\"")
    return f"not texted: {SKIP_REASONS.get(call.skip_reason or '', call.skip_reason)}"


def _start_web(config: Config, store: Store) -> str | None:
    from agent.passwords import set_password
    from web.server import start_server

    set_password(store, DEMO_PASSWORD, SystemClock().now())
    start_server(config, host=config.web.host, port=config.web.port)
    return f"http://{config.web.host}:{config.web.port}/"


def run_demo(family: str = "sim800", web_port: int = 8080, keep_running: bool = False,
             stop: threading.Event | None = None, with_web: bool = True) -> None:
    stop = stop or threading.Event()
    folder = Path(tempfile.mkdtemp(prefix="textback-demo-"))
    sim = SimulatedModem(family, ring_interval=0.4, link_path=folder / "modem").start()
    config = demo_config(folder, sim.port, _free_port(web_port))
    store = Store.open(config.storage.database)
    service = Service(config, store)
    agent_stop = threading.Event()
    worker = threading.Thread(target=service.run, args=(agent_stop,), name="agent", daemon=True)
    worker.start()
    click.echo(f"TextBack demo: simulated {sim.family.manufacturer} {sim.family.model} on {sim.port}")
    if not wait_until(service.ready.is_set, 15):
        raise click.ClickException("the simulated modem did not come up")
    url = _start_web(config, Store.open(config.storage.database)) if with_web else None
    click.echo(f"Agent ready ({service.modem.dialect.title if service.modem else '?'}); shop: Brightside Dental\n")
    reader = Store.open(config.storage.database)
    for number, scene in enumerate(SCENES, start=1):
        who = "withheld" if scene.withheld else scene.number
        click.echo(f"{number}. {scene.title} ({who})")
        click.echo(f"   -> {_play(scene, sim, reader)}")
    for number, (who, words) in enumerate(REPLIES, start=len(SCENES) + 1):
        click.echo(f"{number}. {pretty(who, 'GB')} texts back: \"{words}\"")
        click.echo(f"   -> {_reply(who, words, sim)}")
    click.echo(f"{len(SCENES) + len(REPLIES) + 1}. {SCENES[4].title.split(' shown')[0]} who opted out rings again")
    click.echo(f"   -> {_play(SCENES[4], sim, reader)}")
    texted = sum(1 for c in reader.calls(limit=100) if c.outcome == "texted")
    click.echo(f"\n{len(SCENES) + 1} missed calls, {texted} texted, {len(sim.sent)} SMS sent in all. "
               f"Database: {config.storage.database}")
    if url and keep_running:
        click.echo(f"\nWeb UI: {url}  (password: {DEMO_PASSWORD})   Ctrl-C to stop.")
        stop.wait()
    agent_stop.set()
    worker.join(timeout=10)
    sim.stop()
