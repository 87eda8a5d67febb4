"""A day's hours as an owner types them on a phone: read where the meaning is plain, asked where not."""

from __future__ import annotations

import pytest

from agent.rules.hours import parse_range, read_day


@pytest.mark.parametrize("typed, ranges", [
    ("", []), ("closed", []), ("Closed", []),
    ("09:00-17:30", ["09:00-17:30"]),
    ("9:30-17:00", ["09:30-17:00"]),
    ("9:30 – 17:00", ["09:30-17:00"]),                 # a phone's en dash, spaces around it
    ("8:00-12:00, 13:00-17:00", ["08:00-12:00", "13:00-17:00"]),
    ("22:00-2:00", ["22:00-02:00"]),                    # an evening start: overnight is what it says
    ("24h", ["00:00-24:00"]), ("Open 24 hours", ["00:00-24:00"]), ("all day", ["00:00-24:00"]),
    ("24/7", ["00:00-24:00"]),
])
def test_what_reads_plainly_is_read(typed, ranges):
    assert read_day(typed) == (ranges, None)
    for item in ranges:
        parse_range(item)


@pytest.mark.parametrize("typed, suggestion", [
    ("9:30-5:00", "09:30-17:00"),                       # would be overnight until 5 AM
    ("8:00-12:00, 1:00-5:00", "13:00-17:00"),           # would be 1 AM to 5 AM
])
def test_a_one_digit_hour_that_probably_meant_the_afternoon_is_asked_never_guessed(typed, suggestion):
    ranges, problem = read_day(typed)
    assert problem is not None and suggestion in problem and "24-hour clock" in problem


@pytest.mark.parametrize("typed", ["9-5", "9am-5.30pm", "25:00-26:00", "09:00-09:00"])
def test_what_cannot_be_read_is_named_with_an_example(typed):
    ranges, problem = read_day(typed)
    assert problem is not None and "09:00-17:30" in problem and "00:00-24:00" in problem
