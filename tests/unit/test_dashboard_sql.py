"""The dashboard's figures, computed in SQLite, against a plain Python count of the same rows,
across a daylight-saving change (a 23-hour local day)."""

from __future__ import annotations

import random
import statistics
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from agent.clock import parse_utc
from agent.store import Store

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 4, 2, 18, 0, tzinfo=timezone.utc)        # the clocks went forward on 29 March


def _fill(store: Store, seed: int) -> list[dict]:
    rng = random.Random(seed)
    calls = []
    for n in range(300):
        ended = NOW - timedelta(minutes=rng.randrange(0, 60 * 24 * 10))
        number = f"+44791100{rng.randrange(40):04d}"
        call_id = store.record_call(number=number, raw_number=number, toa=145, started_at=ended, ended_at=ended,
                                    rings=2, end_signal="NO CARRIER", now=ended)
        fate = rng.choice(["sent", "sent", "delivered", "failed", "queued", "landline", "answered"])
        record = {"number": number, "ended": ended, "fate": fate, "sent": None}
        if fate in ("landline", "answered"):
            store.skip_call(call_id, fate)
        else:
            message_id = store.queue_text_for_call(call_id, number=number, body="Sorry", kind="missed_open",
                                                   due_at=ended, now=ended)
            if fate in ("sent", "delivered"):
                record["sent"] = ended + timedelta(seconds=rng.uniform(0.2, 40))
                store.mark_sent(message_id, record["sent"])
                if fate == "delivered":
                    with store.transaction() as tx:
                        store.mark_delivered(tx, message_id, record["sent"])
            elif fate == "failed":
                store.mark_failed(message_id, 21, "rejected")
        calls.append(record)
    with store.transaction() as tx:
        for n in range(90):
            at = NOW - timedelta(minutes=rng.randrange(0, 60 * 24 * 10))
            store.add_inbound(tx, number=f"+44791100{rng.randrange(40):04d}", body="hi", kind="sms",
                              status="received", sent_at=at, encoding="GSM-7", part_ids=[], now=at)
    for n in range(4):
        store.add_optout(f"+44791100{n:04d}", NOW - timedelta(days=n * 3))
    return calls


def _expected(store: Store, calls: list[dict], days: int) -> dict:
    """The figures counted one row at a time in Python, the way the dashboard used to."""
    first = NOW.astimezone(LONDON).date() - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=LONDON)
    inbound = [(m.number, parse_utc(m.created_at)) for n in {c["number"] for c in calls}
               for m in store.messages_for(n) if m.direction == "in" and parse_utc(m.created_at) >= since]
    latest: dict[str, datetime] = {}
    for number, at in inbound:
        latest[number] = max(latest.get(number, at), at)
    window = [c for c in calls if c["ended"] >= since and c["fate"] != "answered"]
    texted = [c for c in window if c["sent"] is not None]
    per_day: dict[date, list[int]] = {first + timedelta(days=n): [0, 0] for n in range(days)}
    for c in window:
        day = per_day[c["ended"].astimezone(LONDON).date()]
        day[0] += 1
        day[1] += c["sent"] is not None
    return {
        "missed": len(window), "skipped": sum(c["fate"] == "landline" for c in window), "texted": len(texted),
        "replied": sum(1 for c in texted if latest.get(c["number"], since - timedelta(1)) >= c["ended"]),
        "median": statistics.median([(c["sent"] - c["ended"]).total_seconds() for c in texted]) if texted else None,
        "per_day": [(day, counts[0], counts[1]) for day, counts in per_day.items()],
        "texted_numbers": len({c["number"] for c in texted}),
    }


def test_the_sql_figures_are_the_row_by_row_figures(tmp_path):
    store = Store.open(tmp_path / "t.db")
    calls = _fill(store, seed=3)
    for days in (1, 7, 30):
        stats = store.dashboard(NOW, days, LONDON)
        want = _expected(store, calls, days)
        assert (stats.missed, stats.skipped, stats.texted, stats.replied) == (
            want["missed"], want["skipped"], want["texted"], want["replied"]), days
        assert [(d.day, d.missed, d.texted) for d in stats.per_day] == want["per_day"]
        if want["median"] is None:
            assert stats.median_seconds_to_text is None
        else:
            assert abs(stats.median_seconds_to_text - want["median"]) < 0.002
        assert stats.reply_rate == (want["replied"] / want["texted"] if want["texted"] else None)
    store.close()


def test_an_empty_shop_has_no_rates(tmp_path):
    store = Store.open(tmp_path / "t.db")
    stats = store.dashboard(NOW, 30, LONDON)
    assert (stats.missed, stats.texted, stats.median_seconds_to_text, stats.reply_rate) == (0, 0, None, None)
    assert len(stats.per_day) == 30
    store.close()


# ---- replies by hour and weekday, and what the texts earned ---------------------------------------

def _replies_counted_in_python(store: Store, days: int) -> tuple[list[int], list[int]]:
    first = NOW.astimezone(LONDON).date() - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=LONDON)
    hours, weekdays = [0] * 24, [0] * 7
    for m in store.export_messages():
        at = parse_utc(m.created_at)
        if m.direction == "in" and m.kind == "sms" and since <= at <= NOW:
            local = at.astimezone(LONDON)
            hours[local.hour] += 1
            weekdays[local.weekday()] += 1
    return hours, weekdays


def test_replies_by_local_hour_and_weekday_across_the_clock_change(tmp_path):
    store = Store.open(tmp_path / "t.db")
    try:
        _fill(store, seed=3)
        with store.transaction() as tx:       # around the skipped hour of 29 March (01:00-02:00 GMT never shown)
            for at in (datetime(2026, 3, 29, 0, 59, tzinfo=timezone.utc), datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc),
                       datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc)):
                store.add_inbound(tx, number="+447911009999", body="hi", kind="sms", status="received", sent_at=at,
                                  encoding="GSM-7", part_ids=[], now=at)
            store.add_inbound(tx, number="Vodafone", body="balance", kind="carrier", status="received", sent_at=NOW,
                              encoding="GSM-7", part_ids=[], now=NOW - timedelta(hours=1))
        stats = store.dashboard(NOW, 7, LONDON)
        hours, weekdays = _replies_counted_in_python(store, 7)
        assert list(stats.replies_by_hour) == hours and list(stats.replies_by_weekday) == weekdays
        assert sum(hours) > 20
        assert store.dashboard(NOW, 30, LONDON).replies_by_hour == tuple(_replies_counted_in_python(store, 30)[0])
    finally:
        store.close()


def test_booked_and_value_this_local_month(tmp_path):
    store = Store.open(tmp_path / "t.db")
    try:
        store.set_outcome("+447911000001", "booked", 120.5, datetime(2026, 4, 1, 9, 0, tzinfo=timezone.utc))
        store.set_outcome("+447911000002", "booked", None, NOW)
        store.set_outcome("+447911000003", "lost", 80, NOW)
        # 23:30 GMT on 31 March is 00:30 BST on 1 April: this month in London
        store.set_outcome("+447911000004", "booked", 30, datetime(2026, 3, 31, 23, 30, tzinfo=timezone.utc))
        store.set_outcome("+447911000005", "booked", 999, datetime(2026, 3, 31, 22, 59, tzinfo=timezone.utc))
        stats = store.dashboard(NOW, 7, LONDON)
        assert (stats.month_start, stats.booked_this_month, stats.value_this_month) == (date(2026, 4, 1), 3, 150.5)
        assert store.dashboard(NOW, 7, ZoneInfo("UTC")).booked_this_month == 2
    finally:
        store.close()
