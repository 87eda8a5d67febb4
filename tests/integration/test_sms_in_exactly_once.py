"""Every SMS in, exactly once: the storage +CMTI names, no delete without a read, picture
messages, old SIMs, full SIMs. Real agent, simulator over a pty, assertions on the SIM and SQLite."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from agent.simulator.pdus import deliver_pdu, submit_pdu, wap_push_mms_pdu
from agent.simulator import SimulatedModem
from tests.conftest import wait_for

CALLER = "+447911123456"
OWNER = "+447911000001"


def inbound(agent, number: str) -> list:
    return [m for m in agent.store.messages_for(number) if m.direction == "in"]


def drained(agent) -> None:
    wait_for(lambda: agent.store.queue_length() == 0 and agent.service.line_worker.idle(), 10, "the queue drained")


def sim_is_empty(sim: SimulatedModem) -> bool:
    return all(not entries for entries in sim.storages.values())


def test_stop_stored_in_mem3_is_honoured_and_the_sim_emptied(start_agent, tmp_path):
    """A Cinterion MC75i reads in "ME" and stores new messages in "SM", and will not move them:
    +CMTI names "SM", so the box reads "SM" there (27.005 §3.2.2)."""
    sim = SimulatedModem("cinterion", ring_interval=0.2, link_path=tmp_path / "modem").start()
    try:
        agent = start_agent(sim=sim)
        sim.call(CALLER, rings=2)
        agent.wait_sent(1)
        sim.receive_sms(CALLER, "STOP")
        wait_for(lambda: agent.store.is_opted_out(CALLER), 10, "the STOP honoured")
        wait_for(lambda: sim_is_empty(sim), 10, "the SIM emptied")
        sim.call(CALLER, rings=2)
        agent.wait_calls(2)
        drained(agent)
        texts = [t for t in sim.sent if t.number == CALLER]
        assert len(texts) == 2 and "won't get any more" in texts[1].text      # the text, then STOP's confirmation
        assert [c.skip_reason for c in agent.calls()][0] == "opted_out"
    finally:
        sim.stop()


def test_sms_arriving_during_a_stalled_command_is_read_and_relayed_never_deleted_unread(start_agent):
    agent = start_agent("quectel", service_options={"ping_every": 1.0})
    agent.sim.stall("AT+CLIP?", 7.0)            # vendors document time-outs of up to 180 s for some commands
    wait_for(lambda: "AT+CLIP?" in agent.sim.commands, 5, "the stalled keep-alive under way")
    agent.sim.receive_sms(CALLER, "Can you fix a cracked screen today?")
    wait_for(lambda: inbound(agent, CALLER), 30, "the SMS read and stored")
    wait_for(lambda: sim_is_empty(agent.sim), 10, "deleted after it was stored")
    [message] = inbound(agent, CALLER)
    assert message.body == "Can you fix a cracked screen today?"
    drained(agent)
    relays = [t for t in agent.sim.sent if t.number == OWNER]
    assert len(relays) == 1 and "cracked screen" in relays[0].text


def test_empty_read_answered_with_a_bare_ok_deletes_nothing(start_agent):
    """Huawei and Quectel answer AT+CMGR of an empty index with a bare OK: never a reason to delete."""
    agent = start_agent("huawei")
    agent.sim.write(b'\r\n+CMTI: "SM",9\r\n')
    wait_for(lambda: "AT+CMGR=9" in agent.sim.commands, 5, "the index read")
    drained(agent)
    assert "AT+CMGD=9" not in agent.sim.commands


def test_picture_reply_is_a_picture_message_and_no_binary_is_relayed(start_agent):
    agent = start_agent("sim800")
    agent.sim.call(CALLER, rings=2)
    agent.wait_sent(1)
    for pdu in wap_push_mms_pdu(CALLER, "http://mms.example.net/mms/wapenc?T=mavodi-7-13b-1e4",
                                sent_at=datetime.now(timezone.utc)):
        agent.sim.receive_pdu(pdu)
    wait_for(lambda: inbound(agent, CALLER), 10, "the picture message stored")
    wait_for(lambda: sim_is_empty(agent.sim), 10, "the SIM emptied")
    drained(agent)
    [message] = inbound(agent, CALLER)
    assert message.kind == "mms" and "picture message" in message.body
    [relay] = [t for t in agent.sim.sent if t.number == OWNER]
    assert "picture message" in relay.text
    assert all(ch.isprintable() or ch == "\n" for ch in relay.text) and "http" not in relay.text and "TYPE=PLMN" not in relay.text


def test_old_sims_inbox_is_history_and_nothing_is_sent(start_agent, tmp_path):
    """A SIM moved from the shop's old phone: read messages from 14 months ago ("Help", "Stop") and
    the old phone's drafts. Kept as history; no HELP answer, no relay, no confirmation; the old
    STOP still opts its number out (a STOP is never ignored, however late it is read)."""
    sim = SimulatedModem("sim800", ring_interval=0.2, link_path=tmp_path / "modem")
    old = datetime.now(timezone.utc) - timedelta(days=425)
    sim.preload(deliver_pdu("+447911555001", "Help", sent_at=old), stat=1)
    sim.preload(deliver_pdu("+447911555002", "Stop", sent_at=old + timedelta(hours=2)), stat=1)
    sim.preload(deliver_pdu("+447911555003", "Are you open Sunday?", sent_at=old), stat=0)
    sim.preload(submit_pdu("+447911555004", "See you at 3"), stat=3)
    sim.preload(submit_pdu("+447911555005", "Draft never sent"), stat=2)
    sim.start()
    try:
        agent = start_agent(sim=sim)
        wait_for(lambda: sim_is_empty(sim), 10, "the SIM emptied into the database")
        drained(agent)
        assert sim.sent == []
        assert agent.store.is_opted_out("+447911555002") and not agent.store.is_opted_out("+447911555001")
        for number in ("+447911555001", "+447911555002", "+447911555003"):
            [message] = inbound(agent, number)
            assert message.kind == "history" and message.relay is None
        assert agent.store.sim_history_count() == 5
        agent.sim.receive_sms(CALLER, "Stop")              # a new STOP still counts
        wait_for(lambda: agent.store.is_opted_out(CALLER), 10, "a new STOP honoured")
    finally:
        sim.stop()


def test_full_sim_is_freed_and_the_held_stop_then_honoured(start_agent, tmp_path):
    """All 30 slots hold the old phone's sent messages; the network holds new SMS until there is
    room. The box keeps them as history, frees the slots, and the STOP arrives and is honoured."""
    sim = SimulatedModem("quectel", ring_interval=0.2, link_path=tmp_path / "modem")
    for n in range(sim.capacity["SM"]):
        sim.preload(submit_pdu(f"+4479115550{n:02d}", f"old sent message {n}"), stat=3)
    sim.start()
    try:
        sim.receive_sms(CALLER, "STOP")       # before the box is up: the network holds it
        assert sim.held
        agent = start_agent(sim=sim)
        wait_for(lambda: agent.store.is_opted_out(CALLER), 20, "the held STOP delivered and honoured")
        wait_for(lambda: sim_is_empty(sim), 10, "the SIM emptied")
        assert agent.store.sim_history_count() == 30
        assert not sim.held
    finally:
        sim.stop()
