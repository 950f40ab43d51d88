"""User stories for prodops_tui.core.dates.

Every test pins the clock and the zone: "now" is Tuesday 2026-11-24 15:00 UTC (16:00 in Berlin,
which is on CET = UTC+1 in November), so 09:00 Berlin is 08:00 UTC.
"""
from __future__ import annotations

import ast
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from dateutil import tz

from prodops_tui.core import dates
from prodops_tui.core.dates import (
    DateParseError,
    describe,
    from_iso,
    humanize_age,
    parse_since,
    parse_when,
    to_iso,
    utc_now,
)

BERLIN = tz.gettz("Europe/Berlin")
UTC = timezone.utc
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def when(text: str, now: datetime = NOW, zone=BERLIN) -> datetime:
    return parse_when(text, now=now, tz=zone)


def since(text: str, now: datetime = NOW, zone=BERLIN) -> datetime:
    return parse_since(text, now=now, tz=zone)


def nine_am_berlin(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 9, tzinfo=BERLIN).astimezone(UTC)


# --- durations ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, day", [
    ("3d", utc(2026, 11, 27, 8)),
    ("3 days", utc(2026, 11, 27, 8)),
    ("in 3 days", utc(2026, 11, 27, 8)),
    ("+3d", utc(2026, 11, 27, 8)),
    ("1 day", utc(2026, 11, 25, 8)),
    ("2w", utc(2026, 12, 8, 8)),
    ("2 weeks", utc(2026, 12, 8, 8)),
    ("in 2 weeks", utc(2026, 12, 8, 8)),
    ("2mo", utc(2027, 1, 24, 8)),
    ("1 month", utc(2026, 12, 24, 8)),
    ("1y", utc(2027, 11, 24, 8)),
    ("2 years", utc(2028, 11, 24, 8)),
    ("0d", utc(2026, 11, 24, 8)),
])
def test_day_sized_durations_land_at_nine_local_on_that_day(text, day):
    assert when(text) == day


@pytest.mark.parametrize("text, delta", [
    ("3h", timedelta(hours=3)),
    ("3 hours", timedelta(hours=3)),
    ("in 1 hour", timedelta(hours=1)),
    ("in 2 hours", timedelta(hours=2)),
    ("90m", timedelta(minutes=90)),
    ("30min", timedelta(minutes=30)),
    ("45 minutes", timedelta(minutes=45)),
    ("+2h", timedelta(hours=2)),
])
def test_hour_and_minute_durations_are_exactly_that_long_from_now(text, delta):
    assert when(text) == NOW + delta


def test_m_means_minutes_and_mo_means_months():
    assert when("1m") == NOW + timedelta(minutes=1)
    assert when("1mo") == utc(2026, 12, 24, 8)


def test_typing_is_case_and_whitespace_insensitive():
    assert when("  In   2 Weeks ") == when("in 2 weeks")
    assert when("\tTOMORROW\n") == when("tomorrow")
    assert when("FRI") == when("friday")


def test_one_month_after_january_31_is_the_end_of_february():
    jan31 = utc(2027, 1, 31, 12)
    assert when("1mo", now=jan31) == nine_am_berlin(2027, 2, 28)
    assert when("1mo", now=utc(2028, 1, 31, 12)) == nine_am_berlin(2028, 2, 29)  # leap year


def test_two_months_after_january_31_is_computed_from_the_anchor_not_step_by_step():
    # Stepping Jan 31 -> Feb 28 -> Mar 28 would lose three days.
    assert when("2mo", now=utc(2027, 1, 31, 12)) == nine_am_berlin(2027, 3, 31)


def test_a_negative_duration_is_refused_with_a_hint_to_say_ago():
    with pytest.raises(DateParseError) as err:
        when("-3d")
    assert "negative" in str(err.value) and "3d ago" in str(err.value)


def test_saying_ago_reaches_into_the_past():
    assert when("3 days ago") == nine_am_berlin(2026, 11, 21)
    assert when("2h ago") == NOW - timedelta(hours=2)


