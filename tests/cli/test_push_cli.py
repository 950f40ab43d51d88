"""`prodops push O-ID github OWNER/REPO` (and `gitlab GROUP/PROJECT`) as a user runs it, against a
GitHub-compatible server on 127.0.0.1 (tests/support_github.py; GitLab's, tests/support_gitlab.py): --dry-run sends nothing and needs no token, the first push
prints the new issue's URL, the second updates it, `prodops sync` then ships the opportunity, and
the token appears in no output and no file of the workspace."""

from __future__ import annotations

import json

import pytest

from prodops_tui.core.model import Opportunity
from prodops_tui.core.storage.store import Store

from ..conftest import fixed_clock
from ..core.sync.test_push import REPO, TOKEN, opportunity_with_evidence
from ..core.sync.test_push_gitlab import PROJECT, TOKEN as GITLAB_TOKEN
from ..core.sync.test_push_jira import PROJECT as JIRA_PROJECT, TOKEN as JIRA_TOKEN
from ..support_github import Fault, FakeGitHub
from ..support_gitlab import WEB, FakeGitLab
from ..support_jira import FakeJira
from .test_cli import assert_one_line_error

URL = f"https://github.com/{REPO}/issues/1"


@pytest.fixture
def github():
    with FakeGitHub({REPO: []}, token=TOKEN) as server:
        yield server


@pytest.fixture
def with_evidence(workspace):
    store = Store.open(workspace, clock=fixed_clock)
    try:
        opportunity_with_evidence(store)
    finally:
        store.close()


def opportunity(workspace) -> Opportunity:
    store = Store.open(workspace, clock=fixed_clock)
    try:
        found = store.get("O-1")
    finally:
        store.close()
    assert isinstance(found, Opportunity)
    return found


def test_dry_run_prints_title_labels_and_body_and_sends_nothing(prodops, github, with_evidence, workspace):
    result = prodops("push", "O-1", "github", REPO, "--api-url", github.api_url, "--dry-run")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith(f"would create an issue in {REPO}\ntitle: Bulk export of invoices\nlabels: Invoices\nbody:\n\n"
                                    "Accountants export invoices one by one.\n\n<!-- prodops:evidence O-1 -->\n")
    assert "**Northwind** (F-3)" in result.stdout
    assert github.asked == []
    as_json = json.loads(prodops("push", "O-1", "github", REPO, "--dry-run", "--json").stdout)
    assert (as_json["title"], as_json["labels"], as_json["updates"], as_json["sent"]) == (
        "Bulk export of invoices", ["Invoices"], None, False)
    assert opportunity(workspace).links == []  # nothing linked


def test_push_prints_the_url_then_updates_the_same_issue_and_sync_ships_it(prodops, github, with_evidence, workspace):
    env = {"GITHUB_TOKEN": TOKEN}
    first = prodops("push", "O-1", "github", REPO, "--api-url", github.api_url, env=env)
    assert (first.returncode, first.stdout, first.stderr) == (0, f"O-1: created {REPO}#1 {URL}\n", "")
    assert prodops("capture", "Exports for the accountant", "--customer", "Initech").returncode == 0
    assert prodops("update", "F-5", "--opportunity", "O-1").returncode == 0
    second = prodops("push", "O-1", "github", REPO, "--api-url", github.api_url, "--json", env=env)
    data = json.loads(second.stdout)
    assert (data["created"], data["sent"], data["url"], data["requests"]) == (False, True, URL, 2)
    assert [a.method for a in github.asked] == ["POST", "GET", "PATCH"]
    dry = prodops("push", "O-1", "github", REPO, "--dry-run")
    assert dry.stdout.startswith(f"would update the evidence section of {REPO}#1 ({URL}), nothing else;")
    github.close(1, REPO, at="2026-11-20T10:30:00Z")
    synced = prodops("sync", "github", REPO, "--api-url", github.api_url, "--json", env=env)
    report = json.loads(synced.stdout)
    assert (report["shipped"], report["links_refreshed"], report["pushed_issues"], report["new"]) == (["O-1"], 1, 1, 0)
    o = opportunity(workspace)
    assert (o.status, o.shipped_at, o.links[0].upstream_state, o.links[0].linked_by) == (
        "shipped", "2026-11-20T10:30:00Z", "closed: completed", "Sam Tester")


