"""A gallery text copied in the web UI is what the next missed call gets, over the pty simulator:
the PDU the simulated modem received decodes to the copied template filled in, and the database
holds the same text, of the kind the entry is for."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agent.passwords import PASSWORD_KEY
from agent.rules.gallery import gallery_entry
from agent.rules.templates import render
from agent.sms.pdu import Submit, decode_pdu
from tests.conftest import wait_for
from tests.web.conftest import FAST_HASH, Owner

CLOSED_ALL_WEEK = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def box(start_agent):
    """start(**config sections) → (agent, owner): a running agent on the simulator and the owner
    logged in to the web UI on the same database."""
    from web import create_app

    apps = []

    def start(**sections):
        agent = start_agent("sim800", **sections)
        app = create_app({"TEXTBACK_CONFIG": agent.config, "TESTING": True})
        apps.append(app)
        store = app.extensions["textback"].store
        store.set_setting(PASSWORD_KEY, FAST_HASH, datetime.now(timezone.utc))
        owner = Owner(app.test_client(), store, None)
        assert owner.login().status_code == 302
        return agent, owner

    yield start
    for app in apps:
        app.extensions["textback"].store.close()


def _copy(owner: Owner, key: str) -> None:
    response = owner.post("/templates/gallery", {"entry": key}, token_from="/templates/gallery")
    assert response.status_code == 302, response.get_data(as_text=True)


def _next_text(agent, number: str, count: int) -> tuple[Submit, object]:
    """Ring the simulated modem from `number`; the PDU it got for that call, decoded, and the message row."""
    agent.sim.call(number, rings=2)
    agent.wait_sent(count, timeout=8)
    [pdu] = [part.pdu for part in agent.sim.submitted if part.number == number]
    call = next(c for c in agent.wait_calls(count) if c.number == number)
    message = wait_for(lambda: (m := agent.store.message(call.message_id)) and m.status == "sent" and m,
                       what="the text marked sent")
    return decode_pdu(pdu), message


def test_a_copied_gallery_text_is_what_the_next_missed_call_gets(box):
    agent, owner = box()
    agent.wait_settled()
    entry = gallery_entry("repairs-open")
    _copy(owner, entry.key)
    submit, message = _next_text(agent, "+447400111222", 1)
    expected = render(entry.body, {"business": "Brightside Dental"})
    assert expected.startswith("Brightside Dental: sorry we missed your call, we're on a job.")
    assert (submit.number, submit.encoding, submit.concat) == ("+447400111222", "GSM-7", None)
    assert submit.text == expected
    assert (message.kind, message.body) == ("missed_open", expected)

    _copy(owner, "retail-busy")                       # the busy text replaces the open-hours one
    submit, message = _next_text(agent, "+447400333444", 2)
    assert submit.text == render(gallery_entry("retail-busy").body, {"business": "Brightside Dental"})
    assert message.kind == "missed_open" and message.body == submit.text


def test_a_copied_after_hours_text_is_filled_with_the_next_opening(box):
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%a").lower()
    agent, owner = box(hours=dict(CLOSED_ALL_WEEK, **{tomorrow: ["09:00-17:00"]}), business={"timezone": "UTC"})
    agent.wait_settled()
    entry = gallery_entry("appointments-after-hours")
    _copy(owner, entry.key)
    submit, message = _next_text(agent, "+447400555666", 1)
    expected = render(entry.body, {"business": "Brightside Dental", "next_open": "tomorrow 09:00"})
    assert submit.text == expected and submit.encoding == "GSM-7" and submit.concat is None
    assert (message.kind, message.body) == ("missed_closed", expected)
