"""The one date parser for prodops: user-typed dates in, aware UTC datetimes out.

Order of attack: a small table-driven grammar (durations, calendar words, weekdays) built on
relativedelta, then strict ISO 8601 via isoparse, then dateutil's parser (never fuzzy: fuzzy
mode reads "ticket 42 from acme" as 2042-01-31). Conventions callers must know:

* Day-granular answers (tomorrow, friday, 3d, 2026-12-01) mean 09:00 in the user's zone.
* Numeric dates are MONTH-first: "3/4/25" is March 4 2025, "12/01/2026" is December 1.
* "friday" is the next Friday after today; "next friday" is the Friday of next week (from a
  Wednesday: 9 days on, not 2); "this friday" is this week's, today included. `rule_of()`
  says which rule a text used, for the previews.
* Everything returned is aware and in UTC (datetime.timezone.utc).
* Only dates from FIRST_DAY to LAST_DAY are read (see there why); one outside is refused with
  DateOutOfRange, a DateParseError naming the text and the range.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from dateutil import tz as dateutil_tz
from dateutil.parser import isoparse
from dateutil.parser import parse as dateutil_parse
from dateutil.relativedelta import FR, MO, relativedelta, weekday

MAX_INPUT = 100  # never hand dateutil anything bigger than a human would type
START_OF_DAY = time(9, 0)  # what "tomorrow" means: the start of a working day
_EXAMPLES = "try 3d, 2w, tomorrow, next monday, 2026-12-01"


# The dates prodops can show and count, the same everywhere a date is typed (the command line,
# the app's forms and filters, a file's date column). Why these ends: the metrics compare a
# period with the one of the same length before it, so a start S counted at a time N reaches
# back to 2*S - N; with S and N both in this range that is never before the year 800, and
# showing any of these instants in a local zone (offsets up to 14 hours) stays far from year 1
# and year 9999, where datetime arithmetic and astimezone overflow ('0001-01-01' typed in the
# metrics pane crashed the app: tests/hardening/test_early_dates.py). No feedback is received
# before 1900 and no snooze or due date needs to reach past 2999: a date out there is a typo or
# a placeholder (0001-01-01, 9999-12-31).
# The ends are days as typed, in the zone they were typed in: '1900-01-01' is in range anywhere.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


class DateParseError(ValueError):
    """A one-line, user-facing message naming the text, e.g.
    "cannot read 'blorp' as a date (try 3d, 2w, tomorrow, next monday, 2026-12-01)"."""

    def __init__(self, text: str, reason: str = "") -> None:
        self.text = text
        detail = f": {reason}" if reason else ""
        super().__init__(f"cannot read {_shown(text)!r} as a date{detail} ({_EXAMPLES})")


class DateOutOfRange(DateParseError):
    """A date that reads but falls outside FIRST_DAY..LAST_DAY (or past what datetime holds), e.g.
    "'0001-01-01' is outside the dates prodops can count (1900-01-01 to 2999-12-31)"."""

    def __init__(self, text: str) -> None:
        self.text = text
        ValueError.__init__(self, f"{_shown(text)!r} is outside the dates prodops can count "
                                  f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})")


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "..."


def check_in_range(when: datetime, text: str) -> datetime:
    """`when` itself if its day (as written, in its own zone) is FIRST_DAY..LAST_DAY; else
    DateOutOfRange naming `text`. For code that reads dates without parse_when (a file's ISO
    timestamps), so that every date prodops takes in obeys the one range."""
    if not FIRST_DAY <= when.date() <= LAST_DAY:
        raise DateOutOfRange(text)
    return when


@dataclass(frozen=True)
class _Ctx:
    text: str  # the original input, for error messages
    now: datetime  # aware, UTC
    local: datetime  # the same instant on the user's wall clock
    tz: tzinfo
    since: bool  # parse_since: a bare duration means "that long ago"

    @property
    def today(self) -> date:
        return self.local.date()


# --- grammar: regex (matched against lowercased, space-normalised text) -> handler ----------
# A handler returns a date (meaning 09:00 local that day), an exact datetime, or None
# ("not mine after all", e.g. "1 dec" looks like a duration but is a day of December).

_UNITS = {
    **dict.fromkeys(["m", "min", "mins", "minute", "minutes"], "minutes"),
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours"], "hours"),
    **dict.fromkeys(["d", "day", "days"], "days"),
    **dict.fromkeys(["w", "wk", "wks", "week", "weeks"], "weeks"),
    # "m" is minutes, so months need "mo"; "mon" would be Monday.
    **dict.fromkeys(["mo", "mos", "month", "months"], "months"),
    **dict.fromkeys(["y", "yr", "yrs", "year", "years"], "years"),
}


def _duration(m: re.Match, c: _Ctx) -> date | datetime | None:
    unit = _UNITS.get(m["unit"])
    if unit is None:
        return None
    into, sign, ago = m["into"], m["sign"], m["ago"]
    if (into and (sign or ago)) or (sign and ago):
        raise DateParseError(c.text, "mix of 'in', '+/-' and 'ago'")
    if sign == "-" and not c.since:
        raise DateParseError(c.text, f"negative offsets are not allowed here; write '{m[0][1:]} ago'")
    # parse_since: "30d" means 30 days ago; an explicit "in"/"+" still means the future.
    past = bool(ago or sign == "-" or (c.since and not (into or sign)))
    delta = relativedelta(**{unit: int(m["n"])})
    if past:
        delta = -delta
    if unit in ("minutes", "hours"):
        return c.now + delta  # elapsed time, so do it in UTC
    if c.since and past:
        return c.local + delta  # a report window: same local time of day, N days/months back
    return c.today + delta  # one step from today, so Jan 31 + 1mo = Feb 28


_WORDS = {
    "now": lambda c: c.now,
    "today": lambda c: c.today,
    "tomorrow": lambda c: c.today + timedelta(days=1),
    "yesterday": lambda c: c.today - timedelta(days=1),
    "next week": lambda c: c.today + relativedelta(days=1, weekday=MO),
    "next month": lambda c: c.today + relativedelta(months=1, day=1),
    "start of month": lambda c: c.today.replace(day=1),
    "end of week": lambda c: c.today + relativedelta(weekday=FR),  # FR(+1) on a Friday is today
    "end of month": lambda c: c.today + relativedelta(day=31),  # relativedelta clamps to month end
    "end of year": lambda c: c.today.replace(month=12, day=31),
}
_WORDS.update(som=_WORDS["start of month"], eow=_WORDS["end of week"],
              eom=_WORDS["end of month"], eoy=_WORDS["end of year"])

_WEEKDAY_NAMES = ("monday|mon|tuesday|tues|tue|wednesday|wed|thursday|thurs|thur|thu"
                  "|friday|fri|saturday|sat|sunday|sun")


def _weekday_index(name: str) -> int:  # "thurs" -> 3
    return "montuewedthufrisatsun".index(name[:3]) // 3


def _weekday(m: re.Match, c: _Ctx) -> date:
    day = weekday(_weekday_index(m["day"]))
    if m["which"] == "this":  # this week's, today included
        return c.today + relativedelta(weekday=day(+1))
    if m["which"] == "last":  # strictly before today
        return c.today + relativedelta(days=-1, weekday=day(-1))
    if m["which"] == "next":  # the day in next week (the week starting on the coming Monday)
        return c.today + relativedelta(days=1, weekday=MO(+1)) + relativedelta(weekday=day(+1))
    return c.today + relativedelta(days=1, weekday=day(+1))  # plain: strictly after today


_GRAMMAR = [
    (re.compile(r"(?:(?P<into>in) )?(?P<sign>[+-])?(?P<n>\d+) ?(?P<unit>[a-z]+)(?: (?P<ago>ago))?"),
     _duration),
    (re.compile("|".join(map(re.escape, _WORDS))), lambda m, c: _WORDS[m[0]](c)),
    (re.compile(rf"(?:(?P<which>next|this|last) )?(?P<day>{_WEEKDAY_NAMES})"), _weekday),
]

# --- absolute dates ------------------------------------------------------------------------
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}(?::?\d{2})?)?)?")
# A clock time alone ("14:30", "5pm", "14:30 utc") means today; "1.5h" must not sneak through.
_CLOCK = re.compile(r"(?:\d{1,2}(?::\d{2}){1,2}(?: ?[ap]\.?m\.?)?|\d{1,2} ?[ap]\.?m\.?)"
                    r"(?: ?(?:z|utc|gmt|[+-]\d{2}:?\d{2}))?")
# dateutil fills missing fields from `default`; parsing with two different defaults tells us
# which fields the user actually typed (a field that changes with the default was missing).
_WRITTEN_YEAR = re.compile(r"(?<![\d:.+-])\d{4}(?![\d:])")  # not "+0000" (an offset) nor "14:30"
_DEFAULT_A = datetime(2000, 1, 1, 0, 0)
_DEFAULT_B = datetime(2004, 2, 2, 1, 0)  # both leap years, so "Feb 29" survives


class _UnknownZone(Exception):
    pass


def _zones(name: str | None, offset: int | None) -> tzinfo | None:
    # Only numeric offsets and UTC/GMT/Z: abbreviations like "CST" or "IST" mean different
    # things in different places, and dateutil would resolve them from the machine's zone.
    if offset is not None:
        return timezone.utc if offset == 0 else timezone(timedelta(seconds=offset))
    if name is None:
        return None
    raise _UnknownZone(name)


def _absolute(raw: str, low: str, c: _Ctx) -> date | datetime:
    if _ISO.fullmatch(low):
        try:
            parsed = isoparse(raw.upper())
        except ValueError:  # "2026-02-30", or "0000-01-01" (datetime has no year 0)
            if not FIRST_DAY.year <= int(low[:4]) <= LAST_DAY.year:
                raise DateOutOfRange(c.text) from None
            raise DateParseError(c.text, "no such date") from None
        return parsed if len(low) > 10 else parsed.date()
    try:
        a = dateutil_parse(raw, default=_DEFAULT_A, tzinfos=_zones, dayfirst=False, yearfirst=False)
        b = dateutil_parse(raw, default=_DEFAULT_B, tzinfos=_zones, dayfirst=False, yearfirst=False)
    except _UnknownZone as e:
        raise DateParseError(c.text, f"unknown time zone {e.args[0]!r}; use an offset like +02:00") from None
    except (ValueError, OverflowError):  # ParserError is a ValueError
        raise DateParseError(c.text) from None
    # dateutil reads a zero-padded year as two digits ("Jan 1 0001" is 2001): a year written
    # with four digits is that year, and one outside the range is refused, not moved into it
    # (a four-digit clock time, "Dec 1 2026 0930", is not a year: 2026 was written).
    written = [int(year) for year in _WRITTEN_YEAR.findall(low)]
    if a.year == b.year and a.year not in written and any(
            not FIRST_DAY.year <= year <= LAST_DAY.year for year in written):
        raise DateOutOfRange(c.text)
    has_time = a.hour == b.hour
    if a.month == b.month and a.day == b.day:
        if a.year != b.year:  # "Dec 1": the next Dec 1 on or after today
            for year in range(c.today.year, c.today.year + 9):
                try:
                    a = a.replace(year=year)
                except ValueError:  # Feb 29 in a common year, or past year 9999
                    continue
                if a.date() >= c.today:
                    break
            else:
                raise DateParseError(c.text, "no such date")
        named = re.search(rf"\b({_WEEKDAY_NAMES})\b", low)
        if named and _weekday_index(named[1]) != a.weekday():
            raise DateParseError(c.text, f"{a.day} {_MONTH_ABBR[a.month - 1]} {a.year} is a {_DAY_ABBR[a.weekday()]}")
        return a if has_time else a.date()
    if a.year == b.year or a.month == b.month or a.day == b.day or not _CLOCK.fullmatch(low):
        raise DateParseError(c.text, "it needs a day and a month")  # "Dec", "12th", "2026-12"
    return datetime.combine(c.today, a.time(), tzinfo=a.tzinfo)  # "14:30", "5pm": today


def _parse(text: str, now: datetime | None, tz: tzinfo | None, since: bool) -> datetime:
    if not isinstance(text, str):
        raise TypeError(f"expected a str, got {type(text).__name__}")
    if len(text) > MAX_INPUT:
        raise DateParseError(text, f"longer than {MAX_INPUT} characters")
    raw = " ".join(text.split())
    low = raw.lower()
    if not raw:
        raise DateParseError(text, "it is empty")
    if raw.isdigit():  # dateutil reads "12" as the 12th of this month: too surprising
        raise DateParseError(text, "a bare number is ambiguous")
    now = utc_now() if now is None else now
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    tz = tz or dateutil_tz.tzlocal()
    now = now.astimezone(timezone.utc)
    c = _Ctx(text=text, now=now, local=now.astimezone(tz), tz=tz, since=since)
    try:
        for pattern, handler in _GRAMMAR:
            m = pattern.fullmatch(low)
            if m and (result := handler(m, c)) is not None:
                break
        else:
            result = _absolute(raw, low, c)
        if not isinstance(result, datetime):
            result = datetime.combine(result, START_OF_DAY)
        if result.tzinfo is None:
            result = result.replace(tzinfo=tz)
        check_in_range(result, text)
        # A wall time skipped by a DST jump (02:30 on spring-forward day) moves forward.
        return dateutil_tz.resolve_imaginary(result).astimezone(timezone.utc)
    except DateParseError:
        raise
    except (OverflowError, ValueError):  # "99999999d", year 10000, ...: past what datetime holds
        raise DateOutOfRange(text) from None


_RULE = re.compile(rf"^\s*(?:(?P<which>next|this|last) +)?(?P<day>{_WEEKDAY_NAMES})\s*$", re.IGNORECASE)
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def rule_of(text: str) -> str:
    """How a weekday was read, in words, for the previews ('' for other forms):
    'friday' -> 'the next Friday after today', 'next friday' -> 'the Friday of next week'."""
    match = _RULE.match(text)
    if not match:
        return ""
    name = _DAY_NAMES[_weekday_index(match["day"].casefold())]
    return {"next": f"the {name} of next week", "this": f"this week's {name}, today included",
            "last": f"the last {name} before today"}.get((match["which"] or "").casefold(), f"the next {name} after today")


def parse_when(text: str, *, now: datetime | None = None, tz: tzinfo | None = None) -> datetime:
    """Parse a user-typed date/time; returns an AWARE datetime in UTC.

    `now` (aware; default: the current time) anchors relative forms; `tz` (default: the system
    zone) interprets calendar words and naive absolute dates. Day-granular forms resolve to 09:00
    local; `3h`/`90m`/`in 2 hours` are now + duration; absolute forms with a time keep it.
    Raises DateParseError (a ValueError) with a one-line message naming the text."""
    return _parse(text, now, tz, since=False)


def parse_since(text: str, *, now: datetime | None = None, tz: tzinfo | None = None) -> datetime:
    """For report windows like `--since 30d`: a bare duration (`30d`, `-30d`, `30 days`) means
    that long AGO, at the same local time of day; anything else is read as by parse_when."""
    return _parse(text, now, tz, since=True)


# --- storage and display -------------------------------------------------------------------

def to_iso(dt: datetime) -> str:
    """Aware datetime -> 'YYYY-MM-DDTHH:MM:SSZ' (UTC, seconds truncated). Naive raises ValueError."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"to_iso needs an aware datetime, got naive {dt!r}")
    u = dt.astimezone(timezone.utc)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z"