@pytest.mark.parametrize("text", ["99999999d", "9999y", "99999999999999999999h", "1" + "0" * 90 + "d"])
def test_absurdly_far_durations_are_a_parse_error_not_an_overflow(text):
    with pytest.raises(DateParseError, match="outside the dates prodops can count"):
        when(text)


# --- words -------------------------------------------------------------------------------

def test_now_is_the_exact_current_instant():
    assert when("now") == NOW


def test_today_tomorrow_and_yesterday_are_nine_am_local():
    assert when("today") == utc(2026, 11, 24, 8)
    assert when("tomorrow") == utc(2026, 11, 25, 8)
    assert when("yesterday") == utc(2026, 11, 23, 8)


def test_calendar_words_use_the_users_date_not_the_utc_date():
    late_evening = utc(2026, 11, 24, 23, 30)  # already Wednesday 00:30 in Berlin
    assert when("tomorrow", now=late_evening) == nine_am_berlin(2026, 11, 26)
    assert when("tomorrow", now=late_evening, zone=UTC) == utc(2026, 11, 25, 9)


def test_next_week_is_next_monday():
    assert when("next week") == nine_am_berlin(2026, 11, 30)
    monday = utc(2026, 11, 30, 12)
    assert when("next week", now=monday) == nine_am_berlin(2026, 12, 7)


def test_next_month_is_the_first_of_next_month():
    assert when("next month") == nine_am_berlin(2026, 12, 1)
    assert when("next month", now=utc(2026, 12, 31, 12)) == nine_am_berlin(2027, 1, 1)


@pytest.mark.parametrize("text", ["end of week", "eow"])
def test_end_of_week_is_this_friday(text):
    assert when(text) == nine_am_berlin(2026, 11, 27)
    assert when(text, now=utc(2026, 11, 27, 12)) == nine_am_berlin(2026, 11, 27)  # on a Friday: today
    assert when(text, now=utc(2026, 11, 28, 12)) == nine_am_berlin(2026, 12, 4)  # Saturday: coming Friday
    assert when(text, now=utc(2026, 11, 29, 12)) == nine_am_berlin(2026, 12, 4)  # Sunday too


@pytest.mark.parametrize("text", ["end of month", "eom"])
def test_end_of_month_is_the_last_day_of_this_month(text):
    assert when(text) == nine_am_berlin(2026, 11, 30)
    assert when(text, now=utc(2028, 2, 10, 12)) == nine_am_berlin(2028, 2, 29)


@pytest.mark.parametrize("text", ["end of year", "eoy"])
def test_end_of_year_is_december_31(text):
    assert when(text) == nine_am_berlin(2026, 12, 31)


@pytest.mark.parametrize("text", ["start of month", "som"])
def test_start_of_month_is_the_first_of_this_month(text):
    assert when(text) == nine_am_berlin(2026, 11, 1)


# --- weekdays ----------------------------------------------------------------------------

@pytest.mark.parametrize("names, day, next_week", [
    (["monday", "mon"], 30, 30),
    (["tuesday", "tue", "tues"], 1, 1),  # today is Tuesday, so next week's
    (["wednesday", "wed"], 25, 2),
    (["thursday", "thu", "thur", "thurs"], 26, 3),
    (["friday", "fri"], 27, 4),
    (["saturday", "sat"], 28, 5),
    (["sunday", "sun"], 29, 6),
])
def test_a_weekday_name_means_the_next_such_day_and_next_names_next_weeks(names, day, next_week):
    month = 12 if day == 1 else 11
    for name in names:
        assert when(name) == nine_am_berlin(2026, month, day), name
        # "next friday" on a Tuesday: the Friday of next week (the week from Monday 30 Nov).
        assert when(f"next {name}") == nine_am_berlin(2026, 12 if next_week < 30 else 11, next_week), name


def test_typing_friday_on_a_friday_means_next_week():
    friday = utc(2026, 11, 27, 12)
    assert when("friday", now=friday) == nine_am_berlin(2026, 12, 4)
    assert when("next friday", now=friday) == nine_am_berlin(2026, 12, 4)


