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

from agent.config import DAYS, parse_range

__all__ = ["WeeklyHours", "parse_hours", "is_open", "next_open_time", "describe_next_open"]

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND = timedelta(seconds=1)
_DAY = timedelta(days=1)


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
    instant = moment.astimezone(timezone.utc)
    last_closed = max(hours.holidays | {_wall(instant, tz).date()})
    # Every holiday-free week has an open range (a wall-time gap removes at most one day's), so
    # past the last holiday two weeks always suffice; the limit only guards against surprises.
    horizon = datetime.combine(last_closed, time(), timezone.utc) + timedelta(days=15)
    while instant < horizon:
        offset = instant.astimezone(tz).utcoffset()
        end = _segment_end(instant, instant + _DAY, tz)
        low = instant.replace(tzinfo=None) + offset
        found = _first_open_wall(hours, low, end.replace(tzinfo=None) + offset)
        if found is not None:
            return (found - offset).replace(tzinfo=timezone.utc).astimezone(tz)
        instant = end
    return None


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
