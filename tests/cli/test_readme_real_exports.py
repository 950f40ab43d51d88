"""The README's "Try it on real exports" runs as written, from a clone (tests/data ships with
it): each `prodops` line of that block, in order, succeeds and prints what the comment says."""

from __future__ import annotations

import os
import re
import shlex

from ..conftest import REPO


def readme_block() -> list[list[str]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Try it on real exports", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "the section shows its commands"
    return [shlex.split(line.split("#", 1)[0]) for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_real_exports_commands_run_from_a_clone(prodops, monkeypatch):
    monkeypatch.chdir(REPO)  # the paths are a clone's
    lines = readme_block()
    assert lines[0][0] == "export" and lines[0][1].startswith("PRODOPS_WORKSPACE=")
    printed = {}
    for words in lines[1:]:
        assert words[0] == "prodops", words
        if words[1:] == []:
            continue  # the app itself: tests/ui covers it
        for path in (w for w in words if w.startswith("tests/data/")):
            assert os.path.exists(path), path
        result = prodops(*words[1:])
        assert result.returncode == 0, (words, result.stderr)
        printed[" ".join(words[1:])] = result.stdout
    assert "imported 800" in printed["import feedback tests/data/app_store_reviews.csv"]
    assert "a reply from the company, not feedback" in printed["import feedback tests/data/support_tweets.csv"]
    assert "16 pull requests skipped" in printed["import feedback tests/data/intake/github_issues_rest.json"]
    assert "created 23 areas" in printed["import areas tests/data/gitlab_CODEOWNERS"]
    assert re.search(r"F-\d+ +feedback +.*voice", printed["search voice not working"])
    assert "group 1:" in printed["duplicates"]
    assert "owners: @gitlab-org" in printed["who ee/app/models/user.rb"]
