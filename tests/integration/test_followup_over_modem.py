"""The follow-up nudge end to end: planned by the scheduler job, sent by the agent, once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from agent.clock import utc_iso
from tests.conftest import wait_for
from tests.db_rows import db_write


def test_followup_goes_out_once(start_agent):
    agent = start_agent("sim800", rules={"followup_hours": 1}, service_options={"followup_every": 0.2})
    agent.sim.call("+447911123456", rings=2)
    agent.wait_sent(1)
    [call] = agent.wait_calls(1)
    wait_for(lambda: agent.store.message(call.message_id).status == "sent", what="first text sent")
    an_hour_ago = utc_iso(datetime.now(timezone.utc) - timedelta(hours=1, minutes=1))
    with db_write(agent.store) as conn:   # as if the first text went out an hour ago
        conn.execute("UPDATE messages SET sent_at = ? WHERE id = ?", (an_hour_ago, call.message_id))
    [first, second] = agent.wait_sent(2, timeout=5)
    assert second.number == "+447911123456" and "just checking" in second.text
    assert first.text != second.text
    agent.service.wake()
    kinds = [row.kind for row in agent.store.messages_for("+447911123456")]
    assert kinds.count("followup") == 1