def test_bad_push_lines_are_one_line_each_and_send_nothing(prodops, github, with_evidence):
    no_token = prodops("push", "O-1", "github", REPO, "--api-url", github.api_url)
    assert "needs a token that may write issues in $GITHUB_TOKEN; --dry-run shows" in assert_one_line_error(no_token)
    unset = prodops("push", "O-1", "github", REPO, "--api-url", github.api_url, "--token-env", "ACME_GH")
    assert "$ACME_GH is not set" in assert_one_line_error(unset)
    assert "no opportunity O-9" in assert_one_line_error(prodops("push", "O-9", "github", REPO, "--dry-run"))
    assert "is not a repository" in assert_one_line_error(prodops("push", "O-1", "github", "acme", "--dry-run"))
    other = prodops("push", "O-1", "bitbucket", REPO, "--dry-run")
    assert other.returncode == 2 and "argument TRACKER: invalid choice: 'bitbucket' (choose from 'github', 'gitlab', 'jira')" in other.stderr
    typed = prodops("push", "O-1", "github", REPO, "--issue-type", "Bug", "--dry-run")
    assert "--issue-type is for jira" in assert_one_line_error(typed)
    over_http = prodops("push", "O-1", "github", REPO, "--api-url", "http://api.example.com", env={"GITHUB_TOKEN": TOKEN})
    assert "refusing to send the token over plain http" in assert_one_line_error(over_http)
    assert github.asked == []


def test_the_token_is_in_no_output_and_no_file(prodops, github, with_evidence, workspace):
    env = {"GITHUB_TOKEN": TOKEN}
    github.fail_at[1] = Fault(status=500, body=f'{{"message": "echo: Bearer {TOKEN}"}}'.encode())
    failed = prodops("push", "O-1", "github", REPO, "--api-url", github.api_url, env=env)
    assert "***" in assert_one_line_error(failed) and "may have been made all the same" in failed.stderr
    ok = prodops("push", "O-1", "github", REPO, "--api-url", github.api_url, env=env)
    again = prodops("push", "O-1", "github", REPO, "--api-url", github.api_url, "--json", env=env)
    synced = prodops("sync", "github", REPO, "--api-url", github.api_url, env=env)
    assert ok.returncode == again.returncode == synced.returncode == 0
    assert all(a.headers.get("authorization") == f"Bearer {TOKEN}" for a in github.asked)
    for result in (failed, ok, again, synced):
        assert TOKEN not in result.stdout + result.stderr
    prodops("compact")
    files = [p for p in workspace.rglob("*") if p.is_file()]
    assert any(p.name == "prodops.json" for p in files)
    for path in files:
        assert TOKEN.encode() not in path.read_bytes(), path.name
    for asked in github.asked:
        assert TOKEN not in json.dumps(asked.body or {})  # nor in what was sent as the issue


@pytest.fixture
def gitlab():
    with FakeGitLab({PROJECT: []}, token=GITLAB_TOKEN) as server:
        yield server


def test_gitlab_dry_run_then_push_update_and_sync_ship(prodops, gitlab, with_evidence, workspace):
    dry = prodops("push", "O-1", "gitlab", PROJECT, "--api-url", gitlab.api_url, "--dry-run")
    assert dry.returncode == 0 and dry.stdout.startswith(f"would create an issue in {PROJECT}\ntitle: Bulk export of invoices\n")
    assert gitlab.asked == [] and opportunity(workspace).links == []
    env = {"GITLAB_TOKEN": GITLAB_TOKEN}
    url = f"{WEB}/{PROJECT}/-/issues/1"
    first = prodops("push", "O-1", "gitlab", PROJECT, "--api-url", gitlab.api_url, env=env)
    assert (first.returncode, first.stdout, first.stderr) == (0, f"O-1: created {PROJECT}#1 {url}\n", "")
    assert prodops("capture", "Exports for the accountant", "--customer", "Initech").returncode == 0
    assert prodops("update", "F-5", "--opportunity", "O-1").returncode == 0
    second = json.loads(prodops("push", "O-1", "gitlab", PROJECT, "--api-url", gitlab.api_url, "--json", env=env).stdout)
    assert (second["created"], second["sent"], second["url"], second["requests"]) == (False, True, url, 2)
    assert [a.method for a in gitlab.asked] == ["POST", "GET", "PUT"] and len(gitlab.projects[PROJECT]) == 1
    gitlab.close(1, PROJECT, at="2026-11-20T10:30:00.000Z")
    synced = json.loads(prodops("sync", "gitlab", PROJECT, "--api-url", gitlab.api_url, "--json", env=env).stdout)
    assert (synced["shipped"], synced["links_refreshed"], synced["pushed_issues"], synced["new"]) == (["O-1"], 1, 1, 0)
    o = opportunity(workspace)
    assert (o.status, o.shipped_at, o.links[0].upstream_state) == ("shipped", "2026-11-20T10:30:00Z", "closed")
    assert all(a.headers.get("private-token") == GITLAB_TOKEN for a in gitlab.asked)
    assert GITLAB_TOKEN not in first.stdout + first.stderr + json.dumps(second) + json.dumps(synced)


