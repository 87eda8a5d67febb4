"""Faults injected over the pty simulator: each test fails without the handling it names."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone

from tests.conftest import wait_for

FAST = {"ping_every": 0.3, "retry_backoff": (0.2, 0.2, 0.2)}


def test_unplugged_modem_goes_offline_and_comes_back_without_restart(start_agent):
    agent = start_agent("sim7600", service_options=FAST)
    agent.sim.unplug()
    wait_for(lambda: agent.store.modem_state().get("online") is False, 10, "modem marked offline")
    assert agent.store.modem_state()["last_error"]
    agent.sim.replug()
    wait_for(lambda: agent.store.modem_state().get("online") is True, 15, "modem back online")
    agent.sim.call("+447911123456", rings=2)
    [text] = agent.wait_sent(1, timeout=5)
    assert text.number == "+447911123456"


def test_text_queued_while_unplugged_goes_out_after_replug(start_agent):
    agent = start_agent("sim800", service_options=FAST, rules={"delay_seconds": 1})
    agent.sim.call("+447911123456", rings=2)
    agent.wait_calls(1)
    agent.sim.unplug()
    wait_for(lambda: agent.store.modem_state().get("online") is False, 10, "offline")
    agent.sim.replug()
    [text] = agent.wait_sent(1, timeout=15)
    assert text.number == "+447911123456"
    assert len(agent.sim.sent) == 1


def test_hung_modem_is_reset_and_recovers(start_agent):
    agent = start_agent("quectel", service_options=FAST)
    agent.sim.mute = True
    wait_for(lambda: agent.store.modem_state().get("online") is False, 30, "hung modem detected")
    agent.sim.mute = False
    wait_for(lambda: agent.store.modem_state().get("online") is True, 30, "modem back after reset")
    agent.sim.call("+447911123456", rings=2)
    agent.wait_sent(1, timeout=5)


def test_transient_cms_errors_are_retried_then_sent_once(start_agent):
    agent = start_agent("sim800", service_options=FAST)
    agent.sim.cms_errors.extend([38, 332])
    agent.sim.call("+447911123456", rings=2)
    [text] = agent.wait_sent(1, timeout=10)
    [call] = agent.wait_calls(1)
    wait_for(lambda: agent.store.message(call.message_id).status == "sent", 5, "sent")
    message = agent.store.message(call.message_id)
    assert message.attempts == 3 and len(agent.sim.sent) == 1 and text.number == "+447911123456"


def test_permanent_cms_error_fails_with_code_and_meaning(start_agent):
    agent = start_agent("sim800", service_options=FAST)
    agent.sim.cms_errors.append(21)
    agent.sim.call("+447911123456", rings=2)
    [call] = agent.wait_calls(1)
    wait_for(lambda: agent.store.message(call.message_id).status == "failed", 5, "failed")
    message = agent.store.message(call.message_id)
    assert message.error_code == 21 and message.error_text == "short message transfer rejected"
    assert agent.sim.sent == []


def test_transient_errors_are_bounded(start_agent):
    agent = start_agent("sim800", service_options=FAST)
    agent.sim.cms_errors.extend([41] * 10)
    agent.sim.call("+447911123456", rings=2)
    [call] = agent.wait_calls(1)
    wait_for(lambda: agent.store.message(call.message_id).status == "failed", 10, "gave up")
    assert agent.store.message(call.message_id).attempts == 4


def test_garbage_on_the_line_changes_nothing(start_agent):
    agent = start_agent("huawei")
    agent.sim.write(os.urandom(300).replace(b"\r", b"").replace(b"\n", b"") + b"\r\n")
    agent.sim.write(b"\r\n+CLIP: \"broken\r\n\x00\xff\r\n^WEIRD: 1,2\r\n+CMTI: junk\r\n")
    agent.sim.call("+447911123456", rings=2)
    [text] = agent.wait_sent(1)
    assert text.number == "+447911123456"
    assert agent.service.link is not None and agent.service.link.alive


def test_database_busy_from_another_writer_is_waited_out(start_agent):
    agent = start_agent("sim800")
    other = agent.store.conn
    other.execute("BEGIN IMMEDIATE")
    try:
        agent.sim.call("+447911123456", rings=2)
        wait_for(lambda: agent.service.line_worker.tracker.call is None, 5, "call ended at the modem")
    finally:
        other.execute("COMMIT")
    [text] = agent.wait_sent(1, timeout=15)
    assert text.number == "+447911123456"


def fill(conn: sqlite3.Connection, insert: str) -> None:
    try:
        while True:
            conn.execute(insert)
    except sqlite3.OperationalError as full:
        assert "full" in str(full)


def test_full_disk_still_texts_and_records_once_there_is_room(start_agent):
    """Principle 10: the SMS needs no disk. The call waits in memory, its text goes out from there,
    the owner is told, and the record (marked sent) lands once the disk has room: one text, one row."""
    agent = start_agent("sim800")
    conn = agent.service.store.conn
    # SQLITE_FULL for every connection of the agent (max_page_count is per connection)
    others = [store.conn for store in (agent.service.line_store, agent.store)]
    with agent.service.store.lock:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        for other in others:
            other.execute(f"PRAGMA max_page_count = {pages + 2}")
        conn.execute("CREATE TABLE filler (x BLOB)")
        fill(conn, "INSERT INTO filler VALUES (randomblob(200))")
        # every table keeps free room in its own pages: use that up too
        fill(conn, "INSERT INTO calls (raw_number, started_at, ended_at, end_signal, outcome, created_at)"
                   " VALUES ('x', 'x', 'x', 'filler', 'skipped', 'x')")
        fill(conn, "INSERT INTO messages (direction, number, body, kind, status, created_at)"
                   " VALUES ('out', 'x', 'x', 'reply', 'cancelled', 'x')")
    agent.sim.call("+447911123456", rings=2)
    wait_for(lambda: [s for s in agent.sim.sent if s.number == "+447911123456"], 10, "the text sent from memory")
    wait_for(lambda: [s for s in agent.sim.sent if s.number == "+447911000001"], 5, "the owner told")
    assert "full" in [s for s in agent.sim.sent if s.number == "+447911000001"][0].text
    assert agent.service.recorder.holding == 1 and agent.thread.is_alive()
    with agent.service.store.lock:
        for each in [conn, *others]:
            each.execute("PRAGMA max_page_count = 1073741823")
        conn.execute("DROP TABLE filler")
        conn.execute("DELETE FROM calls WHERE end_signal = 'filler'")
        conn.execute("DELETE FROM messages WHERE number = 'x'")
    wait_for(lambda: agent.service.recorder.holding == 0, 5, "the held call written")
    [call] = agent.wait_calls(1)
    assert call.number == "+447911123456" and call.outcome == "texted"
    assert agent.store.message(call.message_id).status == "sent"
    agent.sim.call("+447911222333", rings=2)
    wait_for(lambda: [s for s in agent.sim.sent if s.number == "+447911222333"], 5, "the next caller texted")
    assert [s.number for s in agent.sim.sent].count("+447911123456") == 1


def test_modem_that_refuses_optional_commands_still_texts(start_agent, tmp_path):
    """A modem we have not seen may lack AT+CMGL, AT+CLCC=1, AT+CNMI forms: none of that may stop calls."""
    from agent.simulator import SimulatedModem

    sim = SimulatedModem("silent", ring_interval=0.2, link_path=tmp_path / "modem")
    sim.refuse = {"AT+CMGL=4", "AT+CRC=1", "AT+CMEE=1", "AT+CGMR"} | {f"AT+CNMI=2,1,0,{n},0" for n in (0, 1, 2)}
    sim.start()
    try:
        agent = start_agent(sim=sim, service_options=FAST)
        agent.sim.write(b'\r\n+CMTI: "SM",7\r\n')            # an index it cannot read
        agent.sim.call("+447911123456", rings=3)
        [text] = agent.wait_sent(1, timeout=5)
        assert text.number == "+447911123456" and agent.service.link.alive
    finally:
        sim.stop()


def test_modem_refusing_pdu_mode_never_gets_a_blind_cmgs(start_agent, tmp_path):
    """In text mode AT+CMGS=<n> would text the number <n>: nothing is sent until PDU mode is on."""
    from agent.simulator import SimulatedModem

    sim = SimulatedModem("sim800", ring_interval=0.2, link_path=tmp_path / "modem")
    sim.refuse = {"AT+CMGF=0"}
    sim.start()
    try:
        agent = start_agent(sim=sim, service_options=FAST)
        assert "PDU mode" in agent.store.modem_state()["last_error"]
        agent.sim.call("+447911123456", rings=2)
        agent.wait_calls(1)
        assert not any(c.startswith("AT+CMGS") for c in sim.commands)
        sim.refuse = set()
        [text] = agent.wait_sent(1, timeout=5)
        assert text.number == "+447911123456"
    finally:
        sim.stop()


def test_modem_lost_between_the_parts_of_a_long_text_leaves_it_ambiguous_never_sending(start_agent):
    """A three-part text; right after part 1 is answered the modem stops answering and an SMS
    notice arrives, so the link is lost between two parts (a job or the keep-alive times out, or
    part 2 does). The half-sent text must end ambiguous (it may have reached the phone in part),
    never stay 'sending', and never be sent again once the modem is back."""
    agent = start_agent("sim800", service_options=FAST)
    agent.wait_settled()
    sim = agent.sim

    def go_quiet(part) -> None:
        sim.after_submit = None
        sim.mute = True
        sim.emit('+CMTI: "SM",3')

    sim.after_submit = go_quiet
    now = datetime.now(timezone.utc)
    body = "Thanks for calling the shop. " * 12          # 336 GSM characters: three parts
    message_id = agent.store.queue_text(number="+447911123456", body=body, kind="owner_answer", due_at=now, now=now)
    agent.service.wake()
    wait_for(lambda: len(sim.submitted) >= 1, 10, "part 1 sent")
    wait_for(lambda: agent.store.message(message_id).status not in ("queued", "sending"), 30,
             "the half-sent text resolved")
    sim.mute = False
    wait_for(lambda: agent.store.modem_state().get("online") is True, 30, "modem back")
    assert agent.store.message(message_id).status == "ambiguous"
    later = datetime.now(timezone.utc)
    agent.store.queue_text(number="+447911222333", body="next", kind="owner_answer", due_at=later, now=later)
    agent.service.wake()
    wait_for(lambda: any(p.number == "+447911222333" for p in sim.submitted), 15, "the next text out")
    assert sum(1 for p in sim.submitted if p.number == "+447911123456") == 1     # never resent
