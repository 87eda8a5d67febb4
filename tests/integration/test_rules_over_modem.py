"""Rules over the pty simulator: open vs closed text, the delay window, stale texts, long and emoji texts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.conftest import wait_for

CLOSED_ALL_WEEK = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def test_open_and_closed_calls_get_different_texts(start_agent):
    now = datetime.now(timezone.utc)
    tomorrow = (now + timedelta(days=1)).strftime("%a").lower()
    closed_now = dict(CLOSED_ALL_WEEK, **{tomorrow: ["09:00-17:00"]})
    agent = start_agent("sim800", hours=closed_now, business={"timezone": "UTC"})
    agent.sim.call("+447911123456", rings=2)
    [closed] = agent.wait_sent(1)
    assert "We open tomorrow 09:00" in closed.text
    [call] = agent.wait_calls(1)
    assert agent.store.message(call.message_id).kind == "missed_closed"
    agent.store.set_setting("hours", {d: ["00:00-24:00"] for d in CLOSED_ALL_WEEK}, now)   # the web UI's edit
    agent.sim.call("+447911222333", rings=2)
    [_, opened] = agent.wait_sent(2)
    assert "How can we help?" in opened.text and "We open" not in opened.text


def test_delay_is_honoured_not_before_and_within_a_second_after(start_agent):
    agent = start_agent("quectel", rules={"delay_seconds": 2})
    agent.sim.call("+447911123456", rings=2)
    ended = agent.sim.call_ends[-1]
    wait_for(lambda: agent.sim.cmgs_times, 5, "the text")
    waited = agent.sim.cmgs_times[-1] - ended
    assert 2.0 <= waited <= 3.0, waited


def test_text_that_fell_due_too_long_ago_is_stale_not_sent(start_agent, tmp_path):
    """Queued before a 45-minute power cut: judged once, when the box is back, and not sent."""
    from agent.store import Store

    now = datetime.now(timezone.utc)
    long_ago = now - timedelta(minutes=45)
    before = Store.open(tmp_path / "textback.db")
    call_id = before.record_call(number="+447911123456", raw_number="+447911123456", toa=145,
                                 started_at=long_ago, ended_at=long_ago, rings=2, end_signal="NO CARRIER",
                                 now=long_ago)
    message_id = before.queue_text_for_call(call_id, number="+447911123456", body="late", kind="missed_open",
                                            due_at=long_ago, now=long_ago)
    recent = before.queue_text(number="+447911222333", body="recent", kind="missed_open",
                               due_at=now - timedelta(minutes=5), now=now - timedelta(minutes=5))
    before.close()
    agent = start_agent("sim800", rules={"max_late_minutes": 30})
    wait_for(lambda: agent.store.message(message_id).status == "stale", 5, "stale")
    assert "while the box was off" in agent.store.message(message_id).error_text
    [text] = agent.wait_sent(1)
    wait_for(lambda: agent.store.queue_length() == 0, 5, "the queue drained")
    assert text.number == "+447911222333" and agent.store.message(recent).status == "sent"
    assert [t.number for t in agent.sim.sent] == ["+447911222333"]


def test_long_emoji_template_goes_out_whole_in_ucs2_parts(start_agent):
    agent = start_agent("huawei")
    body = "{business}: sorry we missed your call 😊 " + "We'll ring you back shortly. " * 4 + "Reply STOP to opt out."
    agent.store.set_template("missed_open", body, datetime.now(timezone.utc))
    agent.sim.call("+447911123456", rings=2)
    [text] = agent.wait_sent(1)
    assert text.text == body.replace("{business}", "Brightside Dental")
    assert text.parts == 3
    assert {part.concat[0] for part in agent.sim.submitted} == {agent.sim.submitted[0].concat[0]}
    assert all(part.status_report for part in agent.sim.submitted)


def test_gsm7_extension_characters_count_double(start_agent):
    agent = start_agent("sim7600")
    body = "{business}: price list [€10-€20] at {{our}} site ~ ask! " + "x" * 100
    agent.store.set_template("missed_open", body, datetime.now(timezone.utc))
    agent.sim.call("+447911123456", rings=2)
    [text] = agent.wait_sent(1)
    assert text.text == body.replace("{business}", "Brightside Dental").replace("{{our}}", "{our}")
    assert text.parts == 2
