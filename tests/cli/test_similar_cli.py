"""`prodops similar ID` on real tracker exports: a maintainer's duplicate is listed with its id,
score, title and the rare words the two share; --json and --limit say the same, best first;
wrong input fails as the exit statuses promise; a title never writes raw control characters
to the terminal (issue 25, items 3 and 4).

Real data: tests/data (SOURCES.md), imported with the command its docs give."""

from __future__ import annotations

import json

import pytest

from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store

from ..conftest import TEST_DATA, fixed_clock

THRESHOLD = 40.0  # what `prodops similar` lists from (duplicates.DUPLICATE_THRESHOLD)


def import_tracker(prodops, workspace, name: str) -> dict[str, str]:
    """Import a real tracker export as SOURCES.md says; the tracker's issue number -> our id."""
    result = prodops("import", "feedback", str(TEST_DATA / name), "--map", "text=body", "--map", "title=title",
                     "--map", "id=number", "--map", "received=created_at")
    assert result.returncode == 0, result.stderr
    store = Store.open(workspace, clock=fixed_clock)
    try:
        return {item.source_key.rsplit(":", 1)[-1]: item.id for item in store.all(FeedbackItem)}
    finally:
        store.close()


def add_items(workspace, *items: tuple[str, str]) -> list[str]:
    """Items as an integration or an older version may have stored them: titles as they came."""
    store = Store.open(workspace, clock=fixed_clock)
    try:
        with store.change("added", origin="test") as tx:
            return [tx.add(FeedbackItem(title=title, text=text, source="test")).id for title, text in items]
    finally:
        store.close()


def hits_of(stdout: str) -> list[tuple[str, float, str, list[str]]]:
    """The text listing: per look-alike a line `ID  SCORE  TITLE` and a line `shares w1, w2`."""
    lines = stdout.splitlines()
    assert len(lines) % 2 == 0, stdout
    hits = []
    for head, why in zip(lines[::2], lines[1::2], strict=True):
        item_id, score, title = head.split(None, 2)
        assert why.startswith(" ") and why.strip().startswith(("shares ", "same title or words")), why
        words = why.strip().removeprefix("shares ").split(", ") if why.strip().startswith("shares ") else []
        hits.append((item_id, float(score), title, words))
    return hits


# Labelled duplicates (tests/data/issue_pairs_labelled.csv, "yes"): the issue, its partner,
# the partner's title and rare words the two share.
LABELLED_DUPLICATES = [
    ("hadoop_jira_issues.jsonl", "13562836", "13573172", "Setup pre-commit CI for Windows", {"windows", "ci"}),
    ("hadoop_jira_issues.jsonl", "13286148", "13595922", "Use spotbugs instead of findbugs", {"spotbugs", "findbugs"}),
    ("seamonkey_bugs.jsonl", "1718839", "1719819", "message archiving does not work", {"archive", "message"}),
]


@pytest.mark.parametrize(("export", "issue", "partner", "title", "words"), LABELLED_DUPLICATES,
                         ids=[f"{number}-{other}" for _f, number, other, _t, _w in LABELLED_DUPLICATES])
def test_a_labelled_duplicates_partner_is_listed_first_with_score_title_and_shared_rare_words(
        prodops, workspace, export, issue, partner, title, words):
    ids = import_tracker(prodops, workspace, export)

    result = prodops("similar", ids[issue])

    assert result.returncode == 0 and result.stderr == "", result.stderr
    hits = hits_of(result.stdout)
    assert hits, result.stdout
    first_id, score, shown_title, shared = hits[0]
    assert (first_id, shown_title) == (ids[partner], title), result.stdout
    assert THRESHOLD <= score <= 100
    assert words <= set(shared), result.stdout
    assert [hit[1] for hit in hits] == sorted((hit[1] for hit in hits), reverse=True)  # best first
    assert prodops("similar", ids[issue].lower()).stdout == result.stdout  # "f-12" is F-12


