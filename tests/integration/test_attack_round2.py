"""Attacks on the typed store, the migrations, paging, the SIM's forwarding answers, forwarded and
twin-SIM calls and the CSV, with what real modems, networks, spreadsheets and SQLite databases do.
Five of them found bugs (triggers and views lost or blocking the rebuild, cursors past 64 bits or
with non-ASCII digits, a forwarded notice given to the wrong call); they pass since the fixes."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from agent.modem import inspection
from agent.modem.inspection import Reason
from agent.modem.modem import Modem
from agent.modem.urc import parse_urc
from agent.rules.call_tracker import CallTracker
from agent.simulator import SimulatedModem
from agent.store import Store
from agent.store.schema import MIGRATIONS, SCHEMA_VERSION, _statements
from agent.tools.export import spreadsheet_safe
from tests.web.conftest import NOW, add_call, add_inbound, app, client, clock, owner, store  # noqa: F401
from tests.integration.test_doctor_forwarding import modem_on

# ---- helpers -----------------------------------------------------------------------------------




def database_at(path, version: int) -> sqlite3.Connection:
    """A database as an older TextBack left it: migrations 1..version, nothing after."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for number in range(version):
        for statement in _statements(MIGRATIONS[number][1]):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


def old_rows(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO calls (id, number, raw_number, toa, started_at, ended_at, rings, end_signal, outcome,"
                 " created_at) VALUES (1, '+447911123456', '07911123456', 129, '2025-01-01T10:00:00Z',"
                 " '2025-01-01T10:00:20Z', 3, 'NO CARRIER', 'texted', '2025-01-01T10:00:20Z')")
    conn.execute("INSERT INTO messages (id, direction, number, body, kind, status, call_id, created_at)"
                 " VALUES (1, 'out', '+447911123456', ?, 'missed_open', 'sent', 1, '2025-01-01T10:00:21Z')",
                 ("x" * 200_000,))


# ---- 1. migrations -----------------------------------------------------------------------------


def test_schema_3_database_with_a_huge_body_and_an_extra_index_migrates_keeping_both(tmp_path):
    """A database at schema 3 (before migration 5's rebuild) with a 200 kB body and an index the
    owner added by hand: SQLite's rebuild procedure (sqlite.org/lang_altertable.html §7, step 8)
    makes the indexes again. Checked sound: both survive, with the WAL file present."""
    path = tmp_path / "old.db"
    conn = database_at(path, 3)
    old_rows(conn)
    conn.execute("CREATE INDEX my_calls_by_rings ON calls (rings)")
    conn.close()
    store = Store.open(path)
    try:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert len(store.conn.execute("SELECT body FROM messages WHERE id = 1").fetchone()[0]) == 200_000
        names = {row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"my_calls_by_rings", "calls_by_time", "messages_due", "messages_by_reply_to"} <= names
    finally:
        store.close()


def test_a_trigger_on_messages_survives_the_rebuild(tmp_path):
    """SQLite's own procedure for a table rebuild (sqlite.org/lang_altertable.html §7, step 8: "Use
    CREATE INDEX, CREATE TRIGGER, and CREATE VIEW to reconstruct indexes, triggers, and views
    associated with table X"), which checks.py says it follows. schema.migrate saves only the
    indexes (type = 'index'): a trigger someone added (an audit log, a sync hook) vanishes silently."""
    path = tmp_path / "old.db"
    conn = database_at(path, 3)
    conn.execute("CREATE TABLE audit (message_id INTEGER)")
    conn.execute("CREATE TRIGGER audit_messages AFTER INSERT ON messages BEGIN"
                 " INSERT INTO audit VALUES (new.id); END")
    conn.close()
    store = Store.open(path)
    try:
        triggers = [row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
        assert triggers == ["audit_messages"]
    finally:
        store.close()


def test_a_view_over_messages_does_not_stop_the_migration(tmp_path):
    """Since SQLite 3.26 (legacy_alter_table off) ALTER TABLE ... RENAME re-checks every view; a
    view naming `messages` breaks once the old table is dropped (sqlite.org/lang_altertable.html,
    "Compatibility Note" and §7 step 8: views are to be dropped and made again). A database with
    a reporting view the owner made (e.g. for a spreadsheet link) must still migrate, or at the
    least refuse with a clear message naming the view."""
    path = tmp_path / "old.db"
    conn = database_at(path, 3)
    old_rows(conn)
    conn.execute("CREATE VIEW texts_sent AS SELECT number, created_at FROM messages WHERE direction = 'out'")
    conn.close()
    try:
        store = Store.open(path)
    except sqlite3.Error as error:
        pytest.fail(f"migration failed with a raw database error: {error}")
    store.close()


def test_a_migration_that_cannot_take_the_lock_changes_nothing_and_the_next_start_finishes(tmp_path):
    """Another program (sqlite3 shell, a backup) holds the write lock while the agent starts:
    BEGIN IMMEDIATE waits out the busy time-out and fails; nothing is half-migrated, and the next
    start migrates it all (SQLite: a transaction is atomic, sqlite.org/atomiccommit.html).
    Checked sound."""
    path = tmp_path / "old.db"
    conn = database_at(path, 3)
    old_rows(conn)
    conn.close()
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    opener = sqlite3.connect(str(path), isolation_level=None, timeout=0.2)
    from agent.store.schema import migrate
    with pytest.raises(sqlite3.OperationalError):
        migrate(opener)
    opener.close()
    holder.execute("ROLLBACK")
    holder.close()
    check = sqlite3.connect(str(path))
    assert check.execute("PRAGMA user_version").fetchone()[0] == 3
    check.close()
    store = Store.open(path)
    try:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 1
    finally:
        store.close()


# ---- 2. keyset paging with tampered cursors and ties ---------------------------------------------


def test_calls_cursor_with_an_id_past_64_bits_is_not_a_server_error(owner, store):
    """A `before` cursor from a hand-edited or truncated-then-pasted URL: ids beyond 2**63-1 pass
    str.isdigit(), and sqlite3 refuses the parameter (OverflowError: Python int too large to
    convert to SQLite INTEGER). Input: /calls?before=2026-01-05T12:00:00Z~99999999999999999999."""
    add_call(store, "+447911000001", NOW - timedelta(minutes=1))
    response = owner.client.get("/calls?before=2026-01-05T12:00:00Z~99999999999999999999")
    assert response.status_code == 200


def test_inbox_cursor_with_a_superscript_digit_is_not_a_server_error(owner, store):
    """str.isdigit() is True for superscripts and other Unicode 'digits' that int() refuses
    (Python docs, str.isdigit: "digits which need special handling, such as the compatibility
    superscript digits"). Input: /?before=2026-01-05T12:00:00Z~%C2%B2 (before=...~²)."""
    add_inbound(store, "+447911000001", "hello", NOW - timedelta(minutes=1))
    response = owner.client.get("/?before=2026-01-05T12:00:00Z~%C2%B2")
    assert response.status_code in (200, 400)


def test_calls_with_the_same_end_time_page_without_loss_or_repeat(owner, store):
    """Calls ended in the same second (the modem's clock, a burst of missed calls after a
    reconnect list several with one time): the (ended_at, id) cursor keeps every one exactly once
    across pages. Checked sound."""
    import re
    same = NOW - timedelta(minutes=5)
    for n in range(60):
        add_call(store, f"+4479110{n:05d}", same, text=None, skip="landline")
    seen, path = [], "/calls"
    for _ in range(5):
        page = owner.client.get(path).get_data(as_text=True)
        seen += re.findall(r"07911 0\d{5}", page)
        link = re.search(r'href="(/calls\?[^"]*before=[^"]+)"', page)
        if not link:
            break
        path = link.group(1).replace("&amp;", "&")
    assert sorted(set(seen)) == sorted(f"07911 0{n:05d}" for n in range(60)) and len(seen) == len(set(seen))


def test_inbox_numbers_whose_messages_interleave_page_once_each(store):
    """Two pages of conversations where numbers' messages interleave in time and tie on the same
    second: each number appears on exactly one page, at its newest message. Checked sound."""
    same = NOW - timedelta(minutes=30)
    for n in range(8):
        add_inbound(store, f"+4479110{n:05d}", "first", same)
    for n in range(0, 8, 2):
        add_inbound(store, f"+4479110{n:05d}", "again", same + timedelta(minutes=1))
    first = store.conversations(limit=3)
    second = store.conversations(limit=3, before=first[-1].cursor)
    third = store.conversations(limit=3, before=second[-1].cursor)
    numbers = [c.number for c in first + second + third]
    assert len(numbers) == len(set(numbers)) == 8


# ---- 3. SIM facts: AT+CCFC answers as real networks give them -----------------------------------


@pytest.mark.parametrize("lines, active, number", [
    # several classes, only fax (4) forwarded: voice is not (27.007 §7.11, <class> bit values)
    (('+CCFC: 0,1', '+CCFC: 1,4,"+447700900001",145', "OK"), False, None),
    # class 255 = all classes: voice included
    (('+CCFC: 1,255,"+447700900001",145', "OK"), True, "+447700900001"),
    # Huawei prints spaces after commas
    (('+CCFC: 1, 1, "+447700900001", 145', "OK"), True, "+447700900001"),
    # voice off, data forwarded, on separate lines (Quectel EC25 manual example layout)
    (('+CCFC: 0,7', "OK"), False, None),
])
def test_ccfc_answers_in_real_formats(tmp_path, lines, active, number):
    """AT+CCFC=0,2 answers as 27.007 §7.11 allows: one line per class. Checked sound."""
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        sim.answer("AT+CCFC=0", *lines)
        with modem_on(sim) as modem:
            rule = inspection.forwarding_rule(modem, Reason.UNCONDITIONAL, timeout=5)
    assert rule.active is active and (number is None or rule.number == number)


def test_ccfc_no_network_service_is_unknown_not_off(tmp_path):
    """+CME ERROR: 30 "no network service" (27.007 §9.2.1): the network could not be asked, so the
    forwarding is unknown, never "off". Checked sound."""
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        sim.answer("AT+CCFC=", "+CME ERROR: 30")
        with modem_on(sim) as modem:
            assert numbered(modem)
            rule = inspection.forwarding_rule(modem, Reason.BUSY, timeout=5)
    assert rule.active is None


def numbered(modem: Modem) -> bool:
    return inspection.numbered_errors(modem)


def test_late_ccfc_answer_is_not_taken_for_the_next_question(tmp_path):
    """A network answer that comes after its time-out (ModemManager src/mm-port-serial.c drops
    such replies; gammu/gammu#4): the late "+CCFC: 1,1,..." must not be read as the answer to the
    next question. Checked sound (the link resynchronises)."""
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        sim.answer("AT+CCFC=0", '+CCFC: 1,1,"+447700900001",145', "OK")
        sim.stall("AT+CCFC=0", 2.0)
        with modem_on(sim) as modem:
            first = inspection.forwarding_rule(modem, Reason.UNCONDITIONAL, timeout=0.5)
            second = inspection.forwarding_rule(modem, Reason.BUSY, timeout=5)
    assert first.active is None and second.active is False


# ---- 4. +CSSU and ^CEND in the call tracker --------------------------------------------------------


class _Silent:
    name = "sim800"
    silent = True
    ring_interval = 1.0


def _feed(tracker: CallTracker, timeline: list[tuple[float, str]]):
    ended = []
    base = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
    for mono, line in timeline:
        done = tracker.feed(parse_urc(line), mono, base + timedelta(seconds=mono))
        if done:
            ended.append(done)
    done = tracker.tick(1000.0, base + timedelta(seconds=1000))
    if done:
        ended.append(done)
    return ended


def test_cssu_of_the_next_caller_goes_to_the_next_caller_on_a_silent_modem():
    """A modem that prints nothing when a caller gives up (SIM800 without AT+CLCC=1, the
    tracker's `silent` families) keeps the first call open until its ring time-out; a second,
    forwarded caller meanwhile: the network sends +CSSU: 0 during *that* call's set-up (27.007
    §7.17, code2 0 "this is a forwarded call (MT call setup)"), then RING and +CLIP with the new
    number. Input: RING, +CLIP A, RING, +CSSU: 0, RING, +CLIP B. Should be: A not forwarded, B
    forwarded. Happens: A forwarded, B not (call_tracker.feed sets self.call.forwarded on the open
    call; _caller's next-caller split drops it)."""
    tracker = CallTracker(_Silent())
    ended = _feed(tracker, [
        (0.0, "RING"), (0.1, '+CLIP: "+447911000001",145,"",,"",0'), (1.0, "RING"),
        (2.5, "+CSSU: 0"), (2.6, "RING"), (2.7, '+CLIP: "+447911000002",145,"",,"",0'), (3.6, "RING"),
    ])
    by_number = {call.raw_number: call.forwarded for call in ended}
    assert by_number == {"+447911000001": False, "+447911000002": True}


def test_cssu_with_no_call_following_does_not_mark_a_later_call():
    """A +CSSU: 0 with no call after it (the forwarded caller hung up during set-up) is forgotten
    after FORWARD_NOTICE_SECONDS. Checked sound."""
    tracker = CallTracker(_Silent())
    ended = _feed(tracker, [(0.0, "+CSSU: 0"), (60.0, "RING"), (60.1, '+CLIP: "+447911000001",145,"",,"",0')])
    assert [call.forwarded for call in ended] == [False]


def test_cssu_twice_and_after_clip_is_one_forwarded_call():
    """+CSSU: 0 after +CLIP (some networks send it once the call is alerting) and repeated: one
    call, forwarded. Checked sound."""
    tracker = CallTracker(_Silent())
    ended = _feed(tracker, [(0.0, "RING"), (0.1, '+CLIP: "+447911000001",145,"",,"",0'), (0.2, "+CSSU: 0"),
                            (0.3, "+CSSU: 0"), (1.2, "RING")])
    assert [(call.raw_number, call.forwarded) for call in ended] == [("+447911000001", True)]


@pytest.mark.parametrize("line", ["^CEND:1,0,104,26", "^CEND: 1, 0, 104, 26", "^CEND:1,0,104,26 "])
def test_cend_cause_26_with_spaces_is_answered_elsewhere(line):
    """Huawei ^CEND:<call_x>,<duration>,<end_status>,<cc_cause> (Huawei HSPA modem AT command
    interface; 24.008 §10.5.4.11 cause #26 non-selected user clearing): however spaced, the call
    was answered on the twin phone. Checked sound."""
    class Huawei:
        name, silent, ring_interval = "huawei", False, 1.0
    tracker = CallTracker(Huawei())
    ended = _feed(tracker, [(0.0, "RING"), (0.1, '+CLIP: "+447911000001",145,,,,0'), (0.5, line)])
    assert [(call.end_signal, call.answered) for call in ended] == [("^CEND", True)]


def test_cend_without_cause_or_for_an_unseen_call_is_harmless():
    """A ^CEND with three fields (older Huawei firmware) ends the call unanswered; a ^CEND for a
    call never seen (no number) makes no call. Checked sound."""
    class Huawei:
        name, silent, ring_interval = "huawei", False, 1.0
    tracker = CallTracker(Huawei())
    assert _feed(tracker, [(0.0, "^CEND:1,0,104")]) == []
    ended = _feed(tracker, [(10.0, "RING"), (10.1, '+CLIP: "+447911000001",145,,,,0'), (10.5, "^CEND:1,0,104")])
    assert [(call.answered) for call in ended] == [False]


# ---- 5. CSV formula injection -------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["=1+1", " =1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1", "\uff1d1+1",
                                  "ok;=1+1", "ok; +1", "a;b;@x"])
def test_formula_cells_are_neutralised(cell):
    """OWASP "CSV Injection": =, +, -, @, tab, CR lead a formula; in ';' locales each piece counts.
    Checked sound."""
    safe = spreadsheet_safe(cell)
    for piece in safe.split(";"):
        assert not piece.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\uff1d")), safe
