"""Status (can the box hear calls, its outages, the modem, the queue, the disk) and the dashboard.

"Hearing calls" is shown only when the agent says it can hear calls (`online`) and its heartbeat
is fresh: a stopped agent cannot say it stopped, so a heartbeat older than HEARTBEAT_STALE means
"TextBack is not running", whatever `online` last said. A missing state means the same.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request

from agent.rules.forwarding import forwarding_advice, rules_from_state
from agent.store.downtime import Downtime
from web import local_time, shop_settings, web_context
from web.unheard import unheard_rows

__all__ = ["bp", "Hearing", "Outage", "hearing_now", "outages", "span_words", "HEARTBEAT_STALE",
           "OUTAGE_DAYS", "chart_bars", "histogram", "WEEKDAY_NAMES"]

bp = Blueprint("status", __name__)

HEARTBEAT_STALE = timedelta(minutes=2)   # the agent writes a heartbeat every 30 s while it runs
OUTAGE_DAYS = 30
NOT_RUNNING = "TextBack is not running"
DISK_FULL_BYTES = 50 * 1024 * 1024
DISK_LOW_BYTES = 200 * 1024 * 1024
STORAGE_WARN = 0.8                       # the agent warns the owner at the same fill
STORAGE_NAMES = {"SM": "SIM card", "ME": "modem memory", "MT": "SIM card and modem memory",
                 "SR": "delivery reports", "BM": "broadcast messages"}
CHART_WIDTH, CHART_HEIGHT = 340, 120


@dataclass(frozen=True)
class Hearing:
    """The truth for the banner."""

    hearing: bool
    reason: str                  # why not, in words; "" while hearing
    since: str | None            # when the box stopped hearing (ISO), when known
    last_seen: datetime | None   # the agent's last heartbeat (or, from an older agent, its last write)
    running: bool


@dataclass(frozen=True)
class Outage:
    started_at: str
    ended_at: str | None         # None: still deaf
    reason: str
    alerted: bool
    duration: str                # "15 min", "2 h 5 min"
    end_text: str                # "10:17 AM", "Tue 6 Jan, 9:00 AM" or "still"


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _last_seen(state: dict[str, Any], times: dict[str, str]) -> datetime | None:
    beat = _moment(state.get("heartbeat"))
    if beat is not None:
        return beat
    written = [moment for moment in map(_moment, times.values()) if moment is not None]
    return max(written) if written else None


def hearing_now(state: dict[str, Any], times: dict[str, str], open_period: Downtime | None,
                now: datetime) -> Hearing:
    """Can the box hear calls right now, and if not, why and since when."""
    seen = _last_seen(state, times)
    running = bool(state) and seen is not None and now - seen <= HEARTBEAT_STALE
    period_start = open_period.started_at if open_period else None
    if not running:
        since = period_start or (seen.isoformat() if seen else None)
        return Hearing(False, NOT_RUNNING, since, seen, False)
    if state.get("online") is True:
        return Hearing(True, "", None, seen, True)
    reason = state.get("deaf_reason") or state.get("last_error") or "the modem is offline"
    return Hearing(False, str(reason), period_start or state.get("offline_since"), seen, True)


def span_words(seconds: float) -> str:
    """A length of time the way a person says it: "under 1 s", "40 s", "15 min", "2 h 5 min", "3 days 4 h"."""
    if seconds < 1:
        return "under 1 s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return (f"{days} day" if days == 1 else f"{days} days") + (f" {hours} h" if hours else "")


def _outage(started_at: str, ended_at: str | None, reason: str, alerted: bool, now: datetime) -> Outage:
    start = _moment(started_at) or now
    end = _moment(ended_at)
    if end is None:
        return Outage(started_at, None, reason, alerted, span_words((now - start).total_seconds()) + " so far",
                      "still")
    same_day = local_time(start, "date") == local_time(end, "date")
    return Outage(started_at, ended_at, reason, alerted, span_words((end - start).total_seconds()),
                  local_time(end, "time") if same_day else local_time(end))


def outages(periods: list[Downtime], hearing: Hearing, now: datetime) -> list[Outage]:
    """The recorded periods, newest first; while the agent is stopped and none is open (it was
    killed while hearing), the one it cannot record yet comes first."""
    rows = [_outage(p.started_at, p.ended_at, p.reason, p.alerted, now) for p in periods]
    if not hearing.running and hearing.last_seen and all(p.ended_at for p in periods):
        rows.insert(0, _outage(hearing.last_seen.isoformat(), None, NOT_RUNNING, False, now))
    return rows


def _size(count: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return ""


def _disk(database: str) -> dict[str, Any]:
    path = Path(database)
    size = sum(p.stat().st_size for p in (path, Path(f"{database}-wal")) if p.exists())
    usage = shutil.disk_usage(path.parent if path.parent.exists() else ".")
    return {"free": _size(usage.free), "total": _size(usage.total), "database": _size(size),
            "low": usage.free < DISK_LOW_BYTES, "full": usage.free < DISK_FULL_BYTES}


def _storages(value: Any) -> list[dict[str, Any]]:
    """{"SM": [used, total], ...} → one row per storage, with its fill and a warning when nearly full."""
    rows = []
    for name, pair in (value or {}).items() if isinstance(value, dict) else ():
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(n, int) for n in pair)):
            continue
        used, total = pair
        percent = round(used * 100 / total) if total > 0 else None
        rows.append({"name": STORAGE_NAMES.get(name, name), "code": name, "used": used, "total": total,
                     "percent": percent, "warn": bool(total) and used / total >= STORAGE_WARN})
    return rows


@bp.route("/status")
def status():
    """Hearing calls or not (why, since when, the recovery step), outages of the last 30 days,
    calls the modem saw while TextBack could not, the modem, SMS storage, queue and disk."""
    context = web_context()
    store, now = context.store, context.clock.now()
    state = store.modem_state()
    hearing = hearing_now(state, store.modem_state_times(), store.open_downtime_period(), now)
    bars = state.get("bars")
    return render_template(
        "status.html", state=state, hearing=hearing, online=hearing.hearing,
        outages=outages(store.downtimes_since(now - timedelta(days=OUTAGE_DAYS)), hearing, now),
        outage_days=OUTAGE_DAYS, unheard=unheard_rows(store, shop_settings(), now),
        storages=_storages(state.get("sms_storage")), sim_history=store.sim_history_count(),
        bars=bars if isinstance(bars, int) else None, queue=store.queue_length(),
        disk=_disk(context.config.storage.database), forwarding=_forwarding_warnings(state))


def _forwarding_warnings(state: dict) -> list:
    """What the agent last learnt of the SIM's call forwarding (AT+CCFC), as warnings with the code
    that turns each off; nothing when all is well or it was never asked."""
    return [advice for advice in forwarding_advice(rules_from_state(state.get("forwarding"))) if advice.verdict != "ok"]


def chart_bars(per_day) -> dict:
    """Geometry of the per-day bar chart: missed calls (pale) behind the ones texted (solid)."""
    top = max([day.missed for day in per_day] + [1])
    slot = CHART_WIDTH / len(per_day)
    width = max(2.0, slot * 0.7)
    bars = []
    for index, day in enumerate(per_day):
        x = index * slot + (slot - width) / 2
        missed = day.missed / top * (CHART_HEIGHT - 4)
        texted = day.texted / top * (CHART_HEIGHT - 4)
        bars.append({"x": round(x, 1), "width": round(width, 1),
                     "missed_y": round(CHART_HEIGHT - missed, 1), "missed_h": round(missed, 1),
                     "texted_y": round(CHART_HEIGHT - texted, 1), "texted_h": round(texted, 1),
                     "title": f"{day.day:%a} {day.day.day} {day.day:%b}: {day.missed} missed, {day.texted} texted"})
    labels = [{"x": round(i * slot + slot / 2, 1), "text": f"{per_day[i].day.day} {per_day[i].day:%b}"}
              for i in sorted({0, len(per_day) // 2, len(per_day) - 1})]
    return {"bars": bars, "labels": labels, "top": top, "width": CHART_WIDTH, "height": CHART_HEIGHT}


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def histogram(counts: tuple[int, ...], labels: tuple[str, ...], every: int = 1) -> dict:
    """Geometry of a small bar chart of counts (replies by hour or by weekday); a label under every
    `every`-th bar."""
    top = max([*counts, 1])
    slot = CHART_WIDTH / len(counts)
    width = max(2.0, slot * 0.7)
    bars = []
    for index, count in enumerate(counts):
        height = count / top * (CHART_HEIGHT - 4)
        bars.append({"x": round(index * slot + (slot - width) / 2, 1), "width": round(width, 1),
                     "y": round(CHART_HEIGHT - height, 1), "h": round(height, 1),
                     "title": f"{labels[index]}: {count} repl{'y' if count == 1 else 'ies'}"})
    shown = [{"x": round(i * slot + slot / 2, 1), "text": labels[i]} for i in range(0, len(counts), every)]
    return {"bars": bars, "labels": shown, "top": top, "total": sum(counts), "width": CHART_WIDTH,
            "height": CHART_HEIGHT}


@bp.route("/dashboard")
def dashboard():
    """Missed calls recovered and value recovered this month; missed calls, texted, replies,
    reply rate, median time to text, opt-outs and replies by hour and weekday, 7 or 30 days."""
    days = 30 if request.args.get("days") == "30" else 7
    context = web_context()
    stats = context.store.dashboard(context.clock.now(), days, ZoneInfo(shop_settings().timezone))
    return render_template("dashboard.html", stats=stats, days=days, chart=chart_bars(stats.per_day),
                           by_hour=histogram(stats.replies_by_hour, tuple(f"{h:02d}" for h in range(24)), every=6),
                           by_weekday=histogram(stats.replies_by_weekday, WEEKDAY_NAMES),
                           value_text=f"{stats.value_this_month:.2f}".removesuffix(".00"))
