"""Status (the modem, the queue, the disk) and the dashboard (last 7 or 30 days, with a chart)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request

from agent.clock import utc_iso
from web import shop_settings, web_context

__all__ = ["bp", "STALE_AFTER", "chart_bars"]

bp = Blueprint("status", __name__)

STALE_AFTER = timedelta(minutes=3)   # the agent writes its state at least every minute when online
CHART_WIDTH, CHART_HEIGHT = 340, 120


def _size(count: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return ""


def _disk(database: str) -> dict[str, str]:
    path = Path(database)
    size = sum(p.stat().st_size for p in (path, Path(f"{database}-wal")) if p.exists())
    usage = shutil.disk_usage(path.parent if path.parent.exists() else ".")
    return {"free": _size(usage.free), "total": _size(usage.total), "database": _size(size),
            "low": usage.free < 200 * 1024 * 1024}


@bp.route("/status")
def status():
    """Modem model, signal, operator, registration, online or offline (with the last error),
    the queue of texts waiting, and the free disk space."""
    context = web_context()
    state = context.store.modem_state()
    times = context.store.modem_state_times()
    last_report = max(times.values()) if times else None
    stale = last_report is None or last_report < utc_iso(context.clock.now() - STALE_AFTER)
    bars = state.get("bars")
    return render_template(
        "status.html", state=state, online=bool(state.get("online")) and not stale, stale=stale,
        last_report=last_report, bars=bars if isinstance(bars, int) else None,
        queue=context.store.queue_length(), disk=_disk(context.config.storage.database),
        updated=times.get("online"))


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


@bp.route("/dashboard")
def dashboard():
    """Missed calls, texted, replies, reply rate, median time to text and opt-outs, 7 or 30 days."""
    days = 30 if request.args.get("days") == "30" else 7
    context = web_context()
    stats = context.store.dashboard(context.clock.now(), days, ZoneInfo(shop_settings().timezone))
    return render_template("dashboard.html", stats=stats, days=days, chart=chart_bars(stats.per_day))