def test_bad_gitlab_push_lines_are_one_line_each_send_nothing_and_never_show_the_token(prodops, gitlab, with_evidence,
                                                                                      workspace):
    no_token = prodops("push", "O-1", "gitlab", PROJECT, "--api-url", gitlab.api_url)
    assert "pushing to GitLab needs a token that may write issues in $GITLAB_TOKEN" in assert_one_line_error(no_token)
    assert "is not a project" in assert_one_line_error(prodops("push", "O-1", "gitlab", "acme", "--dry-run"))
    github_token = prodops("push", "O-1", "gitlab", PROJECT, "--api-url", gitlab.api_url, env={"GITHUB_TOKEN": TOKEN})
    assert "$GITLAB_TOKEN" in assert_one_line_error(github_token)  # a GitHub token is not sent to GitLab
    assert gitlab.asked == []
    gitlab.fail_at[1] = Fault(status=500, body=f'{{"message": "echo: {GITLAB_TOKEN}"}}'.encode())
    failed = prodops("push", "O-1", "gitlab", PROJECT, "--api-url", gitlab.api_url, env={"GITLAB_TOKEN": GITLAB_TOKEN})
    assert "***" in assert_one_line_error(failed) and GITLAB_TOKEN not in failed.stdout + failed.stderr
    ok = prodops("push", "O-1", "gitlab", PROJECT, "--api-url", gitlab.api_url, env={"GITLAB_TOKEN": GITLAB_TOKEN})
    assert ok.returncode == 0 and GITLAB_TOKEN not in ok.stdout + ok.stderr
    for path in (p for p in workspace.rglob("*") if p.is_file()):
        assert GITLAB_TOKEN.encode() not in path.read_bytes(), path.name


@pytest.fixture
def jira():
    with FakeJira([], token=JIRA_TOKEN, user="pm@acme.example") as server:
        yield server


def test_jira_dry_run_then_push_update_and_sync_ship(prodops, jira, with_evidence, workspace):
    site = ["--api-url", jira.api_url]
    dry = prodops("push", "O-1", "jira", JIRA_PROJECT, *site, "--dry-run")
    assert dry.returncode == 0 and dry.stdout.startswith(f"would create an issue in {JIRA_PROJECT}\ntitle: Bulk export of invoices\n")
    assert "{panel:title=prodops:evidence O-1}" in dry.stdout and jira.asked == []
    env = {"JIRA_TOKEN": JIRA_TOKEN, "JIRA_USER": "pm@acme.example"}
    url = f"{jira.api_url}/browse/{JIRA_PROJECT}-1"
    first = prodops("push", "O-1", "jira", JIRA_PROJECT, *site, "--issue-type", "Task", env=env)
    assert (first.returncode, first.stdout, first.stderr) == (0, f"O-1: created {JIRA_PROJECT}-1 {url}\n", "")
    assert jira.asked[0].body["fields"]["issuetype"] == {"name": "Task"}
    assert jira.asked[0].headers["authorization"].startswith("Basic ")
    assert prodops("capture", "Exports for the accountant", "--customer", "Initech").returncode == 0
    assert prodops("update", "F-5", "--opportunity", "O-1").returncode == 0
    second = json.loads(prodops("push", "O-1", "jira", JIRA_PROJECT, *site, "--json", env=env).stdout)
    assert (second["created"], second["sent"], second["url"], second["requests"]) == (False, True, url, 2)
    assert [a.method for a in jira.asked] == ["POST", "GET", "PUT"] and len(jira.issues) == 1
    jira.resolve(f"{JIRA_PROJECT}-1", resolution="Done", at="2026-11-20T10:30:00.000+0000")
    synced = json.loads(prodops("sync", "jira", JIRA_PROJECT, "--jql", "type = Task", *site, "--json", env=env).stdout)
    assert (synced["shipped"], synced["links_refreshed"], synced["pushed_issues"], synced["new"]) == (["O-1"], 1, 1, 0)
    o = opportunity(workspace)
    assert (o.status, o.shipped_at, o.links[0].upstream_state) == ("shipped", "2026-11-20T10:30:00Z", "closed: completed")
    for result in (first, dry):
        assert JIRA_TOKEN not in result.stdout + result.stderr
    for path in (p for p in workspace.rglob("*") if p.is_file()):
        assert JIRA_TOKEN.encode() not in path.read_bytes(), path.name


def test_bad_jira_push_lines_are_one_line_each_and_send_nothing(prodops, jira, with_evidence):
    no_site = prodops("push", "O-1", "jira", JIRA_PROJECT, "--dry-run")
    assert "push jira needs --api-url, the Jira site" in assert_one_line_error(no_site)
    bad_key = prodops("push", "O-1", "jira", "ACME-1", "--api-url", jira.api_url, "--dry-run")
    assert "is not a Jira project key" in assert_one_line_error(bad_key)
    no_token = prodops("push", "O-1", "jira", JIRA_PROJECT, "--api-url", jira.api_url)
    assert "pushing to Jira needs a token that may write issues in $JIRA_TOKEN" in assert_one_line_error(no_token)
    assert jira.asked == []