def from_iso(s: str) -> datetime:
    """Inverse of to_iso. Accepts any explicit offset ('Z', '+00:00', '+02:00') and fractional
    seconds; returns aware UTC. Strings without an offset are rejected, not guessed."""
    if not isinstance(s, str) or len(s) > MAX_INPUT:
        raise DateParseError(str(s)[:MAX_INPUT], "not an ISO timestamp")
    try:
        dt = isoparse(s.strip())
    except (ValueError, OverflowError):
        raise DateParseError(s, "not an ISO timestamp") from None
    if dt.tzinfo is None:
        raise DateParseError(s, "ISO timestamp has no UTC offset")
    try:
        return dt.astimezone(timezone.utc)
    except OverflowError:  # '0001-01-01T00:00:00+05:00' is before the first datetime in UTC
        raise DateOutOfRange(s) from None


def utc_now() -> datetime:
    """The current time, aware UTC, whole seconds."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def to_local(dt: datetime, tz: tzinfo | None = None) -> datetime:
    """An aware datetime on the user's wall clock (`tz`, default the system zone), for display.
    A stored time outside the range (an older workspace, a hand-edited journal) so near year 1
    or 9999 that the zone's offset overflows is shown as stored, in UTC, instead of crashing."""
    try:
        return dt.astimezone(tz or dateutil_tz.tzlocal())
    except (OverflowError, ValueError):
        return dt