def test_this_friday_on_a_friday_means_today():
    assert when("this friday", now=utc(2026, 11, 27, 12)) == nine_am_berlin(2026, 11, 27)
    assert when("this friday") == nine_am_berlin(2026, 11, 27)
    assert when("this tuesday") == nine_am_berlin(2026, 11, 24)


def test_last_friday_is_the_most_recent_friday_before_today():
    assert when("last friday") == nine_am_berlin(2026, 11, 20)
    assert when("last friday", now=utc(2026, 11, 27, 12)) == nine_am_berlin(2026, 11, 20)
    assert when("last fri", now=utc(2026, 11, 28, 12)) == nine_am_berlin(2026, 11, 27)


# --- ISO and other absolute dates --------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2026-12-01", utc(2026, 12, 1, 8)),
    ("2026-12-01T14:30", utc(2026, 12, 1, 13, 30)),  # naive means Berlin
    ("2026-12-01 14:30", utc(2026, 12, 1, 13, 30)),
    ("2026-12-01t14:30", utc(2026, 12, 1, 13, 30)),
    ("2026-12-01T14:30:00Z", utc(2026, 12, 1, 14, 30)),
    ("2026-12-01T14:30:00z", utc(2026, 12, 1, 14, 30)),
    ("2026-12-01T14:30:00+02:00", utc(2026, 12, 1, 12, 30)),
    ("2026-12-01T14:30:00-0500", utc(2026, 12, 1, 19, 30)),
    ("2026-12-01T14:30:00.250+00:00", datetime(2026, 12, 1, 14, 30, 0, 250000, tzinfo=UTC)),
])
def test_iso_dates_are_read_exactly(text, expected):
    assert when(text) == expected


def test_an_impossible_iso_date_is_refused():
    with pytest.raises(DateParseError, match="no such date"):
        when("2026-02-30")


@pytest.mark.parametrize("text", ["1 Dec 2026", "Dec 1 2026", "December 1, 2026", "1 december 2026",
                                  "12/01/2026", "Tue Dec 1 2026"])
def test_written_out_dates_are_nine_am_local(text):
    assert when(text) == nine_am_berlin(2026, 12, 1)


def test_slashed_dates_are_month_first():
    assert when("3/4/25") == nine_am_berlin(2025, 3, 4)
    assert when("12/01/2026") == nine_am_berlin(2026, 12, 1)


def test_a_written_date_with_a_time_keeps_the_time():
    assert when("Dec 1 2026 14:30") == utc(2026, 12, 1, 13, 30)
    assert when("1 Dec 2026 5pm") == utc(2026, 12, 1, 16)


def test_a_date_without_a_year_is_the_next_occurrence_on_or_after_today():
    assert when("Dec 1") == nine_am_berlin(2026, 12, 1)
    assert when("Nov 24") == nine_am_berlin(2026, 11, 24)  # today counts
    assert when("Nov 1") == nine_am_berlin(2027, 11, 1)  # already past this year
    assert when("Feb 29") == nine_am_berlin(2028, 2, 29)  # next leap day


def test_twitter_export_timestamps_parse_exactly():
    assert when("Wed Oct 11 06:55:44 +0000 2017") == utc(2017, 10, 11, 6, 55, 44)


def test_app_store_export_timestamps_are_local_time():
    assert when("2026-01-29 14:02:17") == utc(2026, 1, 29, 13, 2, 17)
    assert when("2026-01-29 14:02:17", zone=UTC) == utc(2026, 1, 29, 14, 2, 17)


def test_a_bare_clock_time_means_today():
    assert when("14:30") == utc(2026, 11, 24, 13, 30)
    assert when("5pm") == utc(2026, 11, 24, 16)
    assert when("14:30 UTC") == utc(2026, 11, 24, 14, 30)


def test_a_weekday_that_contradicts_the_date_is_refused():
    with pytest.raises(DateParseError, match="is a Tue"):
        when("Mon Dec 1 2026")


def test_zone_abbreviations_other_than_utc_are_refused_as_ambiguous():
    with pytest.raises(DateParseError, match="unknown time zone 'PST'"):
        when("Dec 1 2026 14:30 PST")


