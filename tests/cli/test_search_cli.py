"""`prodops search QUERY [--kind K] [--limit N] [--json]` from a shell, on the demo workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..conftest import FIXED_NOW, CliResult, run_cli


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    """`prodops --workspace DIR demo`, once for the module: the searches only read it."""
    directory = tmp_path_factory.mktemp("search-cli") / "ws"
    result = _run(directory, "--workspace", str(directory), "demo")
    assert result.returncode == 0, result.stderr
    return directory


def _run(directory: Path, *args: str) -> CliResult:
    env = {"PRODOPS_WORKSPACE": str(directory), "PRODOPS_NOW": FIXED_NOW, "PRODOPS_CONFIG_DIR": str(directory.parent / "config")}
    return run_cli(args, env=env)


@pytest.fixture
def search(demo_dir):
    def run(*args: str) -> CliResult:
        return _run(demo_dir, "search", *args)

    return run


def test_text_output_is_one_line_per_hit_with_id_kind_title_and_place(search):
    result = search("Tomas")
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].split()[:4] == ["P-8", "person", "Tomás", "Herrera"]
    assert lines[0].rstrip().endswith("People")


def test_json_parses_as_a_whole_and_has_the_contract_fields(search):
    result = search("invocies", "--json")
    assert (result.returncode, result.stderr) == (0, "")
    hits = json.loads(result.stdout)
    assert isinstance(hits, list) and 0 < len(hits) <= 20
    for hit in hits:
        assert {"kind", "id", "title", "score"} <= hit.keys()
        assert isinstance(hit["score"], (int, float)) and hit["kind"] in {
            "feedback", "opportunity", "area", "person", "card", "action", "checklist"}
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert "A-2" in {hit["id"] for hit in hits}


def test_json_of_nothing_found_is_an_empty_list(search):
    result = search("zzqqxxyy", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == []


def test_nothing_found_in_text_says_so_on_stderr(search):
    result = search("zzqqxxyy")
    assert (result.returncode, result.stdout) == (0, "")
    assert "nothing found" in result.stderr


@pytest.mark.parametrize("kind", ["area", "areas", "AREAS"])
def test_kind_takes_singular_and_plural(search, kind):
    result = search("billing", "--kind", kind, "--json", "--limit", "100")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits and {hit["kind"] for hit in hits} == {"area"}
    assert "A-1" in {hit["id"] for hit in hits}


def test_kind_people_and_checklists(search):
    people = json.loads(search("herrera", "--kind", "people", "--json").stdout)
    assert [hit["id"] for hit in people] == ["P-8"]
    checklists = json.loads(search("hygene", "--kind", "checklists", "--json").stdout)
    assert [hit["id"] for hit in checklists][:1] == ["C-4"]


def test_a_bad_kind_is_a_usage_error(search):
    result = search("billing", "--kind", "widgets")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "widgets" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_a_limit_below_one_is_a_usage_error(search, limit):
    result = search("billing", "--limit", limit)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_limit_cuts_the_hits_and_says_how_many_more(search):
    result = search("invoice", "--limit", "3")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert lines[-1].startswith("+") and lines[-1].endswith("more (--limit)")
    hits = json.loads(search("invoice", "--limit", "3", "--json").stdout)
    assert len(hits) == 3
    assert [line.split()[0] for line in lines[:3]] == [hit["id"] for hit in hits]


def test_filters_work_in_the_query(search):
    hits = json.loads(search("status:archived logo", "--json").stdout)
    assert sorted(hit["id"] for hit in hits) == ["F-1", "F-40"]
    hits = json.loads(search("kind:action owner:tomas", "--json").stdout)
    assert {hit["id"] for hit in hits} == {"T-1", "T-4"}


def test_unknown_filters_are_hints_on_stderr_and_exit_zero(search):
    result = search("colour:red dunning", "--json")
    assert result.returncode == 0
    assert "prodops: hint:" in result.stderr and "colour" in result.stderr
    assert "A-7" in {hit["id"] for hit in json.loads(result.stdout)}  # stdout stays clean JSON

    result = search("since:whenever dunning")
    assert result.returncode == 0 and "prodops: hint:" in result.stderr
    assert "A-7" in result.stdout


@pytest.mark.parametrize("query", ["", ".*(", "[a-z]+", "[@click=app.quit]", "[b]x[/b]", "x" * 10_000, "--"])
def test_bad_queries_do_not_crash(search, query):
    result = search("--json", "--", query)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert isinstance(json.loads(result.stdout), list)


def test_markup_in_results_is_printed_as_is(search):
    result = search("WIP")
    assert result.returncode == 0
    assert "The [WIP] label on draft PRs" in result.stdout
    assert "\x1b" not in result.stdout  # no colour codes when piped


def test_a_word_no_item_holds_or_one_the_item_lacks_does_not_lose_it(search):
    """Search ranks, it does not filter: T-1 is "Quarantine the flaky tax-rate test and open a
    ticket to fix it"; "mandate" is in other items, "zzqqxx" in none."""
    def ids(query: str) -> list[str]:
        return [hit["id"] for hit in json.loads(search(query, "--json").stdout)]

    assert ids("flaky quarantine mandate")[:1] == ["T-1"]
    assert ids("flaky zzqqxx") == ids("flaky")
    assert ids("quarantine flaky")[:1] == ids("flaky quarantine")[:1] == ["T-1"]