def humanize_age(then: datetime, now: datetime) -> str:
    """Compact age for list columns: 'now', '5m', '3h', '2d', '3w', '4mo', '2y'.
    Ages under a minute, and timestamps in the future (clock skew), show as 'now'."""
    seconds = int((now - then).total_seconds())
    days = seconds // 86400
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if days < 1:
        return f"{seconds // 3600}h"
    if days < 7:
        return f"{days}d"
    if days < 30:
        return f"{days // 7}w"
    if days < 365:
        return f"{days // 30}mo"
    return f"{days // 365}y"


_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # not strftime: locale-proof
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def describe(dt: datetime, *, now: datetime, tz: tzinfo | None = None) -> str:
    """Echo a parsed date back in the user's zone before applying it, e.g.
    'Tue 1 Dec 2026 09:00 (in 7 days)', '(today)', '(tomorrow)', '(yesterday)', '(3 days ago)'.
    The relative part counts calendar days in `tz`."""
    tz = tz or dateutil_tz.tzlocal()
    local = to_local(dt, tz)
    days = (local.date() - to_local(now, tz).date()).days
    relative = {0: "today", 1: "tomorrow", -1: "yesterday"}.get(
        days, f"in {days} days" if days > 0 else f"{-days} days ago")
    return f"{_date_words(local)} {local:%H:%M} ({relative})"


