"""The one period arithmetic: months as indexes, whole-month periods, the months a period
holds, the period before and the same period a year earlier.

Pure (no Django). A period is a pair of dates, both inclusive (UTC calendar days); a month
index is `year * 12 + month - 1`, so that months add and subtract as integers. Every page,
service, export and command that steps through months uses these functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta


def month_index(day: date) -> int:
    """The month of `day` as an integer (January of year 0 is 0)."""
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    """The first day of the month `index`."""
    return date(index // 12, index % 12 + 1, 1)


def month_end(index: int) -> date:
    """The last day of the month `index`."""
    return month_start(index + 1) - timedelta(days=1)


def month_last_day(day: date) -> date:
    """The last day of the month of `day`."""
    return month_end(month_index(day))


def add_months(day: date, n: int) -> date:
    """The first day of the month `n` months after the month of `day` (`n` may be < 0)."""
    return month_start(month_index(day) + n)


def month_bounds(first_index: int, last_index: int) -> tuple[date, date]:
    """The dates of the whole months [first, last] given as month indexes."""
    return month_start(first_index), month_end(last_index)


def months_of(first: date, last: date) -> list[date]:
    """The first day of every month that [first, last] touches, in order."""
    return [month_start(i) for i in range(month_index(first), month_index(last) + 1)]


def iter_months(first: date, last: date) -> Iterator[tuple[date, date]]:
    """(first day, last day) of every month that [first, last] touches."""
    for i in range(month_index(first), month_index(last) + 1):
        yield month_start(i), month_end(i)


def months_before(day: date, count: int) -> list[date]:
    """The first days of the `count` whole months before the month of `day`, newest first
    (the months an operator may still have to report)."""
    return [add_months(day, -n) for n in range(1, count + 1)]


def is_whole_months(first: date, last: date) -> bool:
    """Whether [first, last] starts on a month's first day and ends on a month's last."""
    return first.day == 1 and (last + timedelta(days=1)).day == 1


def month_count(first: date, last: date) -> int:
    """How many months [first, last] touches."""
    return month_index(last) - month_index(first) + 1


def previous_period(first: date, last: date) -> tuple[date, date]:
    """The period of the same length just before: whole months when the period is whole
    months (September -> August; a year -> the year before), else as many days."""
    if is_whole_months(first, last):
        return add_months(first, -month_count(first, last)), first - timedelta(days=1)
    return first - (last - first) - timedelta(days=1), first - timedelta(days=1)


def shift_year(day: date, years: int) -> date:
    """The same day `years` later (earlier when < 0); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def year_before(first: date, last: date) -> tuple[date, date]:
    """The same period a year earlier (whole months stay whole months)."""
    if is_whole_months(first, last):
        return add_months(first, -12), month_end(month_index(last) - 12)
    return shift_year(first, -1), shift_year(last, -1)


def comparison_periods(first: date, last: date) -> list[tuple[date, date]]:
    """[the period, the period before, the same period a year earlier]: what a figure is
    shown against."""
    return [(first, last), previous_period(first, last), year_before(first, last)]


def days_in(first: date, last: date) -> int:
    return (last - first).days + 1


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC moments [start, end) of the days [first, last]: the start of the first, the
    start of the day after the last."""
    return (
        datetime.combine(first, datetime.min.time(), UTC),
        datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC),
    )
