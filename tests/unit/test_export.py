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
