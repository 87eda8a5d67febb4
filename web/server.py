"""The web UI's server: waitress with the limits a shop's shared Wi-Fi needs, HTTPS when
[web] tls is on, and the setup code in the journal while no password is set.

Limits (each refused before the app sees the request):
- a request body over 64 KiB gets 413 as soon as its headers say so, before the body is read;
- a connection idle for CHANNEL_TIMEOUT s is closed; a request must arrive whole within
  web.tls_channel.REQUEST_DEADLINE s; at most CONNECTION_LIMIT connections in all and
  web.tls_channel.PER_ADDRESS per client address;
- 4 threads run the app; the live pages poll a small endpoint instead of holding a thread.
"""

from __future__ import annotations

import logging
import ssl
import threading
from typing import Any

from agent.clock import SystemClock
from agent.config import Config
from agent.store import Store
from agent.tools.setup_code import log_code
from web.tls_channel import PER_ADDRESS, REQUEST_DEADLINE, BoxChannel

__all__ = ["make_server", "start_server", "stop_server", "bound_port", "tls_context", "server_options", "MAX_BODY", "CHANNEL_TIMEOUT",
           "CONNECTION_LIMIT", "THREADS"]

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
CHANNEL_TIMEOUT = 30
CONNECTION_LIMIT = 64
THREADS = 4


def server_options(config: Config, host: str | None = None, port: int | None = None) -> dict[str, Any]:
    """The waitress adjustments TextBack serves with."""
    return {"host": host or config.web.host, "port": config.web.port if port is None else port,
            "threads": THREADS, "max_request_body_size": MAX_BODY, "channel_timeout": CHANNEL_TIMEOUT,
            "cleanup_interval": 5, "connection_limit": CONNECTION_LIMIT, "ident": "TextBack",
            "clear_untrusted_proxy_headers": True}


def tls_context(state) -> ssl.SSLContext:
    """TLS 1.2 or newer with Python's defaults for the rest; HTTP/1.1 offered by ALPN."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(state.cert_path), str(state.key_path))
    context.set_alpn_protocols(["http/1.1"])
    return context


def _address(config: Config, port: int) -> str:
    return f"{'https' if config.web.tls else 'http'}://textback.local:{port}"


def make_server(config: Config, app=None, host: str | None = None, port: int | None = None,
                request_deadline: float = REQUEST_DEADLINE, per_address: int = PER_ADDRESS):
    """A waitress server for the app (made from config when not given), not yet running."""
    from waitress import create_server

    from web import create_app

    clock = SystemClock()
    context = None
    if config.web.tls:
        from agent.tools.certificate import ensure_certificate   # cryptography: loaded only for HTTPS

        state = ensure_certificate(config, clock.now())
        context = tls_context(state)
        log.info("web UI over HTTPS; certificate SHA-256 %s", state.fingerprint)
    else:
        log.info("web UI over plain HTTP ([web] tls = false): use this only behind a proxy or for tests")
    if app is None:
        app = create_app({"TEXTBACK_CONFIG": config})
    server = create_server(app, **server_options(config, host, port))
    for listener in _listeners(server):
        listener.tls_context = context
        listener.request_deadline = request_deadline
        listener.per_address = per_address
        listener.channel_class = BoxChannel
    store = Store.open(config.storage.database)
    try:
        log_code(store, clock.now(), _address(config, bound_port(server)))
    finally:
        store.close()
    return server


def _listeners(server) -> list:
    """The listening sockets' servers: one, or several when the host name has several addresses."""
    from waitress.server import BaseWSGIServer

    if isinstance(server, BaseWSGIServer):
        return [server]
    return [d for d in server.map.values() if isinstance(d, BaseWSGIServer)]


def bound_port(server) -> int:
    """The port actually listened on (port 0 asks the system for a free one)."""
    return server.effective_port if hasattr(server, "effective_port") else server.effective_listen[0][1]


def stop_server(server, timeout: float = 5.0) -> None:
    """Close the server from its own event-loop thread: closing its sockets from another thread
    races the loop's select() (EBADF). Then stop its worker threads."""
    from waitress import wasyncore

    trigger = getattr(server, "trigger", None)
    if trigger is None:                       # several listening sockets: waitress's own close
        server.close()
        return
    closed = threading.Event()

    def close_all() -> None:
        try:
            wasyncore.close_all(server._map)
        finally:
            closed.set()

    trigger.pull_trigger(close_all)
    if not closed.wait(timeout):
        log.warning("the web server did not stop within %.0f s", timeout)
    server.task_dispatcher.shutdown()


def start_server(config: Config, app=None, host: str | None = None, port: int | None = None,
                 **limits: Any) -> threading.Thread:
    """make_server, run in a daemon thread; the thread's .server closes it."""
    server = make_server(config, app, host, port, **limits)
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.server = server  # type: ignore[attr-defined]
    thread.start()
    return thread
