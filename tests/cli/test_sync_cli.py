"""`prodops sync github OWNER/REPO` as a user runs it, against a GitHub-compatible server on
127.0.0.1 (tests/support_github.py): the summary, --json, the second and third runs, one-line
errors with the exit statuses of docs/REFERENCE.md, progress only on a terminal, and a token
that appears in no output and no file of the workspace."""

from __future__ import annotations

import io
import json
import sys

import pytest

from ..support_github import SAMPLE_REPO, Fault, FakeGitHub
from .test_cli import assert_one_line_error

TOKEN = "ghp_" + "Z9yX8wV7uT6sR5qP4oN3" * 2
SOURCE = f"github {SAMPLE_REPO}"


@pytest.fixture
def github():
    with FakeGitHub() as server:
        yield server


def test_a_sync_prints_its_summary_and_the_issues_carry_their_link(prodops, github):
    first = prodops("sync", "github", SAMPLE_REPO, "--api-url", github.api_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"{SOURCE}: 64 new, 0 updated, 16 pull requests skipped, 4 requests\n"
    assert first.stderr == ""  # no terminal: no progress bar
    items = json.loads(prodops("list", "feedback", "--status", "all", "--json").stdout)
    assert len(items) == 64
    issue = next(i for i in items if i["source_key"] == f"github:{SAMPLE_REPO}#11993")
    assert issue["url"] == f"https://github.com/{SAMPLE_REPO}/issues/11993"
    assert issue["upstream_state"] == "closed: completed" and issue["status"] == "processed"
    second = prodops("sync", "github", SAMPLE_REPO, "--api-url", github.api_url)
    assert second.stdout == f"{SOURCE}: 0 new, 0 updated, 0 pull requests skipped, 1 request\n"
    third = prodops("sync", "github", SAMPLE_REPO, "--api-url", github.api_url)
    assert third.stdout == f"{SOURCE}: 0 new, 0 updated, 0 pull requests skipped, 1 request (1 not modified)\n"
    assert [a.status for a in github.asked] == [200, 200, 200, 200, 200, 304]


def test_json_prints_the_same_as_one_object(prodops, github):
    result = prodops("sync", "github", SAMPLE_REPO, "--api-url", github.api_url, "--json")
    assert result.returncode == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert (data["source"], data["new"], data["updated"], data["pull_requests"], data["requests"], data["not_modified"]) == (
        SOURCE, 64, 0, 16, 4, 0)
    assert len(data["ids"]) == 64 and data["ids"][0] == "F-1" and data["since"] == ""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_shown_on_a_terminal_only(prodops, github, cli_env, monkeypatch):
    from prodops_tui import cli

    terminal, out = Terminal(), io.StringIO()
    with monkeypatch.context() as patch:
        for name, value in cli_env.items():
            patch.setenv(name, value)
        patch.setattr(sys, "stderr", terminal)
        patch.setattr(sys, "stdout", out)
        assert cli.main(["sync", "github", SAMPLE_REPO, "--api-url", github.api_url]) == 0
    shown = terminal.getvalue()
    assert f"\rsyncing github {SAMPLE_REPO} [" in shown and "page 4/4, 80 issues and pull requests read\n" in shown
    assert "page 1/4" in shown and out.getvalue().startswith(f"{SOURCE}: 64 new")
    as_json = prodops("sync", "github", SAMPLE_REPO, "--api-url", github.api_url, "--json")  # a pipe: no bar
    assert as_json.returncode == 0 and as_json.stderr == ""


def test_the_token_is_in_no_output_and_no_file(prodops, workspace):
    with FakeGitHub(token=TOKEN, private=True) as server:
        ok = prodops("sync", "github", SAMPLE_REPO, "--api-url", server.api_url, env={"GITHUB_TOKEN": TOKEN})
        assert ok.returncode == 0 and "64 new" in ok.stdout
        named = prodops("sync", "github", SAMPLE_REPO, "--api-url", server.api_url, "--token-env", "ACME_GH", "--json",
                        env={"ACME_GH": TOKEN})
        assert named.returncode == 0
        assert all(a.headers.get("authorization") == f"Bearer {TOKEN}" for a in server.asked)
        server.fail_at[len(server.asked) + 1] = Fault(status=500, body=f'{{"message": "echo: Bearer {TOKEN}"}}'.encode())
        failed = prodops("sync", "github", SAMPLE_REPO, "--api-url", server.api_url, env={"GITHUB_TOKEN": TOKEN})
        assert "***" in assert_one_line_error(failed)
        refused = prodops("sync", "github", SAMPLE_REPO, "--api-url", server.api_url, env={"GITHUB_TOKEN": TOKEN + "x"})
        assert "refused the token in $GITHUB_TOKEN" in assert_one_line_error(refused)
    debug = prodops("--debug", "sync", "github", SAMPLE_REPO, "--api-url", server.api_url, env={"GITHUB_TOKEN": TOKEN})
    assert debug.returncode == 1
    for result in (ok, named, failed, refused, debug):
        assert TOKEN not in result.stdout + result.stderr
    prodops("compact")
    files = [p for p in workspace.rglob("*") if p.is_file()]
    assert any(p.name == "prodops.json" for p in files)
    for path in files:
        assert TOKEN.encode() not in path.read_bytes(), path.name


def test_an_unknown_repository_is_one_line(prodops, github):
    line = assert_one_line_error(prodops("sync", "github", "matomo-org/nothing-here", "--api-url", github.api_url))
    assert "no repository matomo-org/nothing-here" in line and "(404 Not Found)" in line


def test_a_failure_midway_is_one_line_and_the_rerun_goes_on(prodops, github):
    github.fail_at[3] = Fault(status=503, body=b'{"message": "Service Unavailable"}')
    line = assert_one_line_error(prodops("sync", "github", SAMPLE_REPO, "--api-url", github.api_url))
    assert "failed on page 3 (503 Service Unavailable)" in line and "run the command again to go on" in line
    kept = len(json.loads(prodops("list", "feedback", "--status", "all", "--json").stdout))
    rerun = prodops("sync", "github", SAMPLE_REPO, "--api-url", github.api_url)
    assert rerun.returncode == 0 and rerun.stdout.startswith(f"{SOURCE}: {64 - kept} new, ")
    keys = [i["source_key"] for i in json.loads(prodops("list", "feedback", "--status", "all", "--json").stdout)]
    assert len(keys) == len(set(keys)) == 64


def test_a_long_rate_limit_stops_with_when_to_try_again(prodops, github, utc_local_zone):
    github.fail_at[1] = Fault(status=429, headers={"Retry-After": "3600"}, body=b'{"message": "rate limited"}')
    line = assert_one_line_error(prodops("sync", "github", SAMPLE_REPO, "--api-url", github.api_url))
    assert "rate limit is used up until" in line and "try again then" in line
    assert len(github.asked) == 1  # not asked again in a loop


def test_nothing_listening_is_one_line(prodops):
    with FakeGitHub() as server:
        url = server.api_url
    assert "cannot read page 1 from 127.0.0.1" in assert_one_line_error(prodops("sync", "github", SAMPLE_REPO, "--api-url", url))


@pytest.mark.parametrize(("args", "code"), [
    (("sync",), 2),
    (("sync", "github"), 2),
    (("sync", "bitbucket", "a/b"), 2),
    (("sync", "github", "rails"), 1),
    (("sync", "github", "rails/rails", "--api-url", "ftp://example.com"), 1),
    (("sync", "github", "rails/rails", "--token-env", "NOT_SET_ANYWHERE"), 1),
])
def test_bad_command_lines_are_refused_before_any_request(prodops, args, code):
    result = prodops(*args)
    assert result.returncode == code and "Traceback" not in result.stderr
    assert "error: " in result.stderr.strip().splitlines()[-1]
