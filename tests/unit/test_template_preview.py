"""The templates page previews each text with the values the agent would use (placeholder_values)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from html import unescape

import pytest

from tests.clocks import FakeClock
from tests.conftest import make_config
from tests.web.conftest import Owner
from web import create_app

MONDAY_NOON = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)     # London on GMT
MONDAY_EVENING = datetime(2026, 1, 5, 19, 0, tzinfo=timezone.utc)


def preview_values(tmp_path, now: datetime, **sections) -> dict[str, str]:
    config = make_config(tmp_path, **{"owner": {"phone": "+447911000001"}, **sections})
    app = create_app({"TEXTBACK_CONFIG": config, "TEXTBACK_CLOCK": FakeClock(current=now), "TESTING": True})
    try:
        store = app.extensions["textback"].store
        owner = Owner(app.test_client(), store, FakeClock(current=now))
        owner.set_password()
        assert owner.login().status_code == 302
        page = owner.client.get("/templates").get_data(as_text=True)
    finally:
        app.extensions["textback"].store.close()
    match = re.search(r"data-values='([^']*)'", page)
    assert match, "no preview values on the templates page"
    return json.loads(unescape(match.group(1)))


WEEKDAYS = {"mon": ["09:00-17:30"], "tue": ["09:00-17:30"], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []}


@pytest.mark.parametrize("now, next_open", [
    (MONDAY_EVENING, "tomorrow 09:00"),     # closed now: when it opens next
    (MONDAY_NOON, "tomorrow 09:00"),        # open now: when it opens after it next closes
])
def test_preview_values(tmp_path, now, next_open):
    values = preview_values(tmp_path, now, hours=WEEKDAYS)
    assert values == {"business": "Brightside Dental", "next_open": next_open,
                      "call_time": "12:00 PM" if now == MONDAY_NOON else "7:00 PM",
                      "owner_phone": "07911 000001", "menu": "", "caller": "07400 123456", "ref": "12",
                      "text": "Hi, is the blue bike in the window still for sale?"}


def test_preview_of_a_shop_open_all_week(tmp_path):
    # never closes: the after-hours text shows when it is open, as the agent would fill it
    assert preview_values(tmp_path, MONDAY_NOON)["next_open"] == "today 12:00"


def test_the_sample_caller_is_written_as_a_shop_in_that_country_would(tmp_path):
    values = preview_values(tmp_path, MONDAY_NOON, business={"country": "US", "timezone": "America/New_York"})
    assert values["caller"] == "(201) 555-0123" and values["call_time"] == "7:00 AM"
