"""User stories for prodops_tui.core.rituals.checklists: checklist templates (shipped TOML and a team's own),
recurrences people can type, what is due or missed, and runs ticked off item by item.

"Now" is Tuesday 2026-11-24 15:00 UTC. Recurrences are parsed with an explicit zone where the API
takes one; where it does not (add_checklist, set_recurrence use the machine's zone) the `local_zone`
fixture pins TZ so that "09:00 local" is reproducible.
"""
from __future__ import annotations

import os
import time as time_module
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from dateutil import tz
from dateutil.rrule import rrulestr

from prodops_tui.core.demo import fill_demo
from prodops_tui.core.errors import InvalidInput, NotFound
from prodops_tui.core.model import ChecklistRun, ChecklistRunStep, ChecklistStep, ChecklistTemplate
from prodops_tui.core.rituals import checklists
from prodops_tui.core.rituals.checklists import (
    MAX_ITEMS,
    MAX_MISSED_LISTED,
    SHIPPED_DIR,
    TEMPLATES_DIR,
    ChecklistFile,
    DueRun,
    Progress,
    add_checklist,
    describe_recurrence,
    load_checklist_file,
    load_checklist_files,
    missed_count,
    next_occurrence,
    note,
    parse_recurrence,
    progress,
    runs_due,
    set_recurrence,
    start_run,
    tick,
)
from prodops_tui.core.storage.store import Store
from prodops_tui.core.toml_files import read_toml

from ...conftest import write_file

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)  # a Tuesday
NOW_ISO = "2026-11-24T15:00:00Z"
UTC = tz.UTC
BERLIN = tz.gettz("Europe/Berlin")
AUCKLAND = tz.gettz("Pacific/Auckland")

SHIPPED_NAMES = {"Definition of done", "Release readiness", "Launch checklist", "PM weekly hygiene", "New PM onboarding"}

DESIGN_REVIEW = """\
name = "Design review"
description = "Before a design goes to engineering."
recurrence = "every 2 weeks on thursday"
team = "Design"

[[items]]
text = "Edge cases drawn"
why = "Engineers ask about them on day two otherwise."

[[items]]
text = "Empty states designed"
"""


# --- helpers ---------------------------------------------------------------------------------------


class Clock:
    """A store clock the test moves: adopt a checklist weeks ago, look at it today."""

    def __init__(self, when: str = NOW_ISO):
        self.now = when

    def __call__(self) -> str:
        return self.now


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def write(workspace: Path, filename: str, text: str | bytes) -> Path:
    return write_file(workspace / TEMPLATES_DIR, filename, text)


def shipped() -> dict[str, ChecklistFile]:
    templates, problems = load_checklist_files(None)
    assert problems == []
    return {t.name: t for t in templates}


def occurrences(rule_text: str, count: int, after: datetime = NOW) -> list[datetime]:
    rule = rrulestr(rule_text)
    found, when = [], after
    for _ in range(count):
        when = rule.after(when)
        found.append(when)
    return found


def rrule_line(rule_text: str) -> str:
    return [line for line in rule_text.splitlines() if line.startswith("RRULE:")][0]


def template(name: str = "Weekly sync", recurrence: str = "", items: int = 3, team: str = "") -> ChecklistFile:
    steps = tuple(ChecklistStep(text=f"Step {n}", why=f"Because {n}") for n in range(1, items + 1))
    return ChecklistFile(name=name, items=steps, description="A test checklist.", recurrence=recurrence, team=team,
                         origin="test.toml")


@pytest.fixture
def local_zone():
    """Set the machine's zone (TZ) for the APIs that parse recurrences in local time."""
    saved = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time_module.tzset()

    set_zone("UTC")
    yield set_zone
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time_module.tzset()


@pytest.fixture
def demo(workspace):
    store = Store.open(workspace, clock=lambda: NOW_ISO)
    fill_demo(store, now=NOW)
    yield store
    store.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def timed_store(workspace, clock):
    """A fresh store whose clock the test can move."""
    opened = Store.open(workspace, clock=clock)
    yield opened
    opened.close()


def by_name(store: Store, name: str) -> ChecklistTemplate:
    return next(c for c in store.all(ChecklistTemplate) if c.name == name)


def adopt_weekly_three_weeks_ago(store: Store, clock: Clock, *, at: str = "2026-11-02T08:00:00Z") -> ChecklistTemplate:
    """Adopted on Monday 2 November, before 09:00: the 2, 9, 16 and 23 November occurrences follow."""
    clock.now = at
    checklist = add_checklist(store, template("Weekly sync"), recurrence="weekly on monday")
    clock.now = NOW_ISO
    return checklist


def finish(store: Store, run: ChecklistRun, by: str = "Priya") -> ChecklistRun:
    for index, step in enumerate(run.steps):
        if not step.done:
            run = tick(store, run.id, index, by=by, done=True)
    return run


# --- shipped templates -----------------------------------------------------------------------------


def test_without_a_workspace_the_five_shipped_templates_load():
    templates, problems = load_checklist_files(None)
    assert problems == []
    assert {t.name for t in templates} == SHIPPED_NAMES
    assert len(templates) == 5
    assert all(t.origin == "shipped" for t in templates)


def test_every_shipped_item_has_a_text_and_most_say_why():
    for loaded in shipped().values():
        assert loaded.description, loaded.name
        assert 1 <= len(loaded.items) <= MAX_ITEMS, loaded.name
        assert all(isinstance(item, ChecklistStep) and item.text.strip() for item in loaded.items), loaded.name
        with_why = [item for item in loaded.items if item.why]
        assert len(with_why) * 2 >= len(loaded.items), loaded.name


def test_shipped_recurrences_parse_into_rules_that_fire():
    templates = shipped()
    assert templates["PM weekly hygiene"].recurrence == "weekly on monday"
    assert templates["Release readiness"].recurrence == "every 2 weeks on thursday"
    for name in ("Definition of done", "Launch checklist", "New PM onboarding"):
        assert templates[name].recurrence == "", name
    for loaded in templates.values():
        if not loaded.recurrence:
            continue
        rule = parse_recurrence(loaded.recurrence, now=NOW, zone=UTC)
        assert rule is not None and rrulestr(rule).after(NOW) is not None
    assert describe_recurrence(parse_recurrence(templates["PM weekly hygiene"].recurrence, now=NOW, zone=UTC)) == "every Monday"
    assert describe_recurrence(parse_recurrence(templates["Release readiness"].recurrence, now=NOW, zone=UTC)) == (
        "every 2 weeks on Thursday")


