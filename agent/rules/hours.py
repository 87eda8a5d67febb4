"""Opening hours: is the shop open at an instant, and when does it next open.

Hours are wall-clock ranges in the business's time zone. A range ("09:00-17:00") means the local
wall times in [start, end) on the day it belongs to; "22:00-02:00" belongs to the day it starts on
and runs into the next morning; "00:00-24:00" is the whole day.

Daylight saving time follows from wall-clock semantics:
- spring forward: wall times in the skipped hour never happen, so a range starting inside the gap
  opens at the first real instant after it (and a range lying wholly inside the gap never opens);
- fall back: the repeated hour is covered once per wall time, so both instants of 01:30 are open
  when 01:30 is inside a range. A range ending inside the repeated hour ("00:00-01:30") is open,
  then closed, then open again for the second 01:00-01:30.

A holiday closes the business day of that local date: ranges starting on it do not open. The
early-morning tail of a midnight-crossing range that started the evening before still runs,
because that range belongs to the day before.

All arithmetic on instants is done in UTC: two aware datetimes sharing one ZoneInfo compare and
subtract by wall time (fold ignored), which is wrong across a fall-back hour.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

__all__ = ["DAYS", "WeeklyHours", "parse_range", "read_day", "parse_hours", "is_open", "next_open_time", "next_close_time",
           "describe_next_open", "format_clock"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND = timedelta(seconds=1)
_DAY = timedelta(days=1)


def parse_range(text: str) -> tuple[int, int]:
    """'08:00-17:30' → (480, 1050) minutes; '22:00-02:00' crosses midnight; '00:00-24:00' all day."""
    match = _RANGE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f'expected "HH:MM-HH:MM" time ranges, got "{text}"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(f'"{text}" is not a time of day (00:00 to 24:00)')
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise ValueError(f'"{text}" is empty: start and end are the same')
    return start, end


@dataclass(frozen=True)
class WeeklyHours:
    """Ranges per weekday, Mon..Sun, as (start_min, end_min); end < start crosses midnight."""

    days: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError(f"expected 7 days Mon..Sun, got {len(self.days)}")


def _parse_day(day: str, ranges: Sequence[str]) -> tuple[tuple[int, int], ...]:
    if isinstance(ranges, str) or not isinstance(ranges, Sequence):
        raise ValueError(f'{day}: expected a list such as ["09:00-17:00"] ([] = closed), got {ranges!r}')
    parsed = []
    for text in ranges:
        try:
            parsed.append(parse_range(text))
        except ValueError as e:
            raise ValueError(f"{day}: {e}") from None
    return tuple(sorted(parsed))


def _parse_holiday(value: str | date) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f'holidays: "{value}" is not a date written YYYY-MM-DD')


def parse_hours(week: Mapping[str, Sequence[str]], holidays: Iterable[str | date] = ()) -> WeeklyHours:
    """Build WeeklyHours from {"mon": ["09:00-17:00"], ...}; a missing day is closed.

    Raises ValueError naming the day (or "holidays") and the bad text.
    """
    unknown = [key for key in week if key not in DAYS]
    if unknown:
        raise ValueError(f'"{unknown[0]}" is not a day (expected one of {", ".join(DAYS)})')
    days = tuple(_parse_day(day, week.get(day, ())) for day in DAYS)
    return WeeklyHours(days=days, holidays=frozenset(_parse_holiday(h) for h in holidays))


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"moment must be timezone-aware, got {moment!r}")


def _wall(moment: datetime, tz: ZoneInfo) -> datetime:
    """The naive local wall time of an instant."""
    return moment.astimezone(tz).replace(tzinfo=None)


def _wall_ranges(hours: WeeklyHours, day: date) -> Iterable[tuple[datetime, datetime]]:
    """The naive wall intervals [start, end) belonging to one local date (none on a holiday)."""
    if day in hours.holidays:
        return
    midnight = datetime.combine(day, time())
    for start, end in hours.days[day.weekday()]:
        opens = midnight + timedelta(minutes=start)
        closes = midnight + timedelta(minutes=end if end > start else end + 24 * 60)
        yield opens, closes


def _first_open_wall(hours: WeeklyHours, low: datetime, high: datetime) -> datetime | None:
    """The earliest naive wall time in [low, high) that lies inside a range, or None."""
    best = None
    day = low.date() - _DAY
    while day <= high.date():
        for opens, closes in _wall_ranges(hours, day):
            if opens < high and closes > low:
                candidate = max(opens, low)
                best = candidate if best is None else min(best, candidate)
        day += _DAY
    return best


def is_open(hours: WeeklyHours, moment: datetime, tz: ZoneInfo) -> bool:
    """True when the local wall time of `moment` (aware, any zone) lies inside a range."""
    _require_aware(moment)
    wall = _wall(moment, tz)
    return _first_open_wall(hours, wall, wall + _SECOND) == wall


def _segment_end(start: datetime, limit: datetime, tz: ZoneInfo) -> datetime:
    """The first instant in (start, limit] whose UTC offset differs from start's, else limit.

    Time zone transitions fall on whole seconds, so a bisection over epoch seconds finds it.
    """
    offset = start.astimezone(tz).utcoffset()
    if limit.astimezone(tz).utcoffset() == offset:
        return limit
    low = (start - _EPOCH) // _SECOND          # offset here is still `offset`
    high = -((_EPOCH - limit) // _SECOND)      # ceil; offset here differs
    while high - low > 1:
        middle = (low + high) // 2
        if (_EPOCH + middle * _SECOND).astimezone(tz).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return _EPOCH + high * _SECOND


def next_open_time(hours: WeeklyHours, moment: datetime, tz: ZoneInfo) -> datetime | None:
    """The first real instant at or after `moment` when the shop is open, aware in `tz`.

    Returns `moment` (converted to tz) if open now, None if the week has no hours at all. Walks
    forward through stretches of constant UTC offset, where wall time runs straight, so a range
    that starts in a spring-forward gap opens when the gap ends and a repeated fall-back hour is
    seen twice. Holidays are skipped however long they run.
    """
    _require_aware(moment)
    if not any(hours.days):
        return None
    return _walk(hours, moment, tz, _first_open_wall)


def describe_next_open(hours: WeeklyHours, moment: datetime, tz: ZoneInfo) -> str:
    """When the shop next opens, for a text: "today 08:00", "tomorrow 08:00", "Mon 08:00".

    More than six days ahead (a holiday run) the date is added, "Mon 5 Jan 08:00", so the day
    cannot be mistaken for next week's. "" when the shop never opens.
    """
    opens = next_open_time(hours, moment, tz)
    if opens is None:
        return ""
    days_ahead = (opens.date() - _wall(moment, tz).date()).days
    clock = f"{opens.hour:02d}:{opens.minute:02d}"
    if days_ahead == 0:
        return f"today {clock}"
    if days_ahead == 1:
        return f"tomorrow {clock}"
    day_name = _DAY_NAMES[opens.weekday()]
    if days_ahead <= 6:
        return f"{day_name} {clock}"
    return f"{day_name} {opens.day} {_MONTH_NAMES[opens.month - 1]} {clock}"


def _first_closed_wall(hours: WeeklyHours, low: datetime, high: datetime) -> datetime | None:
    """The earliest naive wall time in [low, high) that lies inside no range, or None."""
    intervals = []
    day = low.date() - _DAY
    while day <= high.date():
        intervals.extend(_wall_ranges(hours, day))
        day += _DAY
    wall, moved = low, True
    while moved and wall < high:
        moved = False
        for opens, closes in intervals:
            if opens <= wall < closes:
                wall, moved = closes, True
    return wall if wall < high else None


def next_close_time(hours: WeeklyHours, moment: datetime, tz: ZoneInfo) -> datetime | None:
    """The first real instant at or after `moment` when the shop is closed, aware in `tz`.

    Returns `moment` (converted to tz) if closed now; None if it is open without a break for two
    weeks past the last holiday (open all day, every day). Walks stretches of constant UTC offset
    as next_open_time does, so a range that ends in a spring-forward gap closes when the gap
    begins, and one that ends in a repeated fall-back hour closes at its first pass.
    """
    _require_aware(moment)
    return _walk(hours, moment, tz, _first_closed_wall)


def _walk(hours: WeeklyHours, moment: datetime, tz: ZoneInfo, first_wall) -> datetime | None:
    """Walk forward from `moment` through stretches of constant UTC offset (where wall time runs
    straight) until `first_wall(hours, low, high)` finds a wall time; that instant, in tz."""
    instant = moment.astimezone(timezone.utc)
    last_closed = max(hours.holidays | {_wall(instant, tz).date()})
    # Every holiday-free week has an open range (a wall-time gap removes at most one day's), so
    # past the last holiday two weeks always suffice; the limit only guards against surprises.
    horizon = datetime.combine(last_closed, time(), timezone.utc) + timedelta(days=15)
    while instant < horizon:
        offset = instant.astimezone(tz).utcoffset()
        end = _segment_end(instant, instant + _DAY, tz)
        low = instant.replace(tzinfo=None) + offset
        found = first_wall(hours, low, end.replace(tzinfo=None) + offset)
        if found is not None:
            return (found - offset).replace(tzinfo=timezone.utc).astimezone(tz)
        instant = end
    return None


_ALL_DAY = re.compile(r"(?:open\s*)?(?:24\s*h(?:ours?|rs?)?|24/7|all\s*day|00:00\s*-\s*24:00)")
_TYPED_RANGE = re.compile(r"(\d{1,2})[:.](\d{2})\s*[-\u2010-\u2015]\s*(\d{1,2})[:.](\d{2})")


def _as_range(typed: str) -> str:
    """"9:30 – 17:00", "9.30-5.00"? → "09:30-17:00" where it reads as two clock times; else as typed."""
    match = _TYPED_RANGE.fullmatch(typed.strip())
    if not match:
        return typed.strip()
    h1, m1, h2, m2 = match.groups()
    return f"{int(h1):02d}:{m1}-{int(h2):02d}:{m2}"


def _twelve_hour_reading(typed: list[str], ranges: list[str]) -> str | None:
    """A one-digit hour read on the 24-hour clock where the owner most likely meant the afternoon
    ("9:30-5:00" would be overnight until 5 AM; "8:00-12:00, 1:00-5:00" would be 1 AM to 5 AM):
    the question to ask, never a guess."""
    earliest = -1
    for written, item in zip(typed, ranges):
        match = _TYPED_RANGE.fullmatch(written)
        if not match:
            return None
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        short_start, short_end = len(match.group(1)) == 1, len(match.group(3)) == 1
        afternoon = None
        if short_start and start <= earliest and h1 < 12:
            afternoon = f"{h1 + 12:02d}:{m1:02d}-{(h2 + 12 if h2 < 12 else h2):02d}:{m2:02d}"
        elif short_end and end < start and h1 < 12 and h2 + 12 > h1:
            afternoon = f"{h1:02d}:{m1:02d}-{h2 + 12:02d}:{m2:02d}"
        if afternoon:
            return (f'"{written}" reads as {item} on the 24-hour clock. For the afternoon write {afternoon}; '
                    f'if you meant {item}, write it so, with two-digit hours.')
        earliest = max(earliest, start)
    return None


def read_day(text: str) -> tuple[list[str], str | None]:
    """One day's hours as the owner types them ("09:00-12:30, 13:30-17:00", "9:30-17:00", "24h", or
    "closed"/empty) → (the ranges, None) or (what was typed, the problem with an example)."""
    if text.strip().lower() in ("", "closed"):
        return [], None
    if _ALL_DAY.fullmatch(text.strip().lower()):
        return ["00:00-24:00"], None
    typed = [part.strip() for part in re.split(r"[,;]", text) if part.strip()]
    ranges = [_as_range(part) for part in typed]
    problem = _twelve_hour_reading(typed, ranges)
    if problem:
        return typed, problem
    for item in ranges:
        try:
            parse_range(item)
        except ValueError as error:
            message = str(error)
            return typed, (message[0].upper() + message[1:] + ". Example: 09:00-17:30, or 00:00-24:00 for "
                           "open all day; leave empty when closed.")
    return ranges, None


def format_clock(moment: datetime, tz: ZoneInfo, seconds: bool = False) -> str:
    """The local time of an aware instant as "3:42 PM" ("3:42:07 PM" with seconds): 12-hour clock,
    no leading zero, the same in any locale (strftime's %p and %I are not)."""
    _require_aware(moment)
    local = moment.astimezone(tz)
    clock = f"{local.hour % 12 or 12}:{local.minute:02d}"
    if seconds:
        clock += f":{local.second:02d}"
    return f"{clock} {'AM' if local.hour < 12 else 'PM'}"