# --- daylight saving time ----------------------------------------------------------------

def test_nine_am_tracks_summer_time_in_spring():
    saturday = utc(2026, 3, 28, 15)  # clocks go forward early on Sunday 29 March
    assert when("today", now=saturday) == utc(2026, 3, 28, 8)  # 09:00 CET
    assert when("tomorrow", now=saturday) == utc(2026, 3, 29, 7)  # 09:00 CEST


def test_nine_am_tracks_winter_time_in_autumn():
    saturday = utc(2026, 10, 24, 15)  # clocks go back early on Sunday 25 October
    assert when("today", now=saturday) == utc(2026, 10, 24, 7)
    assert when("tomorrow", now=saturday) == utc(2026, 10, 25, 8)


def test_a_wall_time_skipped_by_dst_moves_forward():
    assert when("2026-03-29 02:30") == utc(2026, 3, 29, 1, 30)  # read as 03:30 CEST


def test_in_utc_nine_am_is_nine_utc():
    assert when("tomorrow", zone=UTC) == utc(2026, 11, 25, 9)
    assert when("2026-12-01", zone=UTC) == utc(2026, 12, 1, 9)


def test_the_zone_defaults_to_the_system_zone(monkeypatch):
    monkeypatch.setattr(dates.dateutil_tz, "tzlocal", lambda: BERLIN)
    assert parse_when("tomorrow", now=NOW) == utc(2026, 11, 25, 8)


def test_now_defaults_to_the_current_time():
    before = utc_now()
    assert before <= parse_when("now", tz=UTC) <= utc_now() + timedelta(seconds=1)


# --- rejection ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", "   ", "blorp", "ticket 42 from acme", "next blursday", "in two weeks", "3x",
    "12", "42", "2026", "20261201", "Dec", "12th", "Dec 2026", "2026-12", "1.5h", "in 3d ago", "+3d ago",
    "3d 4h", "tonight", "next",
])
def test_junk_is_refused_with_a_one_line_message_naming_the_text(text):
    with pytest.raises(DateParseError) as err:
        when(text)
    message = str(err.value)
    assert err.value.text == text
    assert repr(text) in message
    assert "\n" not in message
    assert "(try 3d, 2w, tomorrow, next monday, 2026-12-01)" in message


def test_the_message_for_junk_reads_naturally():
    with pytest.raises(DateParseError) as err:
        when("blorp")
    assert str(err.value) == "cannot read 'blorp' as a date (try 3d, 2w, tomorrow, next monday, 2026-12-01)"


def test_bare_numbers_are_refused_as_ambiguous():
    with pytest.raises(DateParseError, match="bare number"):
        when("12")


def test_huge_input_is_refused_before_parsing_and_the_message_stays_short():
    text = "2026-12-01 " * 20
    with pytest.raises(DateParseError, match="longer than 100") as err:
        when(text)
    assert err.value.text == text
    assert len(str(err.value)) < 200


def test_a_parse_error_is_a_value_error():
    assert issubclass(DateParseError, ValueError)


def test_non_text_and_naive_now_are_programming_errors_not_parse_errors():
    with pytest.raises(TypeError):
        parse_when(None, now=NOW, tz=BERLIN)  # type: ignore[arg-type]
    with pytest.raises(ValueError) as err:
        parse_when("tomorrow", now=datetime(2026, 11, 24, 15), tz=BERLIN)
    assert not isinstance(err.value, DateParseError)


# --- parse_since -------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["30d", "30 days", "-30d", "30d ago", "30 days ago"])
def test_since_a_bare_duration_means_that_long_ago_at_the_same_time_of_day(text):
    # 30 days before 16:00 CET on 24 Nov is 16:00 CET on 25 Oct (after the switch back).
    assert since(text) == utc(2026, 10, 25, 15)


def test_since_keeps_the_local_time_of_day_across_dst():
    now = utc(2026, 3, 30, 15)  # 17:00 CEST
    assert since("2d", now=now) == utc(2026, 3, 28, 16)  # 17:00 CET
    assert since("1mo") == utc(2026, 10, 24, 14)  # 16:00 CEST


