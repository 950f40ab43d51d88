"""R syncs again from the keyboard (issue 28: shipped comes back without a shell): every source
the workspace synced before, and the GitHub issues opportunities link to in repositories no sync
reads, in a worker thread, one toast per source; errors are one line each and lose nothing.
Against the fake GitHub on 127.0.0.1, never the internet."""

from __future__ import annotations

import copy
import threading

import pytest
from textual.widgets import Static

from prodops_tui.core.feedback import links
from prodops_tui.core.model import FeedbackItem, SyncState
from prodops_tui.core.sync import again, jira, push
from prodops_tui.core.sync.run import sync_github
from prodops_tui.core.sync.state import last_syncs
from prodops_tui.ui import sync_runner
from prodops_tui.ui.screens.opportunities import OpportunitiesScreen

from ..support_github import Fault, FakeGitHub, sample_records
from .conftest import messages, press, settle, wait_until

SIZE = (120, 40)
REPO = "northwind/ledger"
OTHER = "acme/app"  # an engineering repository an opportunity links to, never synced
TOKEN = "ghp_" + "T0k3nF0rTh3T3st" * 3


def issues(repo: str, numbers: list[int]) -> list[dict]:
    """Real records (matomo's, tests/data/intake/github_issues_rest.json) renumbered into `repo`."""
    found = [copy.deepcopy(r) for r in sample_records() if "pull_request" not in r][:len(numbers)]
    for record, number in zip(found, numbers, strict=True):
        record["number"] = number
        record["html_url"] = f"https://github.com/{repo}/issues/{number}"
    return found


