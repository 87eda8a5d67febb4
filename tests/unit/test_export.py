"""`textback export`: two CSV files, times in UTC and local, formulas neutralised."""

from __future__ import annotations

import csv
from datetime import datetime, timezone

from click.testing import CliRunner

from agent.cli import main
from agent.store import Store

WHEN = datetime(2026, 7, 1, 14, 5, tzinfo=timezone.utc)


def test_export_writes_calls_and_messages(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[storage]\ndatabase = "shop.db"\n[business]\ntimezone = "Europe/London"\n')
    store = Store.open(tmp_path / "shop.db")
    call_id = store.record_call(number="+447911123456", raw_number="07911123456", toa=129, started_at=WHEN,
                                ended_at=WHEN, rings=2, end_signal="NO CARRIER", now=WHEN)
    store.queue_text_for_call(call_id, number="+447911123456", body="=HYPERLINK(\"x\")", kind="missed_open",
                              due_at=WHEN, now=WHEN)
    store.close()
    result = CliRunner().invoke(main, ["export", "--config", str(config), "--to", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    calls = list(csv.DictReader((tmp_path / "out" / "textback-calls.csv").read_text().splitlines()))
    messages = list(csv.DictReader((tmp_path / "out" / "textback-messages.csv").read_text().splitlines()))
    assert calls[0]["number"] == "+447911123456" and calls[0]["ended_local"] == "2026-07-01 15:05:00"
    assert calls[0]["outcome"] == "texted"
    assert messages[0]["body"].startswith("'=HYPERLINK")


def test_messages_carry_variant_menu_choice_urgent_and_outcome(tmp_path):
    """Marks made through the real inbound path (agent.daemon.inbound) and the owner's outcome."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from agent.daemon.inbound import Inbound
    from agent.sms.pdu import encode_deliver
    from agent.tools.export import messages_table
    from tests.clocks import FakeClock
    from tests.conftest import make_config
    from tests.db_rows import db_write

    store = Store.open(tmp_path / "shop.db")
    clock = FakeClock(current=WHEN)
    store.seed_settings(make_config(tmp_path, menu={"options": [
        {"key": "3", "label": "Call me back", "reply": "{business}: we'll call you back."}]}), WHEN)
    call_id = store.record_call(number="+447911123456", raw_number="07911123456", toa=129, started_at=WHEN,
                                ended_at=WHEN, rings=2, end_signal="NO CARRIER", now=WHEN)
    text_id = store.queue_text_for_call(call_id, number="+447911123456", body="Sorry we missed you",
                                        kind="missed_open", due_at=WHEN, now=WHEN)
    with db_write(store) as conn:       # the variant as the A/B assignment records it on the text
        conn.execute("UPDATE messages SET variant = 'B' WHERE id = ?", (text_id,))
    inbound = Inbound(store, clock)
    for n, words in enumerate(("3", "URGENT the boiler is leaking")):
        for pdu in encode_deliver("+447911123456", words, sent_at=WHEN + timedelta(seconds=n)):
            assert inbound.receive_pdu(pdu)
    store.set_outcome("+447911123456", "booked", 75.5, WHEN + timedelta(minutes=5))
    header, rows = messages_table(store, ZoneInfo("Europe/London"))
    table = [dict(zip(header, row)) for row in rows]
    store.close()
    by_body = {row["body"]: row for row in table}
    assert by_body["Sorry we missed you"]["variant"] == "B"
    assert (by_body["3"]["menu_key"], by_body["3"]["tag"], by_body["3"]["urgent"]) == ("3", "Call me back", "")
    assert by_body["URGENT the boiler is leaking"]["urgent"] == "yes"
    assert {row["outcome"] for row in table if row["number"] == "+447911123456"} == {"booked"}
    assert {row["outcome_value"] for row in table if row["number"] == "+447911123456"} == {"75.50"}
    assert header[-1] == "body" and "menu_answer" in {row["kind"] for row in table}


import pytest  # noqa: E402

from agent.tools.export import spreadsheet_safe  # noqa: E402


@pytest.mark.parametrize("cell, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("  =1+1", "'  =1+1"),
    ("ok;=cmd|' /C calc'!A0", "ok;'=cmd|' /C calc'!A0"),         # split at ";" in a European locale
    ("a; +1;b", "a; '+1;b"),
    ("\uff1dSUM(A1)", "'\uff1dSUM(A1)"),                           # full-width equals
    ("+447911123456", "+447911123456"),                             # a phone number stays one
    ("Can you do 3-4pm?", "Can you do 3-4pm?"),
    (12, 12),
])
def test_cells_a_spreadsheet_could_run_are_neutralised(cell, safe):
    assert spreadsheet_safe(cell) == safe