# --- the one way an instant or a day is shown to people ------------------------------------
# Always on the reader's wall clock: a stored instant is UTC, and its first ten characters are
# the UTC date, a day off for a user east or west of UTC near midnight. Machine forms (ids, file
# names, JSON fields, RRULE DTSTARTs) stay ISO and UTC: to_iso.


def _local(when: str | datetime, tz: tzinfo | None) -> datetime:
    return to_local(from_iso(when) if isinstance(when, str) else when, tz)


def _date_words(local: datetime) -> str:
    return f"{_DAY_ABBR[local.weekday()]} {local.day} {_MONTH_ABBR[local.month - 1]} {local.year}"


def display_datetime(when: str | datetime, *, tz: tzinfo | None = None) -> str:
    """An instant (ISO text as stored, or an aware datetime) on the reader's wall clock (`tz`,
    default the system zone): 'Tue 1 Dec 2026 09:00'. Raises DateParseError for text that is
    not an ISO timestamp."""
    local = _local(when, tz)
    return f"{_date_words(local)} {local:%H:%M}"


def display_date(when: str | datetime, *, tz: tzinfo | None = None) -> str:
    """The reader's calendar day of an instant, as ISO 8601: '2026-12-01'. Where a day, not a
    time, is what people need (a due date, a retro's day, a run's week): unambiguous in any
    language, ten characters in any column, and the reader's day, not UTC's."""
    local = _local(when, tz)
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"


def display_day(when: str | datetime, *, tz: tzinfo | None = None, weekday: bool = False) -> str:
    """The short form, for lists and sentences where the year goes without saying: '1 Dec', or
    'Tue 1 Dec' with `weekday`. In a column, right-align it ('{:>6}') so ' 1 Dec' lines up
    under '20 Nov'."""
    local = _local(when, tz)
    day = f"{local.day} {_MONTH_ABBR[local.month - 1]}"
    return f"{_DAY_ABBR[local.weekday()]} {day}" if weekday else day