@pytest.fixture
def github(monkeypatch):
    """northwind/ledger with three issues, acme/app with #5 and #6, the token in $GITHUB_TOKEN, a
    github.com link read from this server, and no proxy between (urllib honours *_proxy)."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with FakeGitHub({REPO: issues(REPO, [1, 2, 3]), OTHER: issues(OTHER, [5, 6])}, token=TOKEN) as server:
        monkeypatch.setattr(sync_runner, "GITHUB_API_URL", server.api_url)
        yield server


@pytest.fixture
def ran_on(monkeypatch) -> list[str]:
    """The thread each source was synced on."""
    threads: list[str] = []
    run = again.run

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return run(*args, **kwargs)

    monkeypatch.setattr(again, "run", spy)
    return threads


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


def feedback_count(store) -> int:
    return len(store.all(FeedbackItem))


async def test_R_in_the_inbox_syncs_again_and_the_pushed_issue_closed_upstream_ships_its_opportunity(
        demo_store, make_app, github, ran_on):
    sync_github(demo_store, REPO, api_url=github.api_url, token=TOKEN)  # the PM synced once, from a shell
    push.push_github(demo_store, "O-1", REPO, api_url=github.api_url, token=TOKEN)
    (pushed,) = demo_store.get("O-1").links
    number = int(pushed.key.rpartition("#")[2])
    github.close(number, REPO, reason="completed")
    github.edit(2, REPO, title="Edited upstream since the last sync")
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert "updated" not in text_of(app, "#inbox-syncs")
        await press(pilot, "R")
        assert await wait_until(pilot, lambda: any(f"github {REPO}:" in m for m in messages(app))), messages(app)
        said = next(m for m in messages(app) if m.startswith(f"github {REPO}:"))
        assert said.startswith(f"github {REPO}: 0 new, 1 updated") and "O-1 shipped" in said and TOKEN not in said
        assert messages(app)[0] == f"Syncing github {REPO}…"
        assert demo_store.get("O-1").status == "shipped"
        assert demo_store.get("O-1").shipped_at.startswith("2026-11-20")
        assert await wait_until(pilot, lambda: "1 updated" in text_of(app, "#inbox-syncs"))  # the header follows
        assert ran_on and threading.main_thread().name not in ran_on  # never on the event loop


async def test_R_on_the_opportunities_reads_a_linked_repository_for_its_linked_issues_only(
        demo_store, make_app, github, ran_on):
    links.link(demo_store, "O-2", f"https://github.com/{OTHER}/issues/5")
    github.close(5, OTHER, reason="completed")
    before = feedback_count(demo_store)
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "O")
        screen = app.screen
        assert isinstance(screen, OpportunitiesScreen)
        for _ in range(10):
            if screen.current_id == "O-2":
                break
            await press(pilot, "j")
        assert "not read yet" in text_of(app, "#opportunity-text")
        await press(pilot, "R")
        assert await wait_until(pilot, lambda: demo_store.get("O-2").status == "shipped"), messages(app)
        assert await wait_until(pilot, lambda: "closed: completed" in text_of(app, "#opportunity-text"))
        assert await wait_until(pilot, lambda: f"github {OTHER} (linked issues): 1 linked issue refreshed, O-2 shipped, 1 request"
                                in messages(app)), messages(app)
        assert isinstance(app.screen, OpportunitiesScreen)
    # One GET of the linked issue: acme/app's other issues are not brought in as feedback.
    assert [(a.method, a.path) for a in github.asked] == [("GET", f"/repos/{OTHER}/issues/5")]
    assert feedback_count(demo_store) == before and last_syncs(demo_store) == []


async def test_no_network_and_a_rate_limit_are_one_line_each_and_the_next_R_brings_what_was_missed(
        demo_store, make_app, github):
    sync_github(demo_store, REPO, api_url=github.api_url, token=TOKEN)
    with FakeGitHub({"acme/gone": []}, token=TOKEN) as gone:  # synced once, then its server went away
        sync_github(demo_store, "acme/gone", api_url=gone.api_url, token=TOKEN)
    github.edit(3, REPO, title="Edited while GitHub was rate limiting us")
    github.fail_at[len(github.asked) + 1] = Fault(
        403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(github.rate_reset)},
        b'{"message": "API rate limit exceeded for user ID 1."}')
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "R")
        assert await wait_until(pilot, lambda: len(errors(app)) == 2), messages(app)
        unreachable, limited = errors(app)
        assert unreachable.startswith("github acme/gone") and "\n" not in unreachable
        assert limited.startswith(f"github {REPO}") and "rate limit" in limited and "\n" not in limited
        await settle(pilot)
        app.clear_notifications()
        await press(pilot, "R")  # the limit is over: the edit arrives, nothing was lost
        assert await wait_until(pilot, lambda: any(m.startswith(f"github {REPO}: 0 new, 1 updated") for m in messages(app))), \
            messages(app)
    assert any(item.title == "Edited while GitHub was rate limiting us" for item in demo_store.all(FeedbackItem))


def errors(app) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


async def test_R_with_nothing_synced_or_linked_says_how_to_add_a_source_and_starts_nothing(demo_store, make_app, github):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "R")
        assert messages(app) == [sync_runner.NOTHING_TO_SYNC]
        assert not sync_runner.running(app)
    assert github.asked == []


def test_the_plan_reads_each_state_back_with_its_api_address_and_a_jira_query(demo_store):
    """What R syncs: the states' own addresses (so each cursor is kept), Jira's query read back
    from its state, a linked GitHub Enterprise repository from its host."""
    site = jira.JiraIssues("LUCENE", store=demo_store, jql="type = Bug AND labels in (ux)",
                           api_url="https://issues.apache.org/jira")
    with demo_store.change("states", origin="test") as tx:
        tx.add(SyncState(source="jira LUCENE", api_url=site.state_url))
        tx.add(SyncState(source="github northwind/ledger", api_url="https://ghe.example.com/api/v3"))
    links.link(demo_store, "O-1", "https://github.com/northwind/ledger/issues/4")  # synced: not listed twice
    links.link(demo_store, "O-2", "https://ghe.example.com/platform/api/issues/7")
    assert again.plan(demo_store) == [
        again.Source("github", "northwind/ledger", "https://ghe.example.com/api/v3"),
        again.Source("jira", "LUCENE", "https://issues.apache.org/jira", jql="type = Bug AND labels in (ux)"),
        again.Source("github", "platform/api", "https://ghe.example.com/api/v3", links_only=True),
    ]