def test_the_shipped_files_are_plain_toml_in_the_package():
    files = sorted(SHIPPED_DIR.glob("*.toml"))
    assert len(files) == 5
    for path in files:
        data = read_toml(path)
        assert isinstance(data["name"], str) and isinstance(data["items"], list)
        assert load_checklist_file(path).origin == path.name


def test_a_workspace_without_a_templates_folder_gives_the_shipped_ones(workspace):
    workspace.mkdir()
    templates, problems = load_checklist_files(workspace)
    assert {t.name for t in templates} == SHIPPED_NAMES and problems == []


# --- a team's own templates ------------------------------------------------------------------------


def test_a_workspace_file_adds_a_checklist(workspace):
    write(workspace, "design-review.toml", DESIGN_REVIEW)
    templates, problems = load_checklist_files(workspace)
    assert problems == []
    assert {t.name for t in templates} == SHIPPED_NAMES | {"Design review"}
    design = next(t for t in templates if t.name == "Design review")
    assert design.origin == "design-review.toml"
    assert design.description == "Before a design goes to engineering."
    assert design.recurrence == "every 2 weeks on thursday" and design.team == "Design"
    assert design.items == (
        ChecklistStep(text="Edge cases drawn", why="Engineers ask about them on day two otherwise."),
        ChecklistStep(text="Empty states designed", why=""),
    )


def test_a_workspace_file_with_a_shipped_name_replaces_the_shipped_one(workspace):
    write(workspace, "dod.toml", 'name = "definition of DONE"\n[[items]]\ntext = "It works on my machine"\n')
    templates, problems = load_checklist_files(workspace)
    assert problems == []
    assert len(templates) == 5
    replaced = [t for t in templates if t.name.casefold() == "definition of done"]
    assert len(replaced) == 1
    assert replaced[0].origin == "dod.toml"
    assert [item.text for item in replaced[0].items] == ["It works on my machine"]


def test_a_malformed_file_is_one_line_naming_file_and_line_and_the_others_still_load(workspace):
    write(workspace, "design-review.toml", DESIGN_REVIEW)
    write(workspace, "broken.toml", 'name = "Broken"\n\n[[items]]\ntext = "unterminated\n')
    templates, problems = load_checklist_files(workspace)
    assert len(problems) == 1
    assert problems[0].startswith("broken.toml:4: "), problems[0]
    assert "\n" not in problems[0]
    assert {t.name for t in templates} == SHIPPED_NAMES | {"Design review"}


