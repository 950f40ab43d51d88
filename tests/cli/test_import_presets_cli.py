"""`prodops import feedback` on real tracker exports: no flags, the summary names the preset and
counts the pull requests it left out, a re-import adds nothing, a bad --map path is one line."""

from __future__ import annotations

import json

from ..conftest import TEST_DATA

INTAKE = TEST_DATA / "intake"


def test_a_github_export_imports_with_no_flags_and_says_what_it_left_out(prodops):
    path = str(INTAKE / "github_issues_rest.json")
    first = prodops("import", "feedback", path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "imported 64, already present 0, skipped 0, 16 pull requests skipped (preset github-issues)"
    again = prodops("import", "feedback", path)
    assert again.stdout.strip() == "imported 0, already present 64, skipped 0, 16 pull requests skipped (preset github-issues)"
    items = {item["source_key"]: item for item in json.loads(prodops("list", "feedback", "--json", "--status", "all").stdout)}
    assert len(items) == 64
    top = items["github:matomo-org/matomo#11993"]
    assert (top["url"], top["votes"], top["status"]) == ("https://github.com/matomo-org/matomo/issues/11993", 0, "processed")


def test_json_output_counts_the_pull_requests_too(prodops):
    result = prodops("import", "feedback", str(INTAKE / "github_issues_rest.json"), "--dry-run", "--json")
    data = json.loads(result.stdout)
    assert (data["preset"], data["imported"], data["ignored_count"], data["dry_run"]) == ("github-issues", 64, 16, True)
    assert {row["reason"] for row in data["ignored"]} == {"a pull request, not an issue"}


def test_each_real_sample_is_recognised(prodops):
    for name, preset in (("jira_export.csv", "jira-csv"), ("jira_search_v2.json", "jira-search"),
                         ("gitlab_issues_export.csv", "gitlab-csv"), ("zendesk_tickets.json", "zendesk-tickets")):
        result = prodops("import", "feedback", str(INTAKE / name), "--dry-run")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0].endswith(f"(preset {preset})"), result.stdout


def test_nested_map_paths_and_a_bad_one(prodops):
    path = str(INTAKE / "github_issues_rest.json")
    bad = prodops("import", "feedback", path, "--map", "text=body", "--map", "customer=user.logn")
    assert bad.returncode == 1 and bad.stdout == ""  # InvalidInput, as every other --map error
    assert bad.stderr.strip().splitlines() == [bad.stderr.strip()]
    assert "user.logn" in bad.stderr and "first 50 rows" in bad.stderr
    good = prodops("import", "feedback", path, "--map", "text=title", "--map", "customer=user.login",
                   "--map", "tags=labels[].name", "--map", "id=number", "--json")
    assert json.loads(good.stdout)["imported"] == 80
    items = json.loads(prodops("list", "feedback", "--json", "--status", "all").stdout)
    assert {item["customer"] for item in items} >= {"vincent3569"}
    assert not any("{" in tag for item in items for tag in item["tags"])
