"""`prodops nudges` from a shell prompt or a daily cron mail: short, exit 0, JSON that parses."""

from __future__ import annotations

import json

import pytest

from prodops_tui.core.dates import from_iso
from prodops_tui.core.demo import fill_demo
from prodops_tui.core.storage.store import Store

from ..conftest import FIXED_NOW, fixed_clock


@pytest.fixture
def demo_workspace(workspace):
    store = Store.open(workspace, clock=fixed_clock)
    fill_demo(store, now=from_iso(FIXED_NOW))
    store.close()
    return workspace


def test_the_demo_prints_one_line_per_nudge_and_how_many_more(prodops, demo_workspace):
    result = prodops("nudges")
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 6 and lines[-1] == "+1 more (prodops nudges --all)"
    assert all(line.startswith("! ") and " — prodops: " in line for line in lines[:5])
    text = result.stdout
    assert "! 2 action items overdue (oldest 5 days) — prodops: 3 Retro" in text
    assert "! 4 product areas with no active owner — prodops: 2 Areas" in text
    assert "new feedback items waiting more than 1 day — prodops: 1 Inbox" in lines[0]
    assert all(len(line) <= 100 for line in lines)


def test_json_is_an_array_of_nudges_and_all_ignores_max_shown(prodops, demo_workspace):
    shown = json.loads(prodops("nudges", "--json").stdout)
    assert len(shown) == 5
    for nudge in shown:
        assert {"key", "rule", "title", "detail", "count", "score", "target"} <= nudge.keys()
        assert nudge["target"]["pane"] in ("inbox", "areas", "retro", "checklists", "opportunities")
    assert [n["score"] for n in shown] == sorted((n["score"] for n in shown), reverse=True)
    everything = json.loads(prodops("nudges", "--json", "--all").stdout)
    assert len(everything) == 6 and everything[:5] == shown
    lines = prodops("nudges", "--all").stdout.splitlines()
    assert len(lines) == 6 and not any(line.startswith("+") for line in lines)


def test_an_empty_workspace_prints_nothing_and_exits_0(prodops):
    result = prodops("nudges")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert json.loads(prodops("nudges", "--json").stdout) == []


def test_bad_thresholds_are_warnings_on_stderr_and_the_list_still_prints(prodops, demo_workspace):
    (demo_workspace / "nudges.toml").write_text('max_shown = 2\n[stale_feedback]\ndays = "one"\n', encoding="utf-8")
    result = prodops("nudges")
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        (f"prodops: warning: {demo_workspace / 'nudges.toml'}: stale_feedback.days = 'one' is not a number of 0 "
         "or more; using the default 1")
    ]
    assert result.stdout.splitlines()[-1] == "+4 more (prodops nudges --all)"
    json_result = prodops("nudges", "--json")
    assert len(json.loads(json_result.stdout)) == 2 and "warning" in json_result.stderr


def test_a_malformed_settings_file_is_one_warning_with_its_line(prodops, demo_workspace):
    (demo_workspace / "nudges.toml").write_text("max_shown = 1\n[actions\n", encoding="utf-8")
    result = prodops("nudges")
    assert result.returncode == 0
    warnings = result.stderr.splitlines()
    assert len(warnings) == 1 and warnings[0].startswith(f"prodops: warning: {demo_workspace / 'nudges.toml'}:2: ")
    assert len(result.stdout.splitlines()) == 6  # the default max_shown, not 1


def test_a_dismissed_nudge_is_left_out_of_the_cron_mail(prodops, demo_workspace):
    from prodops_tui.core.rituals import nudges

    store = Store.open(demo_workspace, clock=fixed_clock)
    first = nudges.due_nudges(store).shown[0]
    nudges.dismiss(store, first, origin="test")
    store.close()
    lines = prodops("nudges").stdout.splitlines()
    assert f"! {first.title} — prodops: {first.hint}" not in lines
    assert len(lines) == 5 and not lines[-1].startswith("+")