def test_read_toml_names_file_and_line(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text('name = "ok"\nname = "twice"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"^x\.toml:2: "):
        read_toml(path)
    path.write_text('name = "ok"\n', encoding="utf-8")
    assert read_toml(path) == {"name": "ok"}


def test_a_file_that_is_not_utf8_is_reported_not_raised(workspace):
    write(workspace, "latin1.toml", 'name = "Caf\xe9"\n'.encode("latin-1"))
    templates, problems = load_checklist_files(workspace)
    assert len(problems) == 1 and problems[0].startswith("latin1.toml")
    assert {t.name for t in templates} == SHIPPED_NAMES


TOO_MANY = 'name = "Huge"\n' + "".join(f'[[items]]\ntext = "Item {n}"\n' for n in range(MAX_ITEMS + 1))


@pytest.mark.parametrize(("text", "reason"), [
    ('description = "no name"\n[[items]]\ntext = "a"\n', "name"),
    ('name = "   "\n[[items]]\ntext = "a"\n', "name"),
    ('name = 7\n[[items]]\ntext = "a"\n', "name"),
    ('name = "No items"\n', "items"),
    ('name = "Empty items"\nitems = []\n', "items"),
    ('name = "Item without text"\n[[items]]\nwhy = "because"\n', "item 1"),
    ('name = "Blank item"\n[[items]]\ntext = "a"\n[[items]]\ntext = "  "\n', "item 2"),
    ('name = "Number item"\n[[items]]\ntext = 3\n', "item 1"),
    (TOO_MANY, str(MAX_ITEMS)),
    ('name = "Odd"\nrecurrence = 7\n[[items]]\ntext = "a"\n', "recurrence"),
    ('name = "Odd"\nrecurrence = ["weekly"]\n[[items]]\ntext = "a"\n', "recurrence"),
    ('name = "Odd"\nrecurrence = "every blursday"\n[[items]]\ntext = "a"\n', "blursday"),
    ('name = "Never"\nrecurrence = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"\n[[items]]\ntext = "a"\n', "never fires"),
    ('name = "Forever"\nrecurrence = "DTSTART:99991231T090000Z RRULE:FREQ=WEEKLY"\n[[items]]\ntext = "a"\n',
     "outside the dates prodops can count"),  # was an OverflowError no loader caught (issue 24, defect 9)
])
def test_a_bad_template_is_one_line_naming_the_file_and_the_others_still_load(workspace, text, reason):
    write(workspace, "design-review.toml", DESIGN_REVIEW)
    write(workspace, "bad.toml", text)
    templates, problems = load_checklist_files(workspace)
    assert len(problems) == 1, problems
    assert problems[0].startswith("bad.toml"), problems[0]
    assert reason in problems[0]
    assert "\n" not in problems[0]
    assert {t.name for t in templates} == SHIPPED_NAMES | {"Design review"}


def test_exactly_the_maximum_number_of_items_loads(workspace):
    path = write(workspace, "big.toml", 'name = "Big"\n' + "".join(f'[[items]]\ntext = "Item {n}"\n' for n in range(MAX_ITEMS)))
    assert len(load_checklist_file(path).items) == MAX_ITEMS


def test_items_may_be_plain_strings(workspace):
    path = write(workspace, "short.toml", 'name = "Short"\nitems = ["One", "Two"]\n')
    assert load_checklist_file(path).items == (ChecklistStep(text="One"), ChecklistStep(text="Two"))


def test_template_text_is_cleaned_of_control_characters_and_markup_stays_literal(workspace):
    path = write(workspace, "evil.toml", (
        'name = "Evil\\u001b[2J name"\n'
        'description = "Desc\\u0007ription"\n'
        'team = "Te\\u009bam"\n'
        '[[items]]\ntext = "  [bold]Ship[/bold]\\u001b]0;title\\u0007  it  "\nwhy = "Be\\u0000cause\\n it matters"\n'
    ))
    loaded = load_checklist_file(path)
    assert loaded.name == "Evil[2J name"
    assert loaded.description == "Description" and loaded.team == "Team"
    assert loaded.items[0].text == "[bold]Ship[/bold]]0;title it"
    assert loaded.items[0].why == "Because it matters"
    for value in (loaded.name, loaded.description, loaded.team, loaded.items[0].text, loaded.items[0].why):
        assert "\x1b" not in value and "\x07" not in value and "\x00" not in value and "\n" not in value


# --- parse_recurrence ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "rrule"), [
    ("weekly on monday", "RRULE:FREQ=WEEKLY;BYDAY=MO"),
    ("Weekly on Monday", "RRULE:FREQ=WEEKLY;BYDAY=MO"),
    ("every monday", "RRULE:FREQ=WEEKLY;BYDAY=MO"),
    ("every mondays", "RRULE:FREQ=WEEKLY;BYDAY=MO"),
    ("every 2 weeks on thursday", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"),
    ("fortnightly on thu", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"),
    ("biweekly", "RRULE:FREQ=WEEKLY;INTERVAL=2"),
    ("every 3 weeks on tue", "RRULE:FREQ=WEEKLY;INTERVAL=3;BYDAY=TU"),
    ("monthly on the first monday", "RRULE:FREQ=MONTHLY;BYDAY=+1MO"),
    ("monthly on the last friday", "RRULE:FREQ=MONTHLY;BYDAY=-1FR"),
    ("monthly on day 15", "RRULE:FREQ=MONTHLY;BYMONTHDAY=15"),
    ("daily", "RRULE:FREQ=DAILY"),
    ("every day", "RRULE:FREQ=DAILY"),
    ("every weekday", "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
    ("every friday", "RRULE:FREQ=WEEKLY;BYDAY=FR"),
    ("RRULE:FREQ=WEEKLY;BYDAY=MO", "RRULE:FREQ=WEEKLY;BYDAY=MO"),
    ("FREQ=MONTHLY;BYDAY=1MO", "RRULE:FREQ=MONTHLY;BYDAY=1MO"),
])
def test_friendly_and_raw_recurrences_become_an_rrule_starting_today_at_nine_utc(text, rrule):
    rule = parse_recurrence(text, now=NOW, zone=UTC)
    assert rule == f"DTSTART:20261124T090000Z\n{rrule}"


@pytest.mark.parametrize(("text", "expected"), [
    ("weekly on monday", [utc(2026, 11, 30, 9), utc(2026, 12, 7, 9), utc(2026, 12, 14, 9)]),
    ("every 2 weeks on thursday", [utc(2026, 11, 26, 9), utc(2026, 12, 10, 9), utc(2026, 12, 24, 9)]),
    ("monthly on the first monday", [utc(2026, 12, 7, 9), utc(2027, 1, 4, 9), utc(2027, 2, 1, 9)]),
    ("monthly on the last friday", [utc(2026, 11, 27, 9), utc(2026, 12, 25, 9), utc(2027, 1, 29, 9)]),
    ("monthly on day 15", [utc(2026, 12, 15, 9), utc(2027, 1, 15, 9), utc(2027, 2, 15, 9)]),
    ("daily", [utc(2026, 11, 25, 9), utc(2026, 11, 26, 9), utc(2026, 11, 27, 9)]),
    ("every weekday", [utc(2026, 11, 25, 9), utc(2026, 11, 26, 9), utc(2026, 11, 27, 9), utc(2026, 11, 30, 9)]),
    ("every friday", [utc(2026, 11, 27, 9), utc(2026, 12, 4, 9)]),
])
def test_recurrences_fire_on_the_days_people_mean(text, expected):
    rule = parse_recurrence(text, now=NOW, zone=UTC)
    assert occurrences(rule, len(expected)) == expected


def test_nine_oclock_is_local_time_in_the_given_zone():
    berlin = parse_recurrence("weekly on monday", now=NOW, zone=BERLIN)
    assert berlin == "DTSTART:20261124T080000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO"
    for when in occurrences(berlin, 3):
        local = when.astimezone(BERLIN)
        assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
    # 15:00 UTC on Tuesday is already 04:00 on Wednesday in Auckland: today is the 25th there.
    auckland = parse_recurrence("daily", now=NOW, zone=AUCKLAND)
    assert auckland.startswith("DTSTART:20261124T200000Z\n")
    first = rrulestr(auckland).after(NOW).astimezone(AUCKLAND)
    assert (first.day, first.hour) == (25, 9)  # later today, Auckland time


def test_a_given_dtstart_is_kept():
    rule = parse_recurrence("DTSTART:20260105T090000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO", now=NOW, zone=UTC)
    assert rule is not None
    parsed = rrulestr(rule)
    assert parsed.after(utc(2026, 1, 1)) == utc(2026, 1, 5, 9)
    assert parsed.after(NOW) == utc(2026, 11, 30, 9)


def test_a_given_dtstart_and_rrule_stay_two_lines_and_describe_as_people_say_it():
    """The typed DTSTART/RRULE pair must be stored as the same two lines every other rule has."""
    rule = parse_recurrence("DTSTART:20260105T090000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO", now=NOW, zone=UTC)
    assert rule == "DTSTART:20260105T090000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO"
    assert describe_recurrence(rule) == "every Monday"


@pytest.mark.parametrize("text", ["", "   ", "none", "None", "never", "on demand"])
def test_no_recurrence_means_on_demand(text):
    assert parse_recurrence(text, now=NOW, zone=UTC) is None


@pytest.mark.parametrize(("text", "hint"), [
    ("every blursday", "blursday"),
    ("sometimes", "weekly on monday"),
    ("weekly on blursday", "blursday"),
    ("monthly on day 32", "monthly on day 15"),
    ("monthly on the fifth monday", "monthly on the first monday"),
    ("every m", "not a weekday"),
])
def test_words_that_are_not_a_recurrence_are_refused_with_a_hint(text, hint):
    with pytest.raises(InvalidInput) as caught:
        parse_recurrence(text, now=NOW, zone=UTC)
    message = str(caught.value)
    assert text in message and hint in message
    assert "\n" not in message


@pytest.mark.parametrize("text", [
    "FREQ=SOMETIMES",
    "RRULE:FREQ=WEEKLY;BYDAY=XX",
    "FREQ=WEEKLY;INTERVAL=two",
    "DTSTART:notadate\nRRULE:FREQ=DAILY",
])
def test_a_broken_rrule_is_refused(text):
    with pytest.raises(InvalidInput, match="recurrence"):
        parse_recurrence(text, now=NOW, zone=UTC)


def test_two_rules_at_once_are_refused():
    with pytest.raises(InvalidInput, match="one rule"):
        parse_recurrence("DTSTART:20260105T090000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO\nRRULE:FREQ=DAILY", now=NOW, zone=UTC)


@pytest.mark.parametrize("text", [
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",  # dateutil would walk to 9999 day by day
    "FREQ=MONTHLY;BYMONTH=4,6,9,11;BYMONTHDAY=31",
    "FREQ=DAILY;COUNT=0",
    "DTSTART:20260105T090000Z\nRRULE:FREQ=DAILY;UNTIL=20250101T000000Z",
    "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260101T000000Z",
])
def test_a_rule_that_never_fires_is_refused(text):
    with pytest.raises(InvalidInput, match="never fires"):
        parse_recurrence(text, now=NOW, zone=UTC)


def test_a_rule_that_fires_only_in_a_leap_year_is_accepted():
    rule = parse_recurrence("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", now=NOW, zone=UTC)
    assert rrulestr(rule).after(NOW) == utc(2028, 2, 29, 9)


@pytest.mark.parametrize("text", ["FREQ=HOURLY", "FREQ=MINUTELY;INTERVAL=30", "RRULE:FREQ=SECONDLY"])
def test_rules_finer_than_daily_are_refused(text):
    with pytest.raises(InvalidInput, match="at most daily"):
        parse_recurrence(text, now=NOW, zone=UTC)


@pytest.mark.parametrize(("text", "refused"), [
    ("FREQ=DAILY;INTERVAL=0", "the interval must be at least 1"),
    ("RRULE:INTERVAL=0;FREQ=WEEKLY", "the interval must be at least 1"),  # in any order
    ("RRULE:FREQ=WEEKLY;INTERVAL=2;INTERVAL=0", "the interval must be at least 1"),  # the last one counts, as for dateutil
    ("RRULE:INTERVAL=2;FREQ=MINUTELY", "at most daily"),
    ("FREQ=WEEKLY;FREQ=HOURLY", "at most daily"),
    ("FREQ=DAILY;INTERVAL=3", None),
    ("FREQ=WEEKLY;INTERVAL=2", None),
    ("FREQ=HOURLY;FREQ=DAILY", None),
])
def test_the_frequency_and_interval_checks_read_the_rule_as_dateutil_does(text, refused):
    """The checks read FREQ and INTERVAL from the rule's text (dateutil's parsed values are
    private); dateutil's own occurrences prove the reading, so an upgrade that reads a rule
    differently fails here rather than letting an hourly checklist through."""
    if refused:
        with pytest.raises(InvalidInput, match=refused):
            parse_recurrence(text, now=NOW, zone=UTC)
        return
    stored = parse_recurrence(text, now=NOW, zone=UTC)
    fields = checklists.rule_fields(stored)
    first, second = rrulestr(stored).xafter(NOW, count=2)
    step = {"DAILY": timedelta(days=1), "WEEKLY": timedelta(weeks=1)}[fields["FREQ"]]
    assert second - first == step * int(fields.get("INTERVAL", "1"))


def test_rule_fields_reads_the_rrule_line_of_a_stored_recurrence():
    assert checklists.rule_fields("DTSTART:20260105T090000Z\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH") == {
        "FREQ": "WEEKLY", "INTERVAL": "2", "BYDAY": "TH"}
    assert checklists.rule_fields("FREQ=DAILY") == {"FREQ": "DAILY"}
    assert checklists.rule_fields("DTSTART:20260105T090000Z") == {}


def test_a_dtstart_without_a_zone_is_refused_as_input_not_a_crash():
    with pytest.raises(InvalidInput):
        parse_recurrence("DTSTART:20260105T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO", now=NOW, zone=UTC)


@pytest.mark.parametrize(("text", "named"), [
    ("DTSTART:18991231T235959Z\nRRULE:FREQ=WEEKLY", "DTSTART:18991231T235959Z"),
    ("dtstart:30000101T000000z rrule:freq=weekly", "DTSTART:30000101T000000Z"),
    ("FREQ=WEEKLY;UNTIL=99991231T235959Z", "UNTIL=99991231T235959Z"),  # "forever" is not a date
    ("RRULE:FREQ=DAILY;UNTIL=00010101T000000Z", "UNTIL=00010101T000000Z"),
])
def test_a_typed_dtstart_or_until_outside_the_dates_prodops_counts_is_refused_naming_it(text, named):
    """The one range of core/dates.py (issue 24, defect 9): a DTSTART in 9999 crashed the hint."""
    with pytest.raises(InvalidInput) as refused:
        parse_recurrence(text, now=NOW, zone=UTC)
    assert str(refused.value) == (f"recurrence {' '.join(text.split())!r}: {named!r} is outside the dates prodops "
                                  "can count (1900-01-01 to 2999-12-31)")


def test_a_dtstart_and_until_at_the_ends_of_the_range_are_kept():
    rule = parse_recurrence("DTSTART:19000101T000000Z\nRRULE:FREQ=WEEKLY;UNTIL=29991231T235959Z", now=NOW, zone=UTC)
    assert rule == "DTSTART:19000101T000000Z\nRRULE:FREQ=WEEKLY;UNTIL=29991231T235959Z"


def test_every_zero_weeks_is_refused():
    with pytest.raises(InvalidInput):
        parse_recurrence("every 0 weeks on monday", now=NOW, zone=UTC)


# --- describe_recurrence ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "described"), [
    ("weekly on monday", "every Monday"),
    ("every monday", "every Monday"),
    ("every friday", "every Friday"),
    ("every 2 weeks on thursday", "every 2 weeks on Thursday"),
    ("fortnightly on thu", "every 2 weeks on Thursday"),
    ("biweekly", "every 2 weeks"),
    ("monthly on the first monday", "monthly on the first Monday"),
    ("monthly on the last friday", "monthly on the last Friday"),
    ("monthly on day 15", "monthly on day 15"),
    ("daily", "every day"),
    ("every weekday", "every weekday"),
    ("weekly", "weekly"),
    ("monthly", "monthly"),
    ("FREQ=WEEKLY;BYDAY=MO,WE", "weekly on Monday, Wednesday"),
])
def test_describe_says_the_rule_the_way_people_type_it(text, described):
    rule = parse_recurrence(text, now=NOW, zone=UTC)
    assert describe_recurrence(rule) == described
    if described not in ("weekly", "monthly") and "," not in described:
        # and what it says parses back to the same rule
        assert parse_recurrence(described, now=NOW, zone=UTC) == rule


@pytest.mark.parametrize("rule", [None, ""])
def test_no_rule_is_on_demand(rule):
    assert describe_recurrence(rule) == "on demand"


def test_a_rule_without_a_friendly_form_is_shown_as_the_rrule():
    rule = parse_recurrence("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1", now=NOW, zone=UTC)
    assert describe_recurrence(rule) == "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1"
    assert describe_recurrence(parse_recurrence("FREQ=DAILY;INTERVAL=3", now=NOW, zone=UTC)) == "FREQ=DAILY;INTERVAL=3"


def test_a_lower_case_rrule_describes_like_an_upper_case_one():
    rule = parse_recurrence("freq=weekly;byday=mo", now=NOW, zone=UTC)
    assert describe_recurrence(rule) == "every Monday"


# --- runs due on the demo --------------------------------------------------------------------------


def test_on_the_demo_only_this_weeks_hygiene_is_due_with_its_run_under_way(demo):
    due = runs_due(demo, NOW)
    assert len(due) == 1
    only = due[0]
    assert isinstance(only, DueRun)
    assert only.checklist.name == "PM weekly hygiene"
    assert only.due_at == "2026-11-23T09:00:00Z"
    assert only.missed is False
    assert only.run is not None and only.run.due_at == "2026-11-23T09:00:00Z" and only.run.completed_at is None
    assert progress(only.run) == Progress(2, 6)
    assert not any(d.checklist.name == "Release readiness" for d in due)
    assert missed_count(demo, only.checklist, NOW) == 0


def test_on_the_demo_next_occurrences(demo):
    assert next_occurrence(by_name(demo, "PM weekly hygiene"), NOW) == utc(2026, 11, 30, 9)
    assert next_occurrence(by_name(demo, "Definition of done"), NOW) is None
    release = by_name(demo, "Release readiness")
    upcoming = [r for r in demo.all(ChecklistRun) if r.checklist == release.id]
    assert iso(next_occurrence(release, NOW)) == upcoming[0].due_at


def test_finishing_this_weeks_hygiene_on_the_demo_clears_it(demo):
    run = runs_due(demo, NOW)[0].run
    done = finish(demo, run)
    assert done.completed_at == NOW_ISO
    assert runs_due(demo, NOW) == []


def test_next_monday_the_demo_hygiene_is_due_again_and_the_unfinished_week_is_missed(demo):
    later = utc(2026, 11, 30, 10)
    due = runs_due(demo, later)
    hygiene = [d for d in due if d.checklist.name == "PM weekly hygiene"]
    assert [(d.due_at, d.missed) for d in hygiene] == [
        ("2026-11-23T09:00:00Z", True),
        ("2026-11-30T09:00:00Z", False),
    ]
    assert hygiene[0].run is not None and hygiene[1].run is None
    # the release of Thursday 26 November has passed with its readiness run still under way
    release = [d for d in due if d.checklist.name == "Release readiness"]
    assert [(d.due_at, d.missed) for d in release] == [("2026-11-26T09:00:00Z", False)]
    assert release[0].run is not None and progress(release[0].run) == Progress(3, 7)


# --- runs due on a fresh store ---------------------------------------------------------------------


def test_a_weekly_checklist_adopted_three_weeks_ago_lists_the_misses_and_the_current_one(timed_store, clock, local_zone):
    checklist = adopt_weekly_three_weeks_ago(timed_store, clock)
    assert checklist.created_at == "2026-11-02T08:00:00Z"
    assert checklist.rrule == "DTSTART:20261102T090000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO"
    due = runs_due(timed_store, NOW)
    assert [(d.due_at, d.missed, d.run) for d in due] == [
        ("2026-11-02T09:00:00Z", True, None),
        ("2026-11-09T09:00:00Z", True, None),
        ("2026-11-16T09:00:00Z", True, None),
        ("2026-11-23T09:00:00Z", False, None),
    ]
    assert all(d.checklist.id == checklist.id for d in due)
    assert missed_count(timed_store, checklist, NOW) == 3


def test_adopted_in_berlin_the_runs_fall_due_at_nine_berlin_time(timed_store, clock, local_zone):
    local_zone("Europe/Berlin")
    adopt_weekly_three_weeks_ago(timed_store, clock, at="2026-11-02T07:00:00Z")
    due = runs_due(timed_store, NOW)
    assert [d.due_at for d in due] == [
        "2026-11-02T08:00:00Z", "2026-11-09T08:00:00Z", "2026-11-16T08:00:00Z", "2026-11-23T08:00:00Z",
    ]
    assert all(datetime.fromisoformat(d.due_at).astimezone(BERLIN).hour == 9 for d in due)


def test_an_occurrence_before_the_checklist_was_adopted_is_not_missed(timed_store, clock, local_zone):
    adopt_weekly_three_weeks_ago(timed_store, clock, at="2026-11-02T10:00:00Z")  # after that Monday's 09:00
    assert [(d.due_at, d.missed) for d in runs_due(timed_store, NOW)] == [
        ("2026-11-09T09:00:00Z", True), ("2026-11-16T09:00:00Z", True), ("2026-11-23T09:00:00Z", False),
    ]


def test_adopted_today_nothing_is_due_until_the_first_occurrence(timed_store, local_zone):
    add_checklist(timed_store, template(), recurrence="weekly on monday")
    assert runs_due(timed_store, NOW) == []
    due = runs_due(timed_store, utc(2026, 11, 30, 9))
    assert [(d.due_at, d.missed) for d in due] == [("2026-11-30T09:00:00Z", False)]


def test_completing_a_run_for_a_missed_occurrence_removes_only_that_one(timed_store, clock, local_zone):
    checklist = adopt_weekly_three_weeks_ago(timed_store, clock)
    run = start_run(timed_store, checklist.id, due_at="2026-11-02T09:00:00Z")
    finish(timed_store, run)
    assert [(d.due_at, d.missed) for d in runs_due(timed_store, NOW)] == [
        ("2026-11-09T09:00:00Z", True), ("2026-11-16T09:00:00Z", True), ("2026-11-23T09:00:00Z", False),
    ]


def test_completing_the_current_run_removes_it(timed_store, clock, local_zone):
    checklist = adopt_weekly_three_weeks_ago(timed_store, clock)
    run = start_run(timed_store, checklist.id, due_at="2026-11-23T09:00:00Z")
    current = [d for d in runs_due(timed_store, NOW) if not d.missed]
    assert [(d.due_at, d.run.id) for d in current] == [("2026-11-23T09:00:00Z", run.id)]
    finish(timed_store, run)
    assert all(d.due_at != "2026-11-23T09:00:00Z" for d in runs_due(timed_store, NOW))
    assert [d for d in runs_due(timed_store, NOW) if not d.missed] == []


def test_every_occurrence_done_leaves_nothing_due(timed_store, clock, local_zone):
    checklist = adopt_weekly_three_weeks_ago(timed_store, clock)
    for day in (2, 9, 16, 23):
        finish(timed_store, start_run(timed_store, checklist.id, due_at=f"2026-11-{day:02d}T09:00:00Z"))
    assert runs_due(timed_store, NOW) == []
    assert missed_count(timed_store, checklist, NOW) == 0


def test_an_unfinished_run_for_a_past_occurrence_stays_listed_with_its_run(timed_store, clock, local_zone):
    checklist = adopt_weekly_three_weeks_ago(timed_store, clock)
    run = start_run(timed_store, checklist.id, due_at="2026-11-09T09:00:00Z")
    tick(timed_store, run.id, 0, by="Priya")
    due = runs_due(timed_store, NOW)
    assert [(d.due_at, d.missed, d.run.id if d.run else None) for d in due] == [
        ("2026-11-09T09:00:00Z", True, run.id),
        ("2026-11-16T09:00:00Z", True, None),
        ("2026-11-23T09:00:00Z", False, None),
    ]
    assert progress(due[0].run) == Progress(1, 3)


def test_an_unfinished_old_run_stays_listed_after_a_later_one_is_completed(timed_store, clock, local_zone):
    checklist = adopt_weekly_three_weeks_ago(timed_store, clock)
    old = start_run(timed_store, checklist.id, due_at="2026-11-09T09:00:00Z")
    finish(timed_store, start_run(timed_store, checklist.id, due_at="2026-11-16T09:00:00Z"))
    due = runs_due(timed_store, NOW)
    assert [(d.due_at, d.missed, d.run.id if d.run else None) for d in due] == [
        ("2026-11-09T09:00:00Z", True, old.id),
        ("2026-11-23T09:00:00Z", False, None),
    ]


def test_on_demand_checklists_are_never_due(timed_store, clock):
    clock.now = "2026-10-01T08:00:00Z"
    dod = add_checklist(timed_store, shipped()["Definition of done"])
    assert dod.rrule is None
    clock.now = NOW_ISO
    run = start_run(timed_store, dod.id)
    assert runs_due(timed_store, NOW) == []
    tick(timed_store, run.id, 0)
    assert runs_due(timed_store, NOW) == []
    assert next_occurrence(dod, NOW) is None


def test_a_checklist_switched_to_on_demand_stops_being_due(timed_store, clock, local_zone):
    checklist = adopt_weekly_three_weeks_ago(timed_store, clock)
    assert runs_due(timed_store, NOW)
    set_recurrence(timed_store, checklist.id, "none")
    assert runs_due(timed_store, NOW) == []


def test_a_broken_rule_in_a_hand_edited_workspace_counts_as_on_demand(timed_store):
    checklist = add_checklist(timed_store, template())
    with timed_store.change("hand edit") as tx:
        tx.put(ChecklistTemplate.from_dict({**checklist.to_dict(), "rrule": "RRULE:FREQ=BLURSDAY"}))
    assert runs_due(timed_store, NOW) == []
    assert next_occurrence(timed_store.get(checklist.id), NOW) is None


def test_many_misses_are_capped_in_the_list(timed_store, clock, local_zone):
    clock.now = "2026-10-01T08:00:00Z"
    add_checklist(timed_store, template("Standup notes"), recurrence="daily")
    clock.now = NOW_ISO
    due = runs_due(timed_store, NOW)
    assert len(due) == MAX_MISSED_LISTED + 1
    assert [d.missed for d in due] == [True] * MAX_MISSED_LISTED + [False]
    assert due[-1].due_at == "2026-11-24T09:00:00Z"
    # the newest misses are the ones listed
    assert due[0].due_at == iso(utc(2026, 11, 24, 9) - timedelta(days=MAX_MISSED_LISTED))
    assert [d.due_at for d in due] == sorted(d.due_at for d in due)


def test_misses_beyond_the_listed_ones_are_still_counted(timed_store, clock, local_zone):
    """1 October to 24 November is 55 daily occurrences: 54 missed, only 12 of them listed."""
    clock.now = "2026-10-01T08:00:00Z"
    checklist = add_checklist(timed_store, template("Standup notes"), recurrence="daily")
    clock.now = NOW_ISO
    assert missed_count(timed_store, checklist, NOW) == 54


def test_runs_due_survives_reopening_the_workspace(workspace, clock, local_zone):
    first = Store.open(workspace, clock=clock)
    adopt_weekly_three_weeks_ago(first, clock)
    before = [(d.due_at, d.missed) for d in runs_due(first, NOW)]
    first.close()
    again = Store.open(workspace, clock=clock)
    try:
        assert [(d.due_at, d.missed) for d in runs_due(again, NOW)] == before
    finally:
        again.close()


# --- adopting a template ---------------------------------------------------------------------------


def test_adopting_copies_the_items_and_the_templates_recurrence(store, local_zone):
    hygiene = shipped()["PM weekly hygiene"]
    checklist = add_checklist(store, hygiene)
    assert store.get(checklist.id) == checklist
    assert checklist.id.startswith("C-")
    assert checklist.name == "PM weekly hygiene" and checklist.description == hygiene.description
    assert [(s.text, s.why) for s in checklist.steps] == [(i.text, i.why) for i in hygiene.items]
    assert all(a is not b for a, b in zip(checklist.steps, hygiene.items, strict=True))
    assert checklist.rrule == "DTSTART:20261124T090000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO"
    assert checklist.rrule == parse_recurrence(hygiene.recurrence, now=NOW, zone=UTC)
    assert checklist.team == "Product" and checklist.origin == "shipped"
    assert checklist.created_at == NOW_ISO


def test_adopting_uses_local_nine_oclock(store, local_zone):
    local_zone("Europe/Berlin")
    checklist = add_checklist(store, shipped()["PM weekly hygiene"])
    assert checklist.rrule == "DTSTART:20261124T080000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO"


def test_a_recurrence_given_when_adopting_wins_over_the_templates(store, local_zone):
    hygiene = shipped()["PM weekly hygiene"]
    monthly = add_checklist(store, hygiene, recurrence="monthly on day 15")
    assert describe_recurrence(monthly.rrule) == "monthly on day 15"
    on_demand = add_checklist(store, hygiene, recurrence="")
    assert on_demand.rrule is None
    none = add_checklist(store, hygiene, recurrence="none")
    assert none.rrule is None
    dod = add_checklist(store, shipped()["Definition of done"], recurrence="every friday")
    assert describe_recurrence(dod.rrule) == "every Friday"


def test_an_on_demand_template_is_adopted_on_demand(store):
    assert add_checklist(store, shipped()["Launch checklist"]).rrule is None


def test_adopting_the_same_template_twice_numbers_the_name(store):
    dod = shipped()["Definition of done"]
    names = [add_checklist(store, dod).name for _ in range(3)]
    assert names == ["Definition of done", "Definition of done (2)", "Definition of done (3)"]
    lower = replace_name(dod, "DEFINITION OF DONE")
    assert add_checklist(store, lower).name == "DEFINITION OF DONE (4)"


def replace_name(loaded: ChecklistFile, name: str) -> ChecklistFile:
    return ChecklistFile(name=name, items=loaded.items, description=loaded.description, recurrence=loaded.recurrence,
                         team=loaded.team, origin=loaded.origin)


def test_a_bad_recurrence_when_adopting_is_refused_and_nothing_is_stored(store):
    with pytest.raises(InvalidInput):
        add_checklist(store, template(), recurrence="every blursday")
    with pytest.raises(InvalidInput, match="never fires"):
        add_checklist(store, template(), recurrence="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")
    assert store.count(ChecklistTemplate) == 0
    assert store.undoable() is None


def test_the_team_given_when_adopting_is_cleaned(store):
    checklist = add_checklist(store, template(team="Design"), team="  Plat\x1b[31mform\x07 ")
    assert checklist.team == "Plat[31mform"
    assert add_checklist(store, template("Other", team="Design")).team == "Design"


def test_adopting_is_one_undo_step(store):
    checklist = add_checklist(store, template())
    assert store.undoable().label == "added checklist Weekly sync"
    store.undo()
    assert store.get(checklist.id) is None and store.count(ChecklistTemplate) == 0


def test_adopting_records_the_origin_of_the_change(store):
    add_checklist(store, template(), origin="cli")
    assert store.undoable().origin == "cli"


# --- set_recurrence --------------------------------------------------------------------------------


def test_set_recurrence_changes_the_rule_and_is_one_undo_step(store, local_zone):
    checklist = add_checklist(store, template(), recurrence="weekly on monday")
    changed = set_recurrence(store, checklist.id, "every 2 weeks on thursday")
    assert describe_recurrence(changed.rrule) == "every 2 weeks on Thursday"
    assert store.get(checklist.id).rrule == changed.rrule
    assert changed.steps == checklist.steps and changed.name == checklist.name
    assert store.undoable().label == "Weekly sync: every 2 weeks on Thursday"
    store.undo()
    assert store.get(checklist.id).rrule == checklist.rrule


def test_set_recurrence_to_none_makes_it_on_demand(store, local_zone):
    checklist = add_checklist(store, template(), recurrence="daily")
    assert set_recurrence(store, checklist.id, "none").rrule is None
    assert store.undoable().label == "Weekly sync: on demand"


def test_set_recurrence_uses_the_given_now(store, local_zone):
    checklist = add_checklist(store, template())
    changed = set_recurrence(store, checklist.id, "daily", now=utc(2026, 12, 1, 12))
    assert changed.rrule == "DTSTART:20261201T090000Z\nRRULE:FREQ=DAILY"


def test_set_recurrence_refuses_bad_rules_and_unknown_checklists(store, local_zone):
    checklist = add_checklist(store, template(), recurrence="weekly on monday")
    undoable = store.undoable()
    with pytest.raises(InvalidInput):
        set_recurrence(store, checklist.id, "sometimes")
    with pytest.raises(InvalidInput, match="at most daily"):
        set_recurrence(store, checklist.id, "FREQ=HOURLY")
    assert store.get(checklist.id).rrule == checklist.rrule
    assert store.undoable() == undoable
    with pytest.raises(NotFound, match="C-99"):
        set_recurrence(store, "C-99", "daily")
    with pytest.raises(NotFound):
        set_recurrence(store, "nonsense", "daily")


def test_ids_are_read_loosely(store, local_zone):
    checklist = add_checklist(store, template())
    assert set_recurrence(store, f"  {checklist.id.lower()} ", "daily").id == checklist.id


# --- runs ------------------------------------------------------------------------------------------


def test_a_run_for_an_occurrence_copies_the_items_and_gets_a_title(store, local_zone):
    checklist = add_checklist(store, shipped()["PM weekly hygiene"])
    run = start_run(store, checklist.id, due_at="2026-11-23T09:00:00Z")
    assert store.get(run.id) == run and run.id.startswith("CR-")
    assert run.checklist == checklist.id
    assert run.title == "PM weekly hygiene — week of 2026-11-23"
    assert run.due_at == "2026-11-23T09:00:00Z"
    assert run.completed_at is None
    assert [(s.text, s.why, s.done, s.done_by, s.done_at, s.note) for s in run.steps] == [
        (s.text, s.why, False, "", None, "") for s in checklist.steps
    ]
    assert progress(run) == Progress(0, 6)
    assert store.undoable().label == f"started {run.title}"


def test_an_on_demand_run_is_dated_now(store):
    dod = add_checklist(store, shipped()["Definition of done"])
    run = start_run(store, dod.id)
    assert run.due_at == NOW_ISO
    assert run.title == "Definition of done — 2026-11-24"


def test_an_on_demand_run_of_a_recurring_checklist_has_no_occurrence(store, local_zone):
    checklist = add_checklist(store, template(), recurrence="monthly on day 15")
    run = start_run(store, checklist.id)
    assert run.due_at is None
    assert run.title == "Weekly sync — 2026-11-24"


def test_a_run_title_can_be_given_and_is_cleaned(store):
    launch = add_checklist(store, shipped()["Launch checklist"])
    run = start_run(store, launch.id, title="  Launch of [b]Payroll[/b]\x1b[2J\n v2 ")
    assert run.title == "Launch of [b]Payroll[/b][2J v2"


def test_a_second_run_for_the_same_occurrence_is_refused(store, local_zone):
    checklist = add_checklist(store, template(), recurrence="weekly on monday")
    start_run(store, checklist.id, due_at="2026-11-23T09:00:00Z")
    with pytest.raises(InvalidInput, match="already has a run for 2026-11-23"):
        start_run(store, checklist.id, due_at="2026-11-23T09:00:00Z")
    assert store.count(ChecklistRun) == 1
    # another occurrence, or on demand, is fine
    start_run(store, checklist.id, due_at="2026-11-30T09:00:00Z")
    start_run(store, checklist.id)
    assert store.count(ChecklistRun) == 3


def test_a_run_for_an_unknown_checklist_is_refused(store):
    with pytest.raises(NotFound, match="no checklist C-9"):
        start_run(store, "C-9")
    dod = add_checklist(store, shipped()["Definition of done"])
    run = start_run(store, dod.id)
    with pytest.raises(NotFound):
        start_run(store, run.id)  # a run is not a checklist
    with pytest.raises(NotFound):
        start_run(store, "")


def test_a_run_for_a_due_date_that_is_not_a_date_is_refused(store, local_zone):
    checklist = add_checklist(store, template(), recurrence="weekly on monday")
    with pytest.raises(InvalidInput):
        start_run(store, checklist.id, due_at="next week")
    assert store.count(ChecklistRun) == 0
    assert runs_due(store, NOW) == []


# --- ticking ---------------------------------------------------------------------------------------


@pytest.fixture
def run(timed_store, local_zone) -> ChecklistRun:
    checklist = add_checklist(timed_store, template(), recurrence="weekly on monday")
    return start_run(timed_store, checklist.id, due_at="2026-11-23T09:00:00Z")


def test_tick_toggles_and_records_who_and_when(timed_store, clock, run):
    clock.now = "2026-11-24T15:05:00Z"
    ticked = tick(timed_store, run.id, 1, by="Priya Raman")
    step = ticked.steps[1]
    assert (step.done, step.done_by, step.done_at) == (True, "Priya Raman", "2026-11-24T15:05:00Z")
    assert timed_store.get(run.id) == ticked
    assert [s.done for s in ticked.steps] == [False, True, False]
    assert ticked.completed_at is None
    assert progress(ticked) == Progress(1, 3) and progress(ticked).percent == 33
    clock.now = "2026-11-24T15:06:00Z"
    unticked = tick(timed_store, run.id, 1, by="Mei Chen")
    step = unticked.steps[1]
    assert (step.done, step.done_by, step.done_at) == (False, "", None)


def test_tick_with_done_sets_rather_than_toggles(timed_store, run):
    assert tick(timed_store, run.id, 0, done=True).steps[0].done is True
    assert tick(timed_store, run.id, 0, done=True).steps[0].done is True
    assert tick(timed_store, run.id, 0, done=False).steps[0].done is False
    assert tick(timed_store, run.id, 0, done=False).steps[0].done is False


def test_tick_does_not_change_the_stored_run_in_place(timed_store, run):
    before = timed_store.get(run.id)
    tick(timed_store, run.id, 0)
    assert before.steps[0].done is False


def test_the_run_completes_when_every_item_is_ticked_and_reopens_when_one_is_unticked(timed_store, clock, run):
    clock.now = "2026-11-24T15:01:00Z"
    tick(timed_store, run.id, 0, by="Priya")
    clock.now = "2026-11-24T15:02:00Z"
    tick(timed_store, run.id, 2, by="Priya")
    clock.now = "2026-11-24T16:00:00Z"
    done = tick(timed_store, run.id, 1, by="Mei")
    assert done.completed_at == "2026-11-24T16:00:00Z"
    assert progress(done) == Progress(3, 3) and progress(done).percent == 100
    assert [s.done_by for s in done.steps] == ["Priya", "Mei", "Priya"]
    clock.now = "2026-11-25T09:00:00Z"
    reopened = tick(timed_store, run.id, 2)
    assert reopened.completed_at is None
    assert progress(reopened) == Progress(2, 3)
    clock.now = "2026-11-25T10:00:00Z"
    again = tick(timed_store, run.id, 2, by="Priya")
    assert again.completed_at == "2026-11-25T10:00:00Z"


def test_each_tick_is_one_undo_step(timed_store, clock, run):
    tick(timed_store, run.id, 0, by="Priya")
    tick(timed_store, run.id, 1, by="Priya")
    last = tick(timed_store, run.id, 2, by="Priya")
    assert last.completed_at is not None
    assert timed_store.undoable().label == f"{run.id}: ticked item 3"
    timed_store.undo()
    restored = timed_store.get(run.id)
    assert [s.done for s in restored.steps] == [True, True, False]
    assert restored.completed_at is None
    timed_store.undo()
    assert [s.done for s in timed_store.get(run.id).steps] == [True, False, False]
    tick(timed_store, run.id, 0)
    assert timed_store.undoable().label == f"{run.id}: unticked item 1"


def test_who_ticked_is_cleaned(timed_store, run):
    ticked = tick(timed_store, run.id, 0, by=" Priya\x1b[2J\x07 [red]R[/red]\n ")
    assert ticked.steps[0].done_by == "Priya[2J [red]R[/red]"


@pytest.mark.parametrize("index", [3, 99, -1])
def test_ticking_an_item_that_is_not_there_is_not_found(timed_store, run, index):
    with pytest.raises(NotFound, match=run.id):
        tick(timed_store, run.id, index)
    assert timed_store.get(run.id) == run


def test_ticking_an_unknown_run_is_not_found(timed_store, run):
    with pytest.raises(NotFound, match="CR-99"):
        tick(timed_store, "CR-99", 0)
    with pytest.raises(NotFound):
        tick(timed_store, run.checklist, 0)  # a checklist is not a run
    assert tick(timed_store, run.id.lower(), 0).steps[0].done is True


# --- notes -----------------------------------------------------------------------------------------


def test_a_note_on_an_item_is_kept_cleaned_with_markup_literal(timed_store, run):
    noted = note(timed_store, run.id, 1, "  Waiting on [bold]legal[/bold]\x1b]0;pwned\x07\r\nsee ticket #42\x9b  ")
    assert noted.steps[1].note == "Waiting on [bold]legal[/bold]]0;pwned\nsee ticket #42"
    assert timed_store.get(run.id).steps[1].note == noted.steps[1].note
    assert noted.steps[1].done is False and progress(noted) == Progress(0, 3)
    assert timed_store.undoable().label == f"{run.id}: note on item 2"


def test_a_note_is_one_undo_step_and_can_be_cleared(timed_store, run):
    note(timed_store, run.id, 0, "first")
    note(timed_store, run.id, 0, "second")
    timed_store.undo()
    assert timed_store.get(run.id).steps[0].note == "first"
    assert note(timed_store, run.id, 0, "   ").steps[0].note == ""


def test_a_note_on_a_missing_item_or_run_is_not_found(timed_store, run):
    with pytest.raises(NotFound):
        note(timed_store, run.id, 3, "x")
    with pytest.raises(NotFound):
        note(timed_store, run.id, -1, "x")
    with pytest.raises(NotFound):
        note(timed_store, "CR-77", 0, "x")


# --- progress --------------------------------------------------------------------------------------


def test_progress_counts_ticked_items():
    steps = [ChecklistRunStep(text=f"s{n}", done=n < 2) for n in range(6)]
    run = ChecklistRun(checklist="C-1", steps=steps)
    assert progress(run) == Progress(2, 6)
    assert progress(run).percent == 33
    assert progress(ChecklistRun(checklist="C-1", steps=[ChecklistRunStep(text="a", done=True)])).percent == 100
    assert progress(ChecklistRun(checklist="C-1")) == Progress(0, 0)
    assert Progress(0, 0).percent == 100
    assert Progress(1, 3).percent == 33 and Progress(2, 3).percent == 67


def test_the_module_constants_are_sane():
    assert MAX_ITEMS == 100
    assert MAX_MISSED_LISTED >= 1
    assert checklists.RUN_TIME.hour == 9
