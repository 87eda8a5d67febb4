"""SMS arriving as real modems and networks hand them over: storages other than the one the box set,
direct delivery (+CMT), status reports (+CDS / +CDSI "SR"), mixed +CMGL listings, read errors,
multipart messages out of order, UCS-2 split between parts, flash texts, carrier senders, STOP
spellings and a STOP the network held back. Real agent, simulator over a pty, assertions on what
the modem was sent (decoded from the PDU) and what SQLite holds. Each test names where the modem
or network behaviour it plays comes from.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agent.simulator import SimulatedModem
from agent.simulator.pdus import deliver_pdu, deliver_pdus, submit_pdu, tpdu_length
from agent.sms.pdu import encode_status_report
from tests.conftest import holds_within, wait_for

CALLER = "+447911123456"
OTHER = "+447911222333"
NEIGHBOUR = "+447911444555"
OWNER = "+447911000001"          # [owner] phone in tests/conftest.py
OPT_OUT_CONFIRMATION = "won't get any more"


# ---- helpers -----------------------------------------------------------------------------------

def texts_to(sim: SimulatedModem, number: str) -> list:
    return [sms for sms in sim.sent if sms.number == number]


def missed_call_texts(sim: SimulatedModem, number: str) -> list:
    """Texts to `number` other than the one STOP confirmation."""
    return [sms for sms in texts_to(sim, number) if OPT_OUT_CONFIRMATION not in sms.text]


def inbound(agent, number: str) -> list:
    return [m for m in agent.store.messages_for(number) if m.direction == "in"]


def drained(agent, timeout: float = 10) -> None:
    wait_for(lambda: agent.store.queue_length() == 0 and agent.service.line_worker.idle(), timeout,
             "the queue drained")


def sim_is_empty(sim: SimulatedModem) -> bool:
    return all(not entries for entries in sim.storages.values())


def eventually(predicate, timeout: float) -> bool:
    """True as soon as `predicate` holds, False once `timeout` s passed without it (no exception:
    the test goes on to show what the late answer costs)."""
    return bool(holds_within(predicate, timeout))


def call_after_stop(agent, number: str = CALLER) -> None:
    """The customer who sent STOP rings a few seconds later; the call is decided and the queue empty."""
    calls = len(agent.calls())
    agent.sim.call(number, rings=2)
    agent.wait_calls(calls + 1, timeout=10)
    drained(agent)


# ---- a STOP the network held back --------------------------------------------------------------

def honoured_before_next_call(agent, sim: SimulatedModem, seconds: float = 5) -> tuple[bool, list[str]]:
    """Whether the STOP was honoured within `seconds`, then the caller rings: the texts they got."""
    honoured = eventually(lambda: agent.store.is_opted_out(CALLER), seconds)
    call_after_stop(agent)
    return honoured, [t.text[:40] for t in missed_call_texts(sim, CALLER)]


def test_stop_the_network_held_for_thirty_hours_is_still_honoured(start_agent):
    """The SMSC keeps a message it could not deliver and retries: for up to 72 h while the phone is
    off or out of coverage (rogers.com "Receiving text messages ... if phone is off": "stored for
    delivery for up to 3 days"), for the whole validity period while the SIM is full ("Mobile
    Memory Capacity Exceeded ... the SMSC will continually retry", smsitaly.com/eng/smsdelays.asp).
    The message keeps the time the SMSC first received it (TP-SCTS, 23.040 §9.2.3.11). So a STOP
    sent on Saturday reaches a box that was off (or full) until Sunday evening announced by +CMTI,
    stamped 30 h ago. It is a new message to the box, and a STOP: nothing may follow it."""
    agent = start_agent("quectel")
    agent.wait_settled()
    agent.sim.receive_sms(CALLER, "STOP", at=datetime.now(timezone.utc) - timedelta(hours=30))
    wait_for(lambda: inbound(agent, CALLER), 10, "the STOP read and stored")
    honoured = eventually(lambda: agent.store.is_opted_out(CALLER), 3)
    call_after_stop(agent)
    sent = [t.text[:40] for t in missed_call_texts(agent.sim, CALLER)]
    kind = inbound(agent, CALLER)[0].kind.value
    assert honoured and not sent, f"a STOP delivered now, stamped 30 h ago, stored as {kind!r}; texted after: {sent}"


# ---- messages the box hears of late, or never ----------------------------------------------------

class Mc75iNewMessageIndications(SimulatedModem):
    """Cinterion MC75i: AT+CNMI=? answers (0-3),(0,1),(0,2,3),(0,2),(1) and anything else is
    +CMS ERROR: 538 (gammu/gammu#1206: "AT+CNMI=2,1,0,2,0...+CMS ERROR:538", while "AT+CNMI=2,1,0,2"
    and "AT+CNMI=2,1,0,2,1" are OK; gammu/gammu#1207 "only accepts 1 for the fifth CNMI parameter")."""

    ALLOWED = (range(0, 4), (0, 1), (0, 2, 3), (0, 2), (1,))

    def _cnmi(self, upper: str) -> None:
        if upper == "AT+CNMI=?":
            return self._ok("+CNMI: (0-3),(0,1),(0,2,3),(0,2),(1)")
        if upper.startswith("AT+CNMI="):
            values = upper.split("=", 1)[1].split(",")
            if len(values) > 5 or not all(v.strip().isdigit() for v in values) or \
                    any(int(v) not in self.ALLOWED[i] for i, v in enumerate(values)):
                return self.emit("+CMS ERROR: 538")
            numbers = [int(v) for v in values]
            self.state.cnmi = tuple(numbers + [0, 0, 0, 0, 1][len(numbers):])   # type: ignore[assignment]
            return self._ok()
        return super()._cnmi(upper)


def test_stop_on_a_modem_that_takes_only_its_own_cnmi_forms_is_read_at_once(start_agent, tmp_path):
    """On the MC75i every AT+CNMI form the box tries (…,0 as the fifth value, or <ds> 1) is refused,
    so new messages are stored without a +CMTI (the modem keeps its power-up setting, played here
    as 0,0,0,0,1: <mt> 0, no SMS-DELIVER indication routed to the TE, 27.005 §3.4.1; bfr 1, the only
    value it takes). A STOP then waits for the minute's sweep; a call from that customer meanwhile
    is texted."""
    sim = Mc75iNewMessageIndications("cinterion", ring_interval=0.2, link_path=tmp_path / "modem")
    sim.state.cnmi = (0, 0, 0, 0, 1)
    sim.start()
    try:
        agent = start_agent(sim=sim)
        agent.wait_settled()
        sim.receive_sms(CALLER, "STOP")
        honoured, sent = honoured_before_next_call(agent, sim)
        cnmi = [c for c in sim.commands if c.upper().startswith("AT+CNMI=")]
        assert honoured and not sent, f"STOP unread after 5 s, no +CMTI (CNMI tried: {cnmi}); texted after: {sent}"
    finally:
        sim.stop()


class FailsReadsFor(SimulatedModem):
    """Answers the next `failures` AT+CMGR with +CMS ERROR: 500 (unknown error), as the trace in
    pkot/gnokii#1 shows ("AT+CMGR=11 ... +CMS ERROR: 500") and gammu/gammu#438 reports."""

    failures = 0

    def _cmgr(self, upper: str) -> None:
        if self.failures:
            self.failures -= 1
            return self.emit("+CMS ERROR: 500")
        return super()._cmgr(upper)


def test_stop_whose_first_read_fails_with_cms_500_is_read_again_soon(start_agent, tmp_path):
    """+CMS ERROR: 500 is the modem's "unknown error", transient by nature (docs/modems.md lists it
    as one to retry on send). A +CMTI whose AT+CMGR meets it once must be read again within
    seconds, not at the next minute's sweep: the STOP waits there while its sender is texted."""
    sim = FailsReadsFor("sim800", ring_interval=0.2, link_path=tmp_path / "modem").start()
    try:
        agent = start_agent(sim=sim)
        agent.wait_settled()
        sim.failures = 1
        sim.receive_sms(CALLER, "STOP")
        wait_for(lambda: any(c.upper().startswith("AT+CMGR=") for c in sim.commands), 5, "the STOP's read tried")
        honoured, sent = honoured_before_next_call(agent, sim)
        reads = [c for c in sim.commands if c.upper().startswith("AT+CMGR=")]
        assert honoured and not sent, f"STOP unread 5 s after +CMS ERROR: 500 (reads: {reads}); texted after: {sent}"
    finally:
        sim.stop()


class BusySimForTheFirstListing(SimulatedModem):
    """The first AT+CMGL is answered +CMS ERROR: 314 (SIM busy, 27.005 §3.2.5): the SIM is still
    starting after power-on (u-blox/ubxlib#287, a SARA-R422S: "+CME ERROR: SIM busy" to the first
    commands; faucamp/python-gsmmodem#10: SIM busy for about 10 s after start)."""

    busy_listings = 1

    def _cmgl(self, upper: str) -> None:
        if self.busy_listings and not upper.endswith("=?"):
            self.busy_listings -= 1
            return self.emit("+CMS ERROR: 314")
        return super()._cmgl(upper)


def test_stop_waiting_on_the_sim_when_the_first_listing_meets_sim_busy_is_read_soon(start_agent, tmp_path):
    """The box restarts (an update, a power blip) while a customer's STOP sits unread on the SIM.
    u-blox prints no "SMS Ready"-style line to say the SIM is ready, so nothing but the box's own
    retry reads it: that must come within seconds, before the customer's next call is texted."""
    sim = BusySimForTheFirstListing("ublox", ring_interval=0.2, link_path=tmp_path / "modem")
    sim.preload(deliver_pdu(CALLER, "STOP", sent_at=datetime.now(timezone.utc) - timedelta(minutes=3)), stat=0)
    sim.start()
    try:
        agent = start_agent(sim=sim)
        agent.wait_settled()
        honoured, sent = honoured_before_next_call(agent, sim)
        listings = [c for c in sim.commands if c.upper().startswith("AT+CMGL")]
        assert honoured and not sent, f"STOP on the SIM unread 5 s after start-up ({listings}); texted after: {sent}"
    finally:
        sim.stop()


# ---- storages: +CMTI / +CDSI name one other than the box set -----------------------------------

@pytest.mark.parametrize("storage", ["ME", "MT"])
def test_cmti_naming_another_storage_with_the_same_index_reads_and_deletes_each_where_it_is(
        start_agent, tmp_path, storage):
    """+CMTI: <mem>,<index> names the storage the message went to (27.005 §3.4.1), which need not
    be the one the box chose: a Siemens MC35i lists "MT" (ME and SM together) for <mem3>
    (gammu/gammu#97: +CPMS: ("MT","SM","ME"),("MT","SM","ME"),("MT","SM")), and "+CMTI: "ME",n"
    is what many firmwares print. Two messages at index 1, one in "SM", one in the other storage:
    each read, stored and deleted where it is. Checked sound."""
    sim = SimulatedModem("quectel", ring_interval=0.2, link_path=tmp_path / "modem",
                         capacity=(("SM", 30), ("ME", 25), ("MT", 55)))
    sim.start()
    try:
        agent = start_agent(sim=sim)
        agent.wait_settled()
        assert sim.cpms == ["SM", "SM", "SM"]
        sim.receive_sms(OTHER, "Are you open on Sunday?")      # "SM",1
        sim.cpms[2] = storage                                   # the firmware keeps the next one elsewhere
        [index] = sim.receive_sms(CALLER, "STOP")
        assert index == 1
        wait_for(lambda: agent.store.is_opted_out(CALLER), 10, "the STOP honoured")
        wait_for(lambda: texts_to(sim, OWNER), 10, "the Sunday question relayed")
        wait_for(lambda: sim_is_empty(sim), 10, "both storages emptied")
        drained(agent)
        assert [m.body for m in inbound(agent, OTHER)] == ["Are you open on Sunday?"]
        assert [m.body for m in inbound(agent, CALLER)] == ["STOP"]
        assert len(texts_to(sim, CALLER)) == 1 and len(texts_to(sim, OWNER)) == 1
        assert f'AT+CPMS="{storage}"' in sim.commands and sim.commands.count("AT+CMGD=1") == 2
    finally:
        sim.stop()


class CountsFromZero(SimulatedModem):
    """Numbers stored messages from 0 (Quectel BG96: ARMmbed/mbed-os#11249 "indexing messages
    starting at 0"; gammu/gammu#408 trace: +CDSI: "SR",0), answers an empty index with a bare OK
    (Quectel, MODEMS.md)."""

    def _free_index(self, mem: str) -> int | None:
        store = self.storages.get(mem)
        if store is None:
            return None
        return next((i for i in range(self.capacity.get(mem, 0)) if i not in store), None)

    def _cmgr(self, upper: str) -> None:
        index = self._index(upper.split("=", 1)[1])
        mem = self.cpms[0]
        if index is None or not 0 <= index < self.capacity.get(mem, 0):
            return self.emit("+CMS ERROR: 321")
        if index not in self.storages[mem]:
            return self._ok()
        fields, second = self._listing(mem, index)
        self._mark_read(mem, index)
        self._ok(f"+CMGR: {fields}\r\n{second}")

    def _cmgd(self, upper: str) -> None:
        values = [v.strip() for v in upper.split("=", 1)[1].split(",")]
        if len(values) == 1 and values[0] == "0":
            mem = self.cpms[0]
            if self.storages[mem].pop(0, None) is not None:
                self.stats.get(mem, {}).pop(0, None)
                self._after.append(self._memory_freed)
            return self._ok()
        return super()._cmgd(upper)


def test_status_report_announced_cdsi_sr_0_marks_the_text_delivered_and_empties_sr(start_agent, tmp_path):
    """A modem without <ds> 1 (the MC75i lists only (0,2): gammu/gammu#1206) stores status reports
    and says +CDSI: "SR",0 (gammu/gammu#408 trace, index 0). The box reads "SR" at index 0, marks
    its text delivered, deletes the report there, and goes back to "SM" for the next +CMTI: "SM",0.
    Checked sound."""
    sim = CountsFromZero("quectel", ring_interval=0.2, link_path=tmp_path / "modem",
                         capacity=(("SM", 30), ("ME", 25), ("SR", 20)))
    sim.refuse = {"AT+CNMI=2,1,0,1,0"}
    sim.start()
    try:
        agent = start_agent(sim=sim)
        agent.wait_settled()
        sim.call(CALLER, rings=2)
        agent.wait_sent(1)
        [call] = agent.wait_calls(1)
        wait_for(lambda: agent.store.message(call.message_id).status == "sent", 5, "the text marked sent")
        report = encode_status_report(sim.reference, CALLER, 0, datetime.now(timezone.utc))
        sim.storages["SR"][0] = report
        sim.stats["SR"][0] = 0
        sim.emit('+CDSI: "SR",0')
        wait_for(lambda: agent.store.message(call.message_id).status == "delivered", 10, "the text marked delivered")
        wait_for(lambda: not sim.storages["SR"], 5, "the report deleted from SR")
        [index] = sim.receive_sms(CALLER, "Thanks, see you at 3")      # "SM",0
        assert index == 0
        wait_for(lambda: len(inbound(agent, CALLER)) == 1, 10, "the reply read from SM index 0")
        wait_for(lambda: sim_is_empty(sim), 5, "SM emptied")
        assert "AT+CNMI=2,1,0,2,0" in sim.commands and 'AT+CPMS="SR"' in sim.commands
        assert sim.commands.count("AT+CMGR=0") == 2 and sim.commands.count("AT+CMGD=0") == 2
    finally:
        sim.stop()


def test_mixed_listing_at_start_up_with_a_status_report_drafts_and_read_texts(start_agent):
    """What AT+CMGL=4 lists on a SIM that was left a while: an unread reply (stat 0), a reply read
    by someone's minicom (stat 1), the old phone's draft and sent text (stat 2, 3), and a status
    report for the box's own text kept with the texts (27.005 §3.4.1 <ds> 2: "stored into ME/TA";
    gammu/gammu#209, a ZTE MF626 whose delivery report is looked for with AT+CMGL=4 in its one
    memory). The report marks the text delivered; both replies are relayed; drafts are history;
    nothing is texted to the draft's numbers. Checked sound."""
    first = start_agent("huawei")
    first.wait_settled()
    first.sim.call(CALLER, rings=2)
    first.wait_sent(1)
    [call] = first.wait_calls(1)
    wait_for(lambda: first.store.message(call.message_id).status == "sent", 5, "the text marked sent")
    reference = first.sim.reference
    first.stop()
    sim = first.sim
    now = datetime.now(timezone.utc)
    sim.preload(deliver_pdu(OTHER, "Can I bring the car in Monday?", sent_at=now - timedelta(minutes=5)), stat=0)
    sim.preload(encode_status_report(reference, CALLER, 0, now - timedelta(minutes=4)), stat=0)
    sim.preload(submit_pdu("+447911555001", "Draft: quote for the roof"), stat=2)
    sim.preload(deliver_pdu(NEIGHBOUR, "Thanks for fixing the gate", sent_at=now - timedelta(minutes=3)), stat=1)
    sim.preload(submit_pdu("+447911555002", "Sent from the old phone"), stat=3)
    again = start_agent(sim=sim)
    wait_for(lambda: sim_is_empty(sim), 10, "the SIM emptied")
    wait_for(lambda: again.store.message(call.message_id).status == "delivered", 5, "the text marked delivered")
    drained(again)
    relays = texts_to(sim, OWNER)
    assert len(relays) == 2 and any("Monday" in r.text for r in relays) and any("gate" in r.text for r in relays)
    assert texts_to(sim, "+447911555001") == [] and texts_to(sim, "+447911555002") == []
    assert again.store.sim_history_count() == 2
    assert len(texts_to(sim, CALLER)) == 1


# ---- direct delivery -----------------------------------------------------------------------------

def test_flash_stop_delivered_by_cmt_with_its_smsc_during_a_send(start_agent):
    """27.005 §3.4.1 table: with <mt> 2 a class 0 (flash) SMS-DELIVER is routed to the TE as
    "+CMT: [<alpha>],<length><CR><LF><pdu>" and not stored (Telit ML865 manual, the same form with
    an empty <alpha>: +CMT: "",<length>); the PDU starts with the SMSC address as networks send it
    (faucamp/python-gsmmodem#44: "0791198904..."). It comes while a text to another caller waits
    for its +CMGS. The STOP counts, the send is not disturbed, nothing is read or deleted on the SIM.
    Checked sound."""
    agent = start_agent("sim800")
    agent.wait_settled()
    agent.sim.cmgs_delay = 1.0
    agent.sim.call(OTHER, rings=2)
    wait_for(lambda: agent.sim.cmgs_times, 10, "the text to the other caller under way")
    pdu = "0791447758100650" + deliver_pdu(CALLER, "STOP", sent_at=datetime.now(timezone.utc), flash=True)[2:]
    agent.sim.write(f'\r\n+CMT: "",{tpdu_length(pdu)}\r\n{pdu}\r\n'.encode())
    wait_for(lambda: agent.store.is_opted_out(CALLER), 10, "the flash STOP honoured")
    drained(agent)
    call_after_stop(agent)
    assert len(texts_to(agent.sim, OTHER)) == 1
    assert [t.text for t in texts_to(agent.sim, CALLER)] and missed_call_texts(agent.sim, CALLER) == []
    assert not [c for c in agent.sim.commands if c.upper().startswith(("AT+CMGR", "AT+CMGD"))]


# ---- bodies --------------------------------------------------------------------------------------

def test_emoji_split_between_two_ucs2_parts_arrives_whole(start_agent):
    """Senders do cut a UTF-16 surrogate pair between the parts of a long UCS-2 text: gammu's
    splitter did (gammu/gammu#95, "it would happily split a UTF-16 surrogate pair in the middle",
    seen between AT&T and T-Mobile), and oFono joins the parts' UCS-2 before decoding for exactly
    this (rilmodem/ofono#77 "properly handle split surrogate pairs in concatenated SMSes"). Part 1
    ends with the high half of 🙏 (U+1F64F), part 2 starts with the low half: the reply is stored and
    relayed with the emoji, not two U+FFFD."""
    agent = start_agent("sim800")
    agent.wait_settled()
    now = datetime.now(timezone.utc)
    first, second = "Can you fit us in on Friday? \ud83d", "\ude4f Thanks, Jo"
    for seq, text in ((1, first), (2, second)):
        agent.sim.receive_pdu(deliver_pdu(CALLER, text, sent_at=now, encoding="ucs2", concat=(0x4C, 2, seq)))
    [relay] = wait_for(lambda: texts_to(agent.sim, OWNER), 10, "the reply relayed")
    [message] = inbound(agent, CALLER)
    assert message.body == "Can you fit us in on Friday? \U0001F64F Thanks, Jo", ascii(message.body)
    assert "\U0001F64F" in relay.text and "\ufffd" not in relay.text


def test_parts_out_of_order_and_twice_make_one_message_and_one_relay(start_agent):
    """23.040 §9.2.3.24.1: parts carry reference, total and sequence and may arrive in any order;
    networks deliver a part twice (an RP-ACK lost: MddIdd/mdd-sim-gateway#84, gammu/gammu#217
    "the same SMS received twice"). Three parts arrive 3, 1, 3, 2, and 2 again after the message
    was joined: one message, whole, relayed once. Checked sound."""
    agent = start_agent("sim800")
    agent.wait_settled()
    text = ("Hi, it's Alex from number 12. The boiler is making a banging noise again when the heating "
            "comes on in the morning, and the pressure gauge drops below one bar by the evening. "
            "Could someone come round this week? I'm in on Tuesday and Thursday after two, or any "
            "time Friday. The side gate is open, the boiler is in the garage. Thanks very much!")
    parts = deliver_pdus(CALLER, text, sent_at=datetime.now(timezone.utc), ref=0x21)
    assert len(parts) == 3
    for pdu in (parts[2], parts[0], parts[2], parts[1]):
        agent.sim.receive_pdu(pdu)
    wait_for(lambda: texts_to(agent.sim, OWNER), 10, "the reply relayed")
    agent.sim.receive_pdu(parts[1])
    wait_for(lambda: sim_is_empty(agent.sim), 10, "the SIM emptied")
    drained(agent)
    [message] = inbound(agent, CALLER)
    assert message.body == text and message.parts == 3
    assert len(texts_to(agent.sim, OWNER)) == 1


# ---- who is answered ------------------------------------------------------------------------------

def test_alphanumeric_and_short_code_senders_are_never_texted(start_agent):
    """Networks text from names ("Vodafone": TP-OA type of number 101 alphanumeric, 23.040
    §9.1.2.5) and short codes; their texts say "Reply STOP", "HELP" and the like, and may be UCS-2.
    docs/conversations.md: stored, never forwarded, never answered, never a STOP. The owner's
    "R <id> …" to one of them is refused too. Nothing may reach the modem for them. Checked sound."""
    agent = start_agent("sim800")
    agent.wait_settled()
    now = datetime.now(timezone.utc)
    for sender, body in (("Vodafone", "HELP"), ("Vodafone", "STOP"),
                         ("Vodafone", "Your 5GB bundle is ready \U0001F389 Reply YES to add it, STOP to end"),
                         ("VodafoneUK", "Welcome to roaming. Reply INFO for rates"), ("40506", "HELP")):
        agent.sim.receive_pdu(deliver_pdu(sender, body, sent_at=now))
    wait_for(lambda: sim_is_empty(agent.sim) and len(agent.store.messages_for("Vodafone")) == 3, 10,
             "the carrier texts stored")
    drained(agent)
    assert agent.sim.submitted == []
    carrier_id = agent.store.messages_for("Vodafone")[0].id
    agent.sim.receive_sms(OWNER, f"R {carrier_id} yes please")
    wait_for(lambda: texts_to(agent.sim, OWNER), 10, "the owner told the message is not a customer's")
    drained(agent)
    assert {sms.number for sms in agent.sim.submitted} == {OWNER}
    assert not agent.store.is_opted_out("Vodafone")
    kinds = {m.kind for number in ("Vodafone", "VodafoneUK", "40506") for m in agent.store.messages_for(number)}
    assert kinds == {"carrier"}


@pytest.mark.parametrize("words", ["stop!!!", "STOP \U0001F6D1", "  Unsubscribe.\n"])
def test_stop_spellings_as_phones_send_them(start_agent, words):
    """docs/conversations.md: case, punctuation, emoji and spacing are ignored when the keyword is
    the whole message. An emoji makes the phone send UCS-2 (23.038 §5); a trailing newline is what
    a keyboard's send-on-enter leaves. One confirmation, then nothing. Checked sound."""
    agent = start_agent("sim800", rules={"dedup_hours": 0})
    agent.wait_settled()
    agent.sim.receive_sms(CALLER, words)
    wait_for(lambda: agent.store.is_opted_out(CALLER), 10, f"{words!r} honoured")
    call_after_stop(agent)
    assert [OPT_OUT_CONFIRMATION in t.text for t in texts_to(agent.sim, CALLER)] == [True]


def test_stop_inside_a_sentence_is_an_ordinary_reply_as_the_docs_say(start_agent):
    """docs/conversations.md: "A word inside a longer message ("Don't stop the repair!", "Can you end
    at 5?") is an ordinary reply and is forwarded to you." "Stop." inside a sentence: relayed, not an
    opt-out, no confirmation. Checked sound."""
    agent = start_agent("sim800")
    agent.wait_settled()
    agent.sim.receive_sms(CALLER, "The kitchen tap won't stop. Can someone come today?")
    [relay] = wait_for(lambda: texts_to(agent.sim, OWNER), 10, "the reply relayed")
    drained(agent)
    assert "won't stop" in relay.text
    assert not agent.store.is_opted_out(CALLER) and texts_to(agent.sim, CALLER) == []


@pytest.mark.parametrize("words", ["Stop texting me", "STOP. Don't text me again", "Please stop sending me messages"])
def test_a_plain_request_to_stop_texting_is_honoured(start_agent, words):
    """docs/conversations.md promises "any reasonable way of saying stop is honoured", after the FCC
    rule: 47 CFR 64.1200(a)(10) lists the reply words (stop, quit, end, revoke, opt out, cancel,
    unsubscribe) and "if different wording or phraseology is used in a reply text, it must still be
    honored if a 'reasonable person' would interpret it as a desire to revoke consent"
    (compliancepoint.com, "FCC's Consent Revocation Rule: Language Analysis"; Federal Register
    2024-04587). A message that opens with STOP and says what to stop is such a request; the same
    docs read only a bare keyword, so these are relayed and the sender is texted again."""
    agent = start_agent("sim800", rules={"dedup_hours": 0})
    agent.wait_settled()
    agent.sim.receive_sms(CALLER, words)
    wait_for(lambda: inbound(agent, CALLER), 10, "the reply stored")
    honoured = eventually(lambda: agent.store.is_opted_out(CALLER), 3)
    call_after_stop(agent)
    sent = [t.text[:40] for t in missed_call_texts(agent.sim, CALLER)]
    kind = inbound(agent, CALLER)[0].kind.value
    assert honoured and not sent, f"{words!r} stored as {kind!r}, not an opt-out; texted after: {sent}"
    # in plain words, so the owner sees it (a wrong reading would silence a customer unseen)
    [relay] = wait_for(lambda: texts_to(agent.sim, OWNER), 10, "the plain-words STOP relayed")
    assert relay.text.startswith("OPTED OUT: ") and words.split()[-1] in relay.text


def test_a_bare_stop_is_not_relayed_to_the_owner(start_agent):
    """A bare keyword is unambiguous: opted out and confirmed, and the owner's phone is not
    bothered with it (the Opt-outs page lists it)."""
    agent = start_agent("sim800")
    agent.wait_settled()
    agent.sim.receive_sms(CALLER, "Stop")
    wait_for(lambda: agent.store.is_opted_out(CALLER), 10, "opted out")
    wait_for(lambda: texts_to(agent.sim, CALLER), 10, "the confirmation")
    drained(agent)
    assert texts_to(agent.sim, OWNER) == []
