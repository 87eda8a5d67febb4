"""Fixtures for the web UI: an app on a temp database with a fake clock, a logged-in owner, and
a few ways to put calls and messages in the store the way the agent would."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from argon2 import PasswordHasher

from agent.clock import utc_iso
from tests.clocks import FakeClock
from agent.passwords import PASSWORD_KEY
from agent.store import Store
from tests.conftest import make_config
from web import create_app

PASSWORD = "correct horse battery"
# A real argon2id hash with small costs, so logging in many times stays fast; the production cost
# is exercised by set_password in test_routes.
FAST_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)     # a Monday; London is on GMT
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(current=NOW)


@pytest.fixture
def app(tmp_path: Path, clock: FakeClock):
    app = create_app({"TEXTBACK_CONFIG": make_config(tmp_path), "TEXTBACK_CLOCK": clock, "TESTING": True})
    yield app
    app.extensions["textback"].store.close()


@pytest.fixture
def store(app) -> Store:
    return app.extensions["textback"].store


@pytest.fixture
def client(app):
    return app.test_client()


class Owner:
    """The shop owner in a browser: logs in, reads the CSRF token off a page, posts forms."""

    def __init__(self, client, store: Store, clock: FakeClock):
        self.client = client
        self.store = store
        self.clock = clock

    def set_password(self) -> None:
        self.store.set_setting(PASSWORD_KEY, FAST_HASH, self.clock.now())

    def token(self, path: str = "/login") -> str:
        match = _TOKEN.search(self.client.get(path).get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, password: str = PASSWORD):
        return self.client.post("/login", data={"password": password, "csrf_token": self.token("/login")})

    def post(self, path: str, data: dict | None = None, token_from: str = "/"):
        return self.client.post(path, data={**(data or {}), "csrf_token": self.token(token_from)})


@pytest.fixture
def owner(client, store, clock) -> Owner:
    """Password set and logged in."""
    person = Owner(client, store, clock)
    person.set_password()
    response = person.login()
    assert response.status_code == 302
    return person


def add_call(store: Store, number: str | None, ended_at: datetime, *, text: str | None = "Sorry we missed you",
             sent_after: float | None = 7.0, skip: str | None = None, status: str = "sent") -> int:
    """A missed call as the agent records it: texted (and sent `sent_after` s later) or skipped."""
    call_id = store.record_call(number=number, raw_number=number or "", toa=145 if number else 128,
                                started_at=ended_at - timedelta(seconds=10), ended_at=ended_at, rings=2,
                                end_signal="NO CARRIER", now=ended_at)
    if skip or text is None:
        store.skip_call(call_id, skip or "withheld")
        return call_id
    message_id = store.queue_text_for_call(call_id, number=number, body=text, kind="missed_open",
                                           due_at=ended_at, now=ended_at)
    if status == "sent" and sent_after is not None:
        store.mark_sent(message_id, ended_at + timedelta(seconds=sent_after))
    elif status == "ambiguous":
        store.mark_ambiguous(message_id, "interrupted while sending")
    elif status == "failed":
        store.mark_failed(message_id, 21, "short message transfer rejected")
    return call_id


def add_inbound(store: Store, number: str, body: str, at: datetime) -> int:
    """A text from a customer, through the agent's own inbound path: the PDU the network would
    deliver, decoded, stored and acted on (relayed, STOP honoured) as on the box. Returns its id."""
    from agent.daemon.inbound import Inbound
    from agent.simulator.pdus import deliver_pdu

    before = store.latest_inbound_id(number)
    assert Inbound(store, FakeClock(at)).receive_pdu(deliver_pdu(number, body, sent_at=at - timedelta(seconds=2)))
    message_id = store.latest_inbound_id(number)
    assert message_id is not None and message_id != before, "the inbound path stored nothing"
    return message_id


@pytest.fixture
def serve():
    """serve(config, app=None, **limits) → (server, "http://127.0.0.1:<port>"): TextBack's own
    server (web/server.py: its limits, and HTTPS on the same port when [web] tls is on) on a free
    port of 127.0.0.1, in a thread, closed after the test."""
    from web.server import bound_port, make_server, stop_server

    started = []

    def start(config, app=None, **limits):
        import threading

        server = make_server(config, app, host="127.0.0.1", port=0, **limits)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        started.append((server, thread, app))
        return server, f"http://127.0.0.1:{bound_port(server)}"

    yield start
    for server, thread, app in started:
        stop_server(server)
        thread.join(timeout=5)
        assert not thread.is_alive(), "the web server did not stop"
