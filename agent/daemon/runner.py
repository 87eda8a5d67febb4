"""Start the agent (and the web UI) in this process, report to systemd, stop cleanly."""

from __future__ import annotations

import logging
import threading
import time

from agent.config import Config
from agent.daemon.sd_notify import Watchdog, notify
from agent.daemon.service import Service
from agent.store import Store

__all__ = ["run_agent", "start_web", "loop_is_healthy", "LOOP_STUCK_SECONDS"]

log = logging.getLogger(__name__)

LOOP_STUCK_SECONDS = 30.0   # no turn of the agent loop for this long = stuck: stop feeding the watchdog


def loop_is_healthy(service: Service, worker: threading.Thread, now: float | None = None) -> bool:
    """Feed systemd's watchdog only while the agent thread lives and makes real progress: a line
    handled, an AT exchange finished, or a command still inside its own time-out (a 60 s AT+CMGS on a
    congested network is progress). A modem that is unplugged is not unhealthy (the loop is busy
    reconnecting); a loop stuck past every time-out is."""
    now = time.monotonic() if now is None else now
    return worker.is_alive() and service.healthy(now, LOOP_STUCK_SECONDS)


def start_web(config: Config, host: str | None = None, port: int | None = None) -> threading.Thread:
    """Serve the web UI in a daemon thread through the guarded server (HTTPS when [web] tls, request
    limits, Host check, the setup code shown while no password is set): web/server.py."""
    from web.server import start_server

    return start_server(config, host=host, port=port)


def run_agent(config: Config, stop: threading.Event, with_web: bool) -> None:
    store = Store.open(config.storage.database)
    service = Service(config, store)
    worker = threading.Thread(target=service.run, args=(stop,), name="agent", daemon=True)
    worker.start()
    web = start_web(config) if with_web else None
    if web is not None:
        log.info("web UI on %s://%s:%d/", "https" if config.web.tls else "http", config.web.host, config.web.port)
    watchdog = Watchdog.from_environment(lambda: loop_is_healthy(service, worker))
    notify("READY=1")
    while not stop.wait(1.0):
        watchdog.tick()
        state = "modem online" if service.ready.is_set() else "waiting for the modem"
        notify(f"STATUS={state}")
    notify("STOPPING=1")
    worker.join(timeout=10)
    if web is not None:
        web.server.close()  # type: ignore[attr-defined]
    store.close()