def test_json_lists_id_score_title_and_why_best_first_and_limit_cuts_the_list(prodops, workspace):
    ids = import_tracker(prodops, workspace, "seamonkey_bugs.jsonl")
    archive = ids["1718839"]  # "Archive message action does not work": several look-alikes

    result = prodops("similar", archive, "--json")

    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert len(found) >= 2
    assert all(set(hit) == {"id", "score", "title", "why"} for hit in found)
    assert found[0]["id"] == ids["1719819"]  # the labelled duplicate
    scores = [hit["score"] for hit in found]
    assert scores == sorted(scores, reverse=True) and all(THRESHOLD <= s <= 100 for s in scores)
    assert all(isinstance(hit["why"], list) and all(isinstance(w, str) for w in hit["why"]) for hit in found)
    assert archive not in {hit["id"] for hit in found}
    # The text listing says the same, in the same order.
    assert [(h[0], h[1]) for h in hits_of(prodops("similar", archive).stdout)] == [(h["id"], h["score"]) for h in found]

    one = prodops("similar", archive, "--json", "--limit", "1")
    assert one.returncode == 0 and json.loads(one.stdout) == found[:1]


def test_an_unknown_id_is_one_line_on_stderr_and_exit_1(prodops):
    assert prodops("capture", "The dashboard takes a minute to load for accounts with many customers.").returncode == 0

    result = prodops("similar", "F-99999")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["prodops: error: no feedback item F-99999"]


def test_an_unknown_id_pasted_with_control_characters_is_still_one_clean_line(prodops):
    """An id copied from a coloured log or a chat (an escape sequence, a line break) is echoed
    back in the error: it must not recolour or clear the terminal, nor add a line."""
    assert prodops("capture", "The dashboard takes a minute to load for accounts with many customers.").returncode == 0

    result = prodops("similar", "F-99\x1b[2J\x1b[31m\nnext")

    assert result.returncode == 1
    assert "\x1b" not in result.stderr, repr(result.stderr)
    assert len(result.stderr.splitlines()) == 1, repr(result.stderr)
    assert result.stderr.startswith("prodops: error: no feedback item F-99")


@pytest.mark.parametrize("limit", ["0", "x", "-1"])
def test_a_limit_that_is_not_one_or_more_is_a_usage_error(prodops, limit):
    assert prodops("capture", "The dashboard takes a minute to load for accounts with many customers.").returncode == 0

    result = prodops("similar", "F-1", "--limit", limit)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[0].startswith("usage: prodops similar")
    assert "--limit" in result.stderr.splitlines()[-1]


def test_an_item_with_no_lookalike_says_so_in_one_line_and_succeeds(prodops):
    for text in ("The dashboard takes a minute to load for accounts with many customers.",
                 "Please add dark mode to the settings page, my eyes hurt at night.",
                 "Card payments with 3-D Secure fail for some of our clients in Germany."):
        assert prodops("capture", text).returncode == 0

    result = prodops("similar", "F-2")

    assert result.returncode == 0 and result.stderr == ""
    assert len(result.stdout.splitlines()) == 1
    assert result.stdout.startswith("F-2: no look-alikes")
    assert json.loads(prodops("similar", "F-2", "--json").stdout) == []


def test_control_characters_and_markup_in_a_title_never_reach_the_terminal_raw(prodops, workspace):
    """A title from an integration holding an escape sequence, a right-to-left override and a
    line break (which could forge a line of the listing) is shown as one clean line; "[bold]" is
    text, shown as typed, not markup."""
    first, tainted = add_items(
        workspace,
        ("Exporting all invoices to Excel takes one click per invoice",
         "Exporting all invoices to Excel takes one click per invoice, for hundreds of invoices."),
        ("\x1b[31mExport invoices[bold] to Excel\x1b[0m in one go\u202e\nF-999   100.0  forged line",
         "Please let us export all invoices to Excel in one go, one click per invoice is too slow."),
    )
    add_items(workspace, *[("", text) for text in ("The dashboard takes a minute to load for accounts with many customers.",
                                                   "Please add dark mode to the settings page, my eyes hurt at night.",
                                                   "Card payments with 3-D Secure fail for some of our clients in Germany.")])

    result = prodops("similar", first)
    as_json = prodops("similar", first, "--json")

    assert result.returncode == 0 and as_json.returncode == 0
    for output in (result.stdout, as_json.stdout):
        assert "\x1b" not in output and "\u202e" not in output, repr(output)
    hits = hits_of(result.stdout)
    assert [hit[0] for hit in hits] == [tainted], result.stdout
    assert "[bold]" in hits[0][2] and "Export invoices" in hits[0][2]
    assert not [line for line in result.stdout.splitlines() if line.startswith("F-999")]  # no forged line
    (hit,) = json.loads(as_json.stdout)
    assert hit["id"] == tainted and "\x1b" not in hit["title"] and "\u202e" not in hit["title"] and "\n" not in hit["title"]
