"""The window the figures count over, and the window of the same length before it.

A period is [start, end): start included, end excluded, both aware UTC; one that runs up to
now also holds what happened this very second (`upper_iso`). Dates are read by
core/dates.py's parse_since, as everywhere in prodops: `30d` is 30 days ago at this time of
day, and a day (`2026-11-01`, `monday`) means 09:00 local that day. The presets are read the
same way (`last 30 days` starts where `since:30d` does), so the inbox filter a figure opens
lists exactly the items it counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from ..dates import DateParseError, describe, from_iso, parse_since, to_iso
from ..errors import InvalidInput

PRESET_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Period:
    start: datetime  # aware UTC, included
    end: datetime  # aware UTC, excluded: normally now
    label: str  # "last 30 days", "since Sun 1 Nov 2026 09:00", "Sun 1 Nov 2026 09:00 to …"
    days: int | None = None  # the preset, when it is one
    # The inbox filter's `since:` value for this start ("30d", or the ISO time), and whether the
    # period runs up to now (then `since:` alone says which items were received in it).
    since_query: str = ""
    open_ended: bool = True

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def previous(self) -> Period:
        """The period of the same length just before this one."""
        start = self.start - self.length
        return Period(start, self.start, f"the {_length_words(self.length)} before", None, to_iso(start), False)

    @property
    def upper_iso(self) -> str:
        """The first time after the period: its end, or a second after it when the period runs
        up to now (an item triaged this very second is in it)."""
        return to_iso(self.end + timedelta(seconds=1)) if self.open_ended else self.end_iso

    @property
    def start_iso(self) -> str:
        return to_iso(self.start)

    @property
    def end_iso(self) -> str:
        return to_iso(self.end)


def last_days(days: int, *, now: datetime, tz: tzinfo | None = None) -> Period:
    if days < 1:
        raise InvalidInput(f"a period of {days} days is empty")
    start = parse_since(f"{days}d", now=now, tz=tz)
    return Period(start, now, f"last {days} days", days, f"{days}d")


def since(text: str, *, now: datetime, tz: tzinfo | None = None) -> Period:
    """From a typed date (`30d`, `2026-11-01`, `last monday`) up to now."""
    start = parse_since(text, now=now, tz=tz)
    if start >= now:
        raise InvalidInput(f"{text.strip()!r} is {describe(start, now=now, tz=tz)}: the period needs a start in the past")
    return Period(start, now, f"since {describe(start, now=now, tz=tz).split(' (')[0]}", None, to_iso(start))


def between(start_text: str, end_text: str | None, *, now: datetime, tz: tzinfo | None = None) -> Period:
    """`--from DATE [--to DATE]`: a fixed window; an end after now is cut at now."""
    start = parse_since(start_text, now=now, tz=tz)
    end = parse_since(end_text, now=now, tz=tz) if end_text else now
    end = min(end, now)
    if start >= now:
        raise InvalidInput(f"--from {start_text.strip()!r} is {describe(start, now=now, tz=tz)}: it needs a date in the past")
    if end <= start:
        raise InvalidInput(f"--to {end_text!r} is not after --from {start_text!r}")
    shown = f"{_day(start, now, tz)} to {_day(end, now, tz)}"
    return Period(start, end, shown, None, to_iso(start), end == now)


def from_options(*, since_text: str | None, from_text: str | None, to_text: str | None, now: datetime,
                 tz: tzinfo | None = None) -> Period:
    """The period the report's options name: --since, or --from [--to], else the default."""
    if to_text and not from_text:
        raise InvalidInput("--to needs --from (or use --since)")
    if from_text and since_text:
        raise InvalidInput("use --since or --from/--to, not both")
    try:
        if from_text:
            return between(from_text, to_text, now=now, tz=tz)
        if since_text:
            text = since_text.strip().casefold()
            if text.endswith("d") and text[:-1].isdigit() and int(text[:-1]) > 0:
                return last_days(int(text[:-1]), now=now, tz=tz)
            return since(since_text, now=now, tz=tz)
        return last_days(DEFAULT_DAYS, now=now, tz=tz)
    except DateParseError as exc:
        option = "--from" if from_text and exc.text in (from_text, to_text) and exc.text == from_text else (
            "--to" if to_text and exc.text == to_text else "--since")
        raise InvalidInput(f"{option}: {exc}") from None


def covering(first_iso: str, last_iso: str, *, before: datetime, now: datetime,
             tz: tzinfo | None = None) -> tuple[str, str]:
    """The `--from` day whose start (09:00 local, as every day typed) is not after `first_iso`,
    and the `--to` day whose start is after `last_iso` ("" when that day would not end before
    `before`: running up to now takes them in). Together they hold both times."""
    first, last = from_iso(first_iso), from_iso(last_iso)

    def start(day: date) -> datetime:
        return parse_since(day.isoformat(), now=now, tz=tz)

    from_day = first.astimezone(tz).date()
    while start(from_day) > first:
        from_day -= timedelta(days=1)
    to_day = last.astimezone(tz).date()
    while start(to_day) <= last:
        to_day += timedelta(days=1)
    return from_day.isoformat(), to_day.isoformat() if start(to_day) < before else ""


def _day(when: datetime, now: datetime, tz: tzinfo | None) -> str:
    return describe(when, now=now, tz=tz).split(" (")[0]


def _length_words(length: timedelta) -> str:
    days = length.total_seconds() / 86400
    if abs(days - round(days)) < 1 / 24:  # whole days, give or take a DST hour
        return f"{round(days)} days" if round(days) != 1 else "day"
    return f"{days:.1f} days"