def test_since_hours_and_minutes_are_elapsed_time():
    assert since("3h") == NOW - timedelta(hours=3)
    assert since("90m") == NOW - timedelta(minutes=90)


def test_since_anything_else_reads_like_parse_when():
    assert since("yesterday") == when("yesterday")
    assert since("2026-12-01") == when("2026-12-01")
    assert since("last monday") == when("last monday")
    assert since("in 3d") == when("3d")  # an explicit "in" still means the future
    assert since("+3d") == when("3d")


def test_since_refuses_junk_too():
    with pytest.raises(DateParseError, match="'blorp'"):
        since("blorp")


# --- the range: the dates prodops can show and count -----------------------------------------

KIRITIMATI = tz.gettz("Pacific/Kiritimati")  # UTC+14, the zone furthest ahead


@pytest.mark.parametrize("zone", [BERLIN, UTC, KIRITIMATI, tz.gettz("Pacific/Pago_Pago")])
def test_the_first_and_last_day_of_the_range_are_read_in_any_zone(zone):
    assert when("1900-01-01", zone=zone).astimezone(zone).date() == dates.FIRST_DAY
    assert when("2999-12-31", zone=zone).astimezone(zone).date() == dates.LAST_DAY
    assert when("2999-12-31T23:59:59+14:00") == utc(2999, 12, 31, 9, 59, 59)


@pytest.mark.parametrize("text", ["1899-12-31", "3000-01-01", "0001-01-01", "9999-12-31", "0000-01-01",
                                  "31 Dec 1899", "1899-12-31T23:59:59Z", "in 974 years", "127y ago",
                                  "Jan 1 0001", "1 January 0099", "12/31/0001"])
def test_a_day_outside_the_range_is_one_line_naming_it_and_the_range(text):
    with pytest.raises(DateParseError) as refused:
        when(text)
    assert str(refused.value) == f"{text!r} is outside the dates prodops can count (1900-01-01 to 2999-12-31)"
    assert isinstance(refused.value, dates.DateOutOfRange) and refused.value.text == text
    with pytest.raises(dates.DateOutOfRange):
        since(text)


def test_a_zero_padded_year_is_that_year_and_a_four_digit_clock_time_is_not_a_year():
    """dateutil alone reads "Jan 1 0001" as 2001; prodops refuses it rather than move it."""
    assert when("Dec 1 2026 0930") == utc(2026, 12, 1, 8, 30)
    assert when("Wed Oct 11 06:55:44 +0000 2017") == utc(2017, 10, 11, 6, 55, 44)  # +0000 is no year


def test_an_impossible_day_inside_the_range_is_still_no_such_date():
    with pytest.raises(DateParseError, match="no such date"):
        when("2999-02-29")


