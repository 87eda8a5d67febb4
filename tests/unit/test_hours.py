"""agent.rules.hours: parsing, known answers around DST in London and New York, and properties."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from agent.rules.hours import (WeeklyHours, describe_next_open, format_clock, is_open, next_close_time, next_open_time,
                               parse_hours)

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def same_instant(a: datetime | None, b: datetime) -> bool:
    """Aware datetimes sharing a ZoneInfo compare by wall time; compare in UTC instead."""
    return a is not None and a.astimezone(UTC) == b.astimezone(UTC)


# ---- parsing --------------------------------------------------------------------------------

def test_parse_hours_builds_sorted_ranges_and_closed_days():
    hours = parse_hours({"mon": ["13:00-17:30", "08:00-12:00"], "fri": ["22:00-02:00"], "sat": []},
                        holidays=["2024-12-25", date(2024, 12, 26)])
    assert hours.days[0] == ((480, 720), (780, 1050))
    assert hours.days[4] == ((1320, 120),)
    assert hours.days[1] == hours.days[5] == hours.days[6] == ()
    assert hours.holidays == frozenset({date(2024, 12, 25), date(2024, 12, 26)})


def test_all_day_range():
    assert parse_hours({"sun": ["00:00-24:00"]}).days[6] == ((0, 1440),)


@pytest.mark.parametrize("week, words", [
    ({"tue": ["9:00-17:00"]}, ["tue", "9:00-17:00"]),
    ({"wed": ["09:00-25:00"]}, ["wed", "09:00-25:00"]),
    ({"thu": ["10:00-10:00"]}, ["thu", "10:00-10:00"]),
    ({"fri": ["09:00-17:00", 9]}, ["fri", "9"]),
    ({"mon": "09:00-17:00"}, ["mon", "list"]),
    ({"tues": ["09:00-17:00"]}, ["tues", "mon, tue"]),
])
def test_bad_hours_name_the_day_and_the_text(week, words):
    with pytest.raises(ValueError) as info:
        parse_hours(week)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("bad", ["2024-13-01", "25/12/2024", "20241225", ""])
def test_bad_holiday_names_the_text(bad):
    with pytest.raises(ValueError, match=f'holidays: "{bad}"'):
        parse_hours({}, holidays=[bad])


def test_naive_moment_is_refused():
    with pytest.raises(ValueError, match="aware"):
        is_open(parse_hours({"mon": ["09:00-17:00"]}), datetime(2024, 1, 1, 10), LONDON)


# ---- known answers --------------------------------------------------------------------------

WEEKDAYS = parse_hours({d: ["09:00-17:00"] for d in DAYS[:5]})


@pytest.mark.parametrize("moment, expected", [
    (datetime(2024, 1, 8, 8, 59, 59, tzinfo=LONDON), False),     # Monday
    (datetime(2024, 1, 8, 9, 0, tzinfo=LONDON), True),
    (datetime(2024, 1, 8, 16, 59, 59, tzinfo=LONDON), True),
    (datetime(2024, 1, 8, 17, 0, tzinfo=LONDON), False),         # end is exclusive
    (datetime(2024, 1, 13, 12, 0, tzinfo=LONDON), False),        # Saturday
    (utc(2024, 7, 8, 8, 30), True),                              # 09:30 BST, given in UTC
    (utc(2024, 1, 8, 17, 0), False),                             # 17:00 GMT
])
def test_is_open_london(moment, expected):
    assert is_open(WEEKDAYS, moment, LONDON) is expected


def test_is_open_uses_the_business_zone_not_the_moment_zone():
    assert is_open(WEEKDAYS, utc(2024, 1, 8, 14, 30), NEW_YORK)
    assert not is_open(WEEKDAYS, utc(2024, 1, 8, 22, 30), NEW_YORK)


def test_next_open_time_known_answers():
    friday_evening = datetime(2024, 1, 12, 18, 0, tzinfo=LONDON)
    assert next_open_time(WEEKDAYS, friday_evening, LONDON) == datetime(2024, 1, 15, 9, 0, tzinfo=LONDON)
    during = datetime(2024, 1, 10, 11, 17, 3, 5, tzinfo=LONDON)
    assert next_open_time(WEEKDAYS, during, LONDON) == during
    result = next_open_time(WEEKDAYS, utc(2024, 1, 12, 22, 0), NEW_YORK)  # 17:00 EST
    assert result == datetime(2024, 1, 15, 9, 0, tzinfo=NEW_YORK) and result.tzinfo is NEW_YORK
    assert next_open_time(parse_hours({}), friday_evening, LONDON) is None


def test_midnight_crossing_range_belongs_to_the_day_it_starts():
    hours = parse_hours({"fri": ["22:00-02:00"]})
    assert is_open(hours, datetime(2024, 1, 12, 23, 0, tzinfo=LONDON), LONDON)  # Friday night
    assert is_open(hours, datetime(2024, 1, 13, 1, 59, 59, tzinfo=LONDON), LONDON)  # Saturday morning
    assert not is_open(hours, datetime(2024, 1, 13, 2, 0, tzinfo=LONDON), LONDON)
    assert not is_open(hours, datetime(2024, 1, 12, 1, 0, tzinfo=LONDON), LONDON)  # Thursday closed
    assert not is_open(hours, datetime(2024, 1, 13, 23, 0, tzinfo=LONDON), LONDON)  # Saturday night


def test_all_day_ends_at_midnight():
    hours = parse_hours({"mon": ["00:00-24:00"]})
    assert is_open(hours, datetime(2024, 1, 8, 0, 0, tzinfo=LONDON), LONDON)
    assert is_open(hours, datetime(2024, 1, 8, 23, 59, 59, tzinfo=LONDON), LONDON)
    assert not is_open(hours, datetime(2024, 1, 9, 0, 0, tzinfo=LONDON), LONDON)
    assert describe_next_open(hours, datetime(2024, 1, 7, 12, 0, tzinfo=LONDON), LONDON) == "tomorrow 00:00"


def test_holiday_closes_ranges_starting_that_date_only():
    hours = parse_hours({"fri": ["22:00-02:00"], "sat": ["09:00-12:00"]}, holidays=["2024-01-13"])
    assert is_open(hours, datetime(2024, 1, 13, 1, 0, tzinfo=LONDON), LONDON)      # Friday's tail still runs
    assert not is_open(hours, datetime(2024, 1, 13, 10, 0, tzinfo=LONDON), LONDON)
    closed_friday = parse_hours({"fri": ["22:00-02:00"]}, holidays=["2024-01-12"])
    assert not is_open(closed_friday, datetime(2024, 1, 12, 23, 0, tzinfo=LONDON), LONDON)
    assert not is_open(closed_friday, datetime(2024, 1, 13, 1, 0, tzinfo=LONDON), LONDON)
    assert next_open_time(closed_friday, datetime(2024, 1, 12, 12, 0, tzinfo=LONDON), LONDON) == \
        datetime(2024, 1, 19, 22, 0, tzinfo=LONDON)


def test_long_holiday_run_is_skipped():
    closed = [date(2024, 1, 1) + timedelta(days=n) for n in range(500)]
    hours = parse_hours({"mon": ["09:00-17:00"]}, holidays=closed)
    opens = next_open_time(hours, datetime(2024, 1, 1, tzinfo=LONDON), LONDON)
    assert opens == datetime(2025, 5, 19, 9, 0, tzinfo=LONDON)  # first Monday after 2025-05-14
    assert describe_next_open(hours, datetime(2024, 1, 1, tzinfo=LONDON), LONDON) == "Mon 19 May 09:00"


@pytest.mark.parametrize("moment, expected", [
    (datetime(2024, 1, 8, 7, 0, tzinfo=LONDON), "today 09:00"),
    (datetime(2024, 1, 8, 18, 0, tzinfo=LONDON), "tomorrow 09:00"),
    (datetime(2024, 1, 12, 18, 0, tzinfo=LONDON), "Mon 09:00"),
    (datetime(2024, 1, 8, 10, 0, tzinfo=LONDON), "today 10:00"),
])
def test_describe_next_open(moment, expected):
    assert describe_next_open(WEEKDAYS, moment, LONDON) == expected


def test_describe_never():
    assert describe_next_open(parse_hours({}), utc(2024, 1, 1), LONDON) == ""


# ---- DST: London 2024-03-31 01:00 GMT -> 02:00 BST, 2024-10-27 02:00 BST -> 01:00 GMT;
#           New York 2024-03-10 02:00 EST -> 03:00 EDT, 2024-11-03 02:00 EDT -> 01:00 EST.

def test_spring_forward_range_starting_in_the_gap_opens_when_it_ends():
    hours = parse_hours({"sun": ["01:30-05:00"]})
    opens = next_open_time(hours, datetime(2024, 3, 30, 20, 0, tzinfo=LONDON), LONDON)
    assert same_instant(opens, utc(2024, 3, 31, 1, 0))
    assert (opens.hour, opens.minute) == (2, 0)
    assert not is_open(hours, utc(2024, 3, 31, 0, 59, 59), LONDON)  # 00:59:59 GMT
    ny = parse_hours({"sun": ["02:15-04:00"]})
    opens = next_open_time(ny, datetime(2024, 3, 9, 20, 0, tzinfo=NEW_YORK), NEW_YORK)
    assert same_instant(opens, utc(2024, 3, 10, 7, 0))      # 03:00 EDT
    assert describe_next_open(ny, datetime(2024, 3, 10, 0, 30, tzinfo=NEW_YORK), NEW_YORK) == "today 03:00"


def test_range_wholly_inside_the_gap_never_opens_that_day():
    hours = parse_hours({"sun": ["01:15-01:45"]})
    opens = next_open_time(hours, datetime(2024, 3, 30, 20, 0, tzinfo=LONDON), LONDON)
    assert same_instant(opens, datetime(2024, 4, 7, 1, 15, tzinfo=LONDON))


def test_spring_forward_range_ending_in_the_gap_closes_at_the_gap():
    hours = parse_hours({"sun": ["00:00-01:30"]})
    assert is_open(hours, utc(2024, 3, 31, 0, 59, 59), LONDON)
    assert not is_open(hours, utc(2024, 3, 31, 1, 0), LONDON)       # 02:00 BST


def test_spring_forward_day_is_an_hour_shorter():
    hours = parse_hours({"sun": ["00:00-24:00"]})
    open_minutes = sum(is_open(hours, utc(2024, 3, 30, 22) + timedelta(minutes=n), LONDON)
                       for n in range(0, 26 * 60, 5))
    assert open_minutes * 5 == 23 * 60


@pytest.mark.parametrize("tz, first, second", [
    (LONDON, utc(2024, 10, 27, 0, 30), utc(2024, 10, 27, 1, 30)),
    (NEW_YORK, utc(2024, 11, 3, 5, 30), utc(2024, 11, 3, 6, 30)),
])
def test_fall_back_both_instants_of_the_repeated_wall_time_are_open(tz, first, second):
    hours = parse_hours({"sun": ["01:00-01:45"]})
    assert first.astimezone(tz).replace(tzinfo=None) == second.astimezone(tz).replace(tzinfo=None)
    assert is_open(hours, first, tz) and is_open(hours, second, tz)
    assert not is_open(hours, first + timedelta(minutes=15), tz)  # 01:45, first time round
    assert is_open(hours, first + timedelta(minutes=30), tz)      # 01:00, second time round
    assert is_open(hours, second + timedelta(minutes=14), tz)
    assert not is_open(hours, second + timedelta(minutes=15), tz)


def test_fall_back_next_open_is_the_repeated_hour():
    hours = parse_hours({"sun": ["01:00-01:30"]})
    after_first = utc(2024, 10, 27, 0, 45)                       # 01:45 BST
    opens = next_open_time(hours, after_first, LONDON)
    assert same_instant(opens, utc(2024, 10, 27, 1, 0)) and opens.fold == 1
    assert describe_next_open(hours, after_first, LONDON) == "today 01:00"
    ny_opens = next_open_time(hours, utc(2024, 11, 3, 5, 45), NEW_YORK)  # 01:45 EDT
    assert same_instant(ny_opens, utc(2024, 11, 3, 6, 0))                # 01:00 EST


def test_fall_back_range_ending_in_the_repeated_hour_reopens():
    hours = parse_hours({"sun": ["00:00-01:30"]})
    assert is_open(hours, utc(2024, 10, 27, 0, 15), LONDON)          # 01:15 BST
    assert not is_open(hours, utc(2024, 10, 27, 0, 45), LONDON)      # 01:45 BST
    assert is_open(hours, utc(2024, 10, 27, 1, 15), LONDON)          # 01:15 GMT


# ---- properties -----------------------------------------------------------------------------

ZONES = [LONDON, NEW_YORK, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kolkata"),
         ZoneInfo("America/Santiago"), ZoneInfo("UTC")]
TRANSITIONS = [utc(2024, 3, 31, 1), utc(2024, 10, 27, 1), utc(2024, 3, 10, 7), utc(2024, 11, 3, 6),
               utc(2024, 4, 6, 15), utc(2024, 10, 5, 15), utc(2024, 4, 7, 3), utc(2024, 9, 8, 4)]
FIRST_DAY = date(2024, 1, 1)

minutes = st.integers(0, 1439)
ranges = st.one_of(
    st.just((0, 1440)),
    st.builds(lambda s, n: (s, s + n if s + n <= 1440 else s + n - 1440), minutes, st.integers(1, 1439)),
)
weeks = st.lists(st.lists(ranges, max_size=3), min_size=7, max_size=7)
holiday_lists = st.lists(st.integers(0, 400).map(lambda n: FIRST_DAY + timedelta(days=n)), max_size=20)
near_transition = st.builds(lambda t, seconds: t + timedelta(seconds=seconds),
                            st.sampled_from(TRANSITIONS), st.integers(-3 * 86400, 3 * 86400))
anywhere = st.integers(0, 400 * 86400).map(lambda s: utc(2024, 1, 1) + timedelta(seconds=s))
moments = st.one_of(near_transition, anywhere)


def as_text(week: list[list[tuple[int, int]]]) -> dict[str, list[str]]:
    def clock(m: int) -> str:
        return f"{m // 60:02d}:{m % 60:02d}"
    return {day: [f"{clock(s)}-{clock(e)}" for s, e in day_ranges] for day, day_ranges in zip(DAYS, week)}


@settings(max_examples=150, deadline=None)
@given(week=weeks, holidays=holiday_lists, moment=moments, tz=st.sampled_from(ZONES),
       zone_of_moment=st.sampled_from([UTC, LONDON, NEW_YORK]))
def test_next_open_time_is_the_first_open_instant(week, holidays, moment, tz, zone_of_moment):
    hours = parse_hours(as_text(week), holidays)
    moment = moment.astimezone(zone_of_moment)
    found = next_open_time(hours, moment, tz)
    if not any(week):
        assert found is None
        return
    assert found is not None and found.tzinfo is tz
    assert found.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == found.replace(tzinfo=None)  # real
    assert is_open(hours, found, tz)
    gap = found.astimezone(UTC) - moment.astimezone(UTC)
    assert gap >= timedelta(0)
    if is_open(hours, moment, tz):
        assert gap == timedelta(0)
        return
    assert not is_open(hours, found.astimezone(UTC) - timedelta(seconds=1), tz)  # nothing open just before
    step = max(gap / 97, timedelta(minutes=1))
    probe = moment.astimezone(UTC)
    while probe < found.astimezone(UTC):
        assert not is_open(hours, probe, tz), probe
        probe += step


@settings(max_examples=100, deadline=None)
@given(week=weeks, moment=moments, tz=st.sampled_from(ZONES))
def test_open_moment_is_its_own_next_open_time(week, moment, tz):
    hours = parse_hours(as_text(week))
    found = next_open_time(hours, moment, tz)
    if found is not None:
        assert same_instant(next_open_time(hours, found, tz), found)
        assert describe_next_open(hours, found, tz).startswith("today ")


@settings(max_examples=100, deadline=None)
@given(start=st.integers(12 * 60, 1439), end=st.integers(1, 11 * 60), weekday=st.integers(0, 6),
       week_number=st.integers(0, 52), tz=st.sampled_from([LONDON, NEW_YORK, ZoneInfo("Asia/Kolkata")]))
def test_midnight_crossing_range_is_open_just_after_midnight(start, end, weekday, week_number, tz):
    week: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    week[weekday] = [(start, end)]
    hours = parse_hours(as_text(week))
    day = FIRST_DAY + timedelta(days=weekday + 7 * week_number)       # 2024-01-01 is a Monday
    after_midnight = datetime.combine(day + timedelta(days=1), time(0, 0, 30), tz)
    assert is_open(hours, after_midnight, tz)
    assert not is_open(hours, after_midnight + timedelta(days=1), tz)
    assert not is_open(parse_hours(as_text(week), [day]), after_midnight, tz)


def test_weekly_hours_needs_seven_days():
    with pytest.raises(ValueError):
        WeeklyHours(days=((),) * 6)


# ---- next_close_time ------------------------------------------------------------------------

def test_next_close_time_known_answers():
    monday_10 = datetime(2024, 1, 8, 10, 0, tzinfo=LONDON)
    assert same_instant(next_close_time(WEEKDAYS, monday_10, LONDON), datetime(2024, 1, 8, 17, 0, tzinfo=LONDON))
    evening = datetime(2024, 1, 8, 18, 0, tzinfo=LONDON)
    assert same_instant(next_close_time(WEEKDAYS, evening, LONDON), evening)          # closed now
    split = parse_hours({"mon": ["09:00-12:00", "12:00-17:00"], "tue": ["00:00-24:00"]})
    assert same_instant(next_close_time(split, monday_10, LONDON), datetime(2024, 1, 8, 17, 0, tzinfo=LONDON))
    late = parse_hours({"mon": ["20:00-24:00"], "tue": ["00:00-02:00"]})
    assert same_instant(next_close_time(late, datetime(2024, 1, 8, 21, 0, tzinfo=LONDON), LONDON),
                        datetime(2024, 1, 9, 2, 0, tzinfo=LONDON))


def test_open_all_week_never_closes_until_a_holiday():
    always = {day: ["00:00-24:00"] for day in DAYS}
    assert next_close_time(parse_hours(always), utc(2024, 1, 8, 10), LONDON) is None
    found = next_close_time(parse_hours(always, ["2024-02-01"]), utc(2024, 1, 8, 10), LONDON)
    assert same_instant(found, datetime(2024, 2, 1, 0, 0, tzinfo=LONDON))


def test_next_close_time_around_dst():
    # London springs forward at 01:00 GMT on 2024-03-31: a range ending in the gap closes as it begins
    gap = parse_hours({"sun": ["00:00-01:30"]})
    assert same_instant(next_close_time(gap, utc(2024, 3, 31, 0, 10), LONDON), utc(2024, 3, 31, 1, 0))
    # ...and falls back at 01:00 GMT on 2024-10-27: a range ending in the repeated hour closes at its first pass
    repeated = parse_hours({"sun": ["00:00-01:30"]})
    assert same_instant(next_close_time(repeated, utc(2024, 10, 26, 23, 10), LONDON), utc(2024, 10, 27, 0, 30))


@settings(max_examples=150, deadline=None)
@given(week=weeks, holidays=holiday_lists, moment=moments, tz=st.sampled_from(ZONES))
def test_next_close_time_is_the_first_closed_instant(week, holidays, moment, tz):
    hours = parse_hours(as_text(week), holidays)
    found = next_close_time(hours, moment, tz)
    if found is None:
        step = timedelta(hours=1)
        probe = moment.astimezone(UTC)
        for _ in range(24 * 8):
            assert is_open(hours, probe, tz), probe
            probe += step
        return
    assert found.tzinfo is tz and not is_open(hours, found, tz)
    gap = found.astimezone(UTC) - moment.astimezone(UTC)
    assert gap >= timedelta(0)
    if gap:
        assert is_open(hours, found.astimezone(UTC) - timedelta(seconds=1), tz)   # open just before
        step = max(gap / 97, timedelta(minutes=1))
        probe = moment.astimezone(UTC)
        while probe < found.astimezone(UTC):
            assert is_open(hours, probe, tz), probe
            probe += step


# ---- format_clock ---------------------------------------------------------------------------

@pytest.mark.parametrize("moment, seconds, expected", [
    (datetime(2024, 1, 8, 15, 42, 7, tzinfo=LONDON), False, "3:42 PM"),
    (datetime(2024, 1, 8, 15, 42, 7, tzinfo=LONDON), True, "3:42:07 PM"),
    (datetime(2024, 1, 8, 0, 5, 0, tzinfo=LONDON), True, "12:05:00 AM"),
    (utc(2024, 7, 8, 11, 59, 59), True, "12:59:59 PM"),                       # BST
])
def test_format_clock(moment, seconds, expected):
    assert format_clock(moment, LONDON, seconds=seconds) == expected


def test_format_clock_needs_an_aware_moment():
    with pytest.raises(ValueError, match="aware"):
        format_clock(datetime(2024, 1, 8, 15, 42), LONDON)
