"""CSV downloads of every call and every message, the messages with their variant, menu choice,
urgent mark and their conversation's outcome (the rows are built in agent/tools/export.py)."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template

from agent.tools.export import calls_table, csv_chunks, messages_table, spreadsheet_safe
from web import shop_settings, web_context

__all__ = ["bp", "spreadsheet_safe"]

bp = Blueprint("export", __name__)


def _download(name: str, body: Iterator[str]) -> Response:
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/export")
def export():
    """Links to the two CSV files."""
    return render_template("export.html")


@bp.route("/export/calls.csv")
def calls_csv():
    """Every missed call, oldest first, with what happened and when its text went out."""
    header, rows = calls_table(web_context().store, ZoneInfo(shop_settings().timezone))
    return _download("textback-calls.csv", csv_chunks(header, rows))


@bp.route("/export/messages.csv")
def messages_csv():
    """Every text both ways, oldest first, with its status and any error, variant, menu choice,
    urgent mark and outcome."""
    header, rows = messages_table(web_context().store, ZoneInfo(shop_settings().timezone))
    return _download("textback-messages.csv", csv_chunks(header, rows))
