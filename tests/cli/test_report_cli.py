"""`prodops report`: the weekly report from a shell or cron, as Markdown or JSON, to stdout or a file."""

from __future__ import annotations

import json
import stat

import pytest

from .test_cli import assert_one_line_error


@pytest.fixture
def captured(prodops, utc_local_zone):
    """Feedback captured with received dates: 3 in the last 7 days (one from support), 2 before."""
    for text, received, source in (("a", "1d", "support"), ("b", "3d", "email"), ("c", "6d", "email"),
                                   ("d", "9d", "email"), ("e", "20d", "email")):
        assert prodops("capture", text, "--received", received, "--source", source).returncode == 0
    assert prodops("update", "F-1", "--status", "processed").returncode == 0
    return prodops


def test_markdown_to_stdout_for_the_last_7_days(captured):
    result = captured("report", "--since", "7d")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Product-ops report: last 7 days\n")
    assert "| Feedback received | 3 | 1 | +2 (+200%) |" in result.stdout  # 1d, 3d, 6d; before: 9d
    assert "| support | 1 | 0 |" in result.stdout and "| email | 2 | 1 |" in result.stdout
    assert "## Not computed" in result.stdout


def test_json_parses_with_the_period_and_every_figure(captured):
    result = captured("report", "--since", "30d", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["period"]["label"], data["period"]["end"]) == ("last 30 days", "2026-11-24T15:00:00Z")
    assert data["figures"]["received"]["value"] == 5
    assert data["figures"]["triaged"]["value"] == 1
    assert data["figures"]["new_backlog"]["value"] == 4
    assert data["figures"]["with_area_pct"]["value"] == 0


def test_a_fixed_window_with_from_and_to(captured):
    data = json.loads(captured("report", "--from", "2026-11-10", "--to", "2026-11-20", "--format", "json").stdout)
    assert (data["period"]["start"], data["period"]["end"]) == ("2026-11-10T09:00:00Z", "2026-11-20T09:00:00Z")
    assert data["figures"]["received"]["value"] == 2  # received 9 and 6 days ago: 15 and 18 November


def test_output_file_is_written_whole_and_private_and_its_extension_picks_the_format(captured, tmp_path):
    target = tmp_path / "weekly.json"
    result = captured("report", "--since", "7d", "-o", str(target))
    assert (result.returncode, result.stdout) == (0, "")
    assert json.loads(target.read_text(encoding="utf-8"))["figures"]["received"]["value"] == 3
    assert stat.S_IMODE(target.stat().st_mode) & 0o077 == 0
    markdown = tmp_path / "weekly.md"
    assert captured("report", "-o", str(markdown)).returncode == 0
    assert markdown.read_text(encoding="utf-8").startswith("# Product-ops report: last 30 days")
    assert not list(tmp_path.glob(".*.tmp"))  # no temp file left beside it


@pytest.mark.parametrize(("args", "expected"), [
    (("--since", "blorp"), "--since: cannot read 'blorp' as a date"),
    (("--since", "tomorrow"), "the period needs a start in the past"),
    (("--from", "2026-11-20", "--to", "2026-11-10"), "is not after --from"),
    (("--from", "someday"), "--from: cannot read 'someday' as a date"),
])
def test_a_bad_period_is_one_line_and_exit_1(prodops, args, expected):
    assert expected in assert_one_line_error(prodops("report", *args))


def test_wrong_usage_exits_2(prodops, tmp_path):
    assert prodops("report", "--since", "7d", "--from", "2026-11-01").returncode == 2
    assert prodops("report", "--to", "2026-11-01").returncode == 2
    assert prodops("report", "-o", str(tmp_path / "weekly.txt")).returncode == 2
    assert not (tmp_path / "weekly.txt").exists()


@pytest.fixture
def january(prodops, utc_local_zone):
    """History imported from early in the year: nothing in the last 60 days (issue 31, item 12)."""
    for received in ("2026-01-05T03:00:00Z", "2026-01-20T12:00:00Z", "2026-02-20T10:00:00Z"):
        assert prodops("capture", f"received {received}", "--received", received).returncode == 0
    return prodops


def test_an_empty_period_says_how_many_items_came_before_it_and_the_from_that_covers_them(january):
    markdown = january("report").stdout
    assert ("No feedback was received in this period; 3 items were received before it (5 Jan to 20 Feb): "
            "prodops report --from 2026-01-04 --to 2026-02-21 covers them.") in markdown
    earlier = json.loads(january("report", "--format", "json").stdout)["before_period"]
    assert earlier == {"count": 3, "first": "2026-01-05T03:00:00Z", "last": "2026-02-20T10:00:00Z",
                       "options": "--from 2026-01-04 --to 2026-02-21"}
    # The options given hold every one of them (a day means 09:00: 5 Jan 03:00 needs the 4th).
    covered = json.loads(january("report", *earlier["options"].split(), "--format", "json").stdout)
    assert covered["figures"]["received"]["value"] == 3
    assert "No feedback was received" not in january("report", *earlier["options"].split()).stdout


def test_a_period_that_received_something_has_no_such_line_and_json_still_counts_what_came_before(january):
    assert "No feedback was received" not in january("report", "--since", "300d").stdout  # from 28 Jan: one item
    assert json.loads(january("report", "--since", "300d", "--format", "json").stdout)["before_period"]["count"] == 2