def test_check_in_range_judges_the_day_as_written_in_its_own_zone():
    ahead = datetime(1900, 1, 1, 0, 30, tzinfo=KIRITIMATI)  # 1899 in UTC, 1900 where it was written
    assert dates.check_in_range(ahead, "1900-01-01 00:30") is ahead
    with pytest.raises(dates.DateOutOfRange, match="'0001-01-01T00:00:00'"):
        dates.check_in_range(datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00")


def test_the_first_day_leaves_room_for_the_metrics_period_before_it():
    """Why FIRST_DAY: the metrics set a period beside the one of the same length before it."""
    from prodops_tui.core.metrics import period

    latest_now = datetime.combine(dates.LAST_DAY, datetime.max.time(), tzinfo=UTC)
    for now in (NOW, latest_now):
        window = period.between("1900-01-01", None, now=now, tz=KIRITIMATI)
        before = window.previous
        assert before.start.year >= 800 and to_iso(before.start) and describe(before.start, now=now, tz=KIRITIMATI)


# --- storage -----------------------------------------------------------------------------

def test_to_iso_writes_utc_with_a_z_and_whole_seconds():
    local = datetime(2026, 12, 1, 14, 30, 15, 999999, tzinfo=BERLIN)
    assert to_iso(local) == "2026-12-01T13:30:15Z"


def test_to_iso_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        to_iso(datetime(2026, 12, 1, 14, 30))


@pytest.mark.parametrize("text, expected", [
    ("2026-12-01T13:30:15Z", utc(2026, 12, 1, 13, 30, 15)),
    ("2026-12-01T13:30:15+00:00", utc(2026, 12, 1, 13, 30, 15)),
    ("2026-12-01T15:30:15+02:00", utc(2026, 12, 1, 13, 30, 15)),
    ("2026-12-01T13:30:15.123456Z", datetime(2026, 12, 1, 13, 30, 15, 123456, tzinfo=UTC)),
])
def test_from_iso_reads_offsets_and_fractions_into_utc(text, expected):
    result = from_iso(text)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


def test_iso_round_trip():
    moment = utc(2026, 11, 24, 15, 4, 5)
    assert from_iso(to_iso(moment)) == moment
    assert to_iso(from_iso("2026-11-24T15:04:05Z")) == "2026-11-24T15:04:05Z"


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01T00:00:00Z", "2026-12-01T14:30:00", "x" * 500,
                                  # past the ends of datetime once in UTC: an OverflowError callers did not catch
                                  "0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_from_iso_refuses_bad_or_offsetless_input(text):
    with pytest.raises(DateParseError):
        from_iso(text)


def test_utc_now_is_aware_utc_with_whole_seconds():
    now = utc_now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert now.microsecond == 0


# --- display -----------------------------------------------------------------------------

@pytest.mark.parametrize("age, shown", [
    (timedelta(0), "now"),
    (timedelta(seconds=59), "now"),
    (timedelta(minutes=1), "1m"),
    (timedelta(minutes=5), "5m"),
    (timedelta(minutes=59, seconds=59), "59m"),
    (timedelta(hours=3), "3h"),
    (timedelta(hours=23, minutes=59), "23h"),
    (timedelta(days=2), "2d"),
    (timedelta(days=6, hours=23), "6d"),
    (timedelta(days=7), "1w"),
    (timedelta(days=21), "3w"),
    (timedelta(days=29), "4w"),
    (timedelta(days=30), "1mo"),
    (timedelta(days=120), "4mo"),
    (timedelta(days=364), "12mo"),
    (timedelta(days=365), "1y"),
    (timedelta(days=800), "2y"),
    (timedelta(minutes=-5), "now"),  # clock skew: a timestamp slightly in the future
])
def test_list_columns_show_a_compact_age(age, shown):
    assert humanize_age(NOW - age, NOW) == shown


@pytest.mark.parametrize("text, shown", [
    ("tue", "Tue 1 Dec 2026 09:00 (in 7 days)"),
    ("today", "Tue 24 Nov 2026 09:00 (today)"),
    ("3h", "Tue 24 Nov 2026 19:00 (today)"),
    ("tomorrow", "Wed 25 Nov 2026 09:00 (tomorrow)"),
    ("yesterday", "Mon 23 Nov 2026 09:00 (yesterday)"),
    ("3 days ago", "Sat 21 Nov 2026 09:00 (3 days ago)"),
])
def test_describe_echoes_the_parsed_date_in_local_time(text, shown):
    assert describe(when(text), now=NOW, tz=BERLIN) == shown


def test_describe_counts_days_in_the_users_zone():
    just_after_midnight_berlin = utc(2026, 11, 24, 23, 30)
    assert describe(just_after_midnight_berlin, now=NOW, tz=BERLIN) == "Wed 25 Nov 2026 00:30 (tomorrow)"
    assert describe(just_after_midnight_berlin, now=NOW, tz=UTC) == "Tue 24 Nov 2026 23:30 (today)"


@pytest.mark.parametrize("stored, zone, shown", [
    ("0001-01-01T00:00:00Z", tz.gettz("America/New_York"), "Mon 1 Jan 1 00:00"),  # would be year 0
    ("9999-12-31T23:59:59Z", KIRITIMATI, "Fri 31 Dec 9999 23:59"),  # would be year 10000
    ("0001-01-01T09:00:00Z", tz.gettz("America/New_York"), "Mon 1 Jan 1 04:03"),  # fits: local (mean) time
])
def test_a_stored_time_whose_local_time_datetime_cannot_hold_is_shown_as_stored(stored, zone, shown):
    """Typed dates are in the range, but an older workspace or a hand-edited journal may hold
    one at the ends of datetime: it is shown in UTC, as stored, rather than crashing."""
    assert describe(from_iso(stored), now=NOW, tz=zone).split(" (")[0] == shown
    assert dates.to_local(from_iso(stored), zone) == from_iso(stored)  # the same instant either way


# --- hygiene -----------------------------------------------------------------------------

def test_the_module_only_imports_the_standard_library_and_dateutil():
    tree = ast.parse(Path(dates.__file__).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= {"__future__", "re", "dataclasses", "datetime", "dateutil"}


def test_a_weekday_follows_one_stated_rule_from_a_wednesday():
    from prodops_tui.core.dates import rule_of

    wednesday = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
    utc = timezone.utc

    def day(text: str) -> str:
        return parse_when(text, now=wednesday, tz=utc).strftime("%a %d %b %H:%M")

    assert day("friday") == "Fri 04 Dec 09:00"  # the next Friday after today
    assert day("next friday") == "Fri 11 Dec 09:00"  # the Friday of next week, not the same as "friday"
    assert day("this friday") == "Fri 04 Dec 09:00" and day("this wednesday") == "Wed 02 Dec 09:00"
    assert day("next monday") == "Mon 07 Dec 09:00" == day("monday")
    assert rule_of("next friday") == "the Friday of next week" and rule_of("Fri") == "the next Friday after today"
    assert rule_of("3d") == ""


# --- the one display of an instant and a day -----------------------------------------------

def test_an_instant_is_shown_on_the_readers_wall_clock_in_one_form():
    from prodops_tui.core.dates import display_date, display_datetime, display_day

    stored = "2026-12-01T08:00:00Z"  # 09:00 in Berlin
    assert display_datetime(stored, tz=BERLIN) == "Tue 1 Dec 2026 09:00"
    assert display_date(stored, tz=BERLIN) == "2026-12-01"
    assert display_day(stored, tz=BERLIN) == "1 Dec" and display_day(stored, tz=BERLIN, weekday=True) == "Tue 1 Dec"
    assert display_datetime(from_iso(stored), tz=BERLIN) == "Tue 1 Dec 2026 09:00"  # a datetime as well as text
    # describe says the same, then how far away it is
    assert describe(from_iso(stored), now=NOW, tz=BERLIN) == "Tue 1 Dec 2026 09:00 (in 7 days)"


def test_the_day_shown_is_the_readers_day_not_the_utc_day_near_midnight():
    from prodops_tui.core.dates import display_date, display_day

    late_evening_utc = "2026-11-30T23:30:00Z"  # already Tuesday 1 Dec in Berlin, still Monday in New York
    assert late_evening_utc[:10] == "2026-11-30"  # what slicing the stored text said
    assert display_date(late_evening_utc, tz=BERLIN) == "2026-12-01"
    assert display_day(late_evening_utc, tz=BERLIN) == "1 Dec"
    assert display_date("2026-12-01T03:00:00Z", tz=tz.gettz("America/New_York")) == "2026-11-30"


def test_an_instant_the_local_zone_cannot_hold_is_shown_as_stored():
    from prodops_tui.core.dates import display_date, display_datetime

    assert display_datetime("9999-12-31T23:59:59Z", tz=KIRITIMATI) == "Fri 31 Dec 9999 23:59"
    assert display_date("0001-01-01T00:00:00Z", tz=tz.gettz("America/New_York")) == "0001-01-01"


def test_text_that_is_not_a_stored_instant_is_refused_not_guessed():
    from prodops_tui.core.dates import display_date

    with pytest.raises(DateParseError):
        display_date("2026-12-01")  # no offset: whose midnight?
