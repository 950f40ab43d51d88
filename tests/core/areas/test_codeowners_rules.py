"""Who owns a path, by the rules: checked against an independent implementation of GitHub's
semantics (the `codeowners` package) on generated files, and against the cases GitHub's and
GitLab's documentation spell out."""

from __future__ import annotations

import random

import codeowners
import pytest

from prodops_tui.core.areas.rules import CompiledFile, normalise_path, owners_of_path, path_record
from prodops_tui.core.importers import import_areas
from prodops_tui.core.importers.codeowners import parse_codeowners
from prodops_tui.core.model import CodeOwnersFile
from prodops_tui.core.text import unique_names

from ...conftest import TEST_DATA


def owners(text: str, path: str) -> list[str]:
    """Our answer, computed the way `who PATH` computes it, for a file given as text."""
    parsed = parse_codeowners(text)
    compiled = CompiledFile(CodeOwnersFile(name="CODEOWNERS", flavor=parsed.flavor, sections=parsed.sections, rules=parsed.rules))
    return unique_names([owner for rule in compiled.deciding(normalise_path(path)) for owner in rule.owners])


def github(text: str, path: str) -> list[str]:
    return unique_names([owner for _, owner in codeowners.CodeOwners(text).of(path)])


FOLDERS = ["app", "lib", "docs", "src", "models", "api", "logs", "build", "test", "x"]
FILES = ["a.py", "b.js", "README.md", "Makefile", "c.rb", ".env", "index.html", "x.py"]
HANDLES = ["@a", "@org/team", "me@example.com", "@b", "@c"]


def _pattern(rnd: random.Random) -> str:
    parts = [rnd.choice(FOLDERS + ["*", "**"]) for _ in range(rnd.randint(1, 3))]
    if rnd.random() < 0.3:
        parts.append(rnd.choice(["*.py", "*.js", "README.md", "*", "?.rb", "*.md"]))
    pattern = "/".join(parts).replace("**/**", "**")
    if rnd.random() < 0.4:
        pattern = "/" + pattern
    if rnd.random() < 0.25:
        pattern += "/"
    return pattern


@pytest.mark.parametrize("seed", range(4))
def test_generated_github_files_agree_with_an_independent_implementation(seed):
    # Every glob form (*, **, ?, leading and trailing /, none), nested overrides, empty owner lists.
    rnd = random.Random(seed)
    compared = disagreements = 0
    for _ in range(150):
        lines = [f"{_pattern(rnd)} {' '.join(rnd.sample(HANDLES, rnd.randint(0, 2)))}".rstrip() for _ in range(rnd.randint(1, 25))]
        text = "\n".join(lines)
        for _ in range(30):
            path = "/".join(rnd.choice(FOLDERS) for _ in range(rnd.randint(0, 4)))
            path = f"{path}/{rnd.choice(FILES)}".lstrip("/")
            compared += 1
            disagreements += owners(text, path) != github(text, path)
    assert compared == 4500 and disagreements == 0


GITHUB_DOCS = """\
*       @global-owner1 @global-owner2
*.js    @js-owner
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
"""


@pytest.mark.parametrize(("path", "expected"), [
    ("README", ["@global-owner1", "@global-owner2"]),
    ("src/app.js", ["@js-owner"]),
    ("main.go", ["docs@example.com"]),
    ("notes/a.txt", ["@octo-org/octocats"]),
    ("docs/getting-started.md", ["@doctocat"]),  # /docs/ comes after docs/* and wins
    ("deeply/nested/logs/x.log", ["@octocat"]),
    ("apps/web/main.py", ["@octocat"]),
    ("apps/github/hooks.py", []),  # a rule with no owners un-owns
    ("scripts/run.sh", ["@doctocat", "@octocat"]),
])
def test_the_examples_of_githubs_documentation(path, expected):
    assert owners(GITHUB_DOCS, path) == expected == github(GITHUB_DOCS, path)


def test_docs_star_owns_only_the_files_directly_in_the_folder():
    text = "* @all\ndocs/* @docs\n"
    assert owners(text, "docs/getting-started.md") == ["@docs"]
    assert owners(text, "docs/build-app/troubleshooting.md") == ["@all"]  # gitignore would say @docs
    assert owners("/* @root\n", "README.md") == ["@root"] and owners("/* @root\n", "src/a.py") == []


def test_escaped_spaces_and_paths_as_people_type_them():
    text = "Security\\ Fix.md @sec\npath\\ with\\ spaces/ @space-owner\n/deps @deps\n"
    assert owners(text, "docs/Security Fix.md") == ["@sec"]
    assert owners(text, "Security") == [] and owners(text, "Fix.md") == []
    assert owners(text, "a/path with spaces/x.txt") == ["@space-owner"]
    assert owners(text, "./deps/lock.json") == ["@deps"] == owners(text, "/deps")


GITLAB_DOCS = """\
# Required for all files
* @general-approvers

[Documentation] @docs-team
docs/
README.md
*.txt

[Database] @database-team
model/db/
config/db/database-setup.md @docs-team

^[Optional docs][2] @tech-writers
/handbook/

[documentation]
/guides/ @guides-team

[Ruby]
*.rb @ruby-devs
!/config/*
"""


def test_gitlab_combines_the_last_match_of_every_section():
    assert owners(GITLAB_DOCS, "docs/index.md") == ["@general-approvers", "@docs-team"]
    assert owners(GITLAB_DOCS, "model/db/schema.sql") == ["@general-approvers", "@database-team"]
    # Inside a section a rule's own owners replace the section's defaults.
    assert owners(GITLAB_DOCS, "config/db/database-setup.md") == ["@general-approvers", "@docs-team"]
    # Sections of the same name (any case) are one section: /guides/ is the Documentation section's last match.
    assert owners(GITLAB_DOCS, "guides/a.txt") == ["@general-approvers", "@guides-team"]


def test_gitlab_exclusions_take_a_path_out_of_their_own_section_only():
    assert owners(GITLAB_DOCS, "app/models/user.rb") == ["@general-approvers", "@ruby-devs"]
    assert owners(GITLAB_DOCS, "config/boot.rb") == ["@general-approvers"]
    assert owners("* @all\n!pom.xml\n", "pom.xml") == [] and owners("* @all\n!pom.xml\n", "src/Main.java") == ["@all"]


def test_gitlab_optional_sections_and_approvals_are_kept_and_reported(store, tmp_path):
    file = tmp_path / "CODEOWNERS"
    file.write_text(GITLAB_DOCS)
    result = import_areas(store, file)
    assert result.exclusions == 1 and not result.unowned  # an exclusion is not a gap
    optional = next(s for s in store.all(CodeOwnersFile)[0].sections if s.name == "Optional docs")
    assert (optional.optional, optional.approvals, optional.owners) == (True, 2, ["@tech-writers"])
    found = owners_of_path(store, "handbook/onboarding.md")
    assert found.owners == ["@general-approvers", "@tech-writers"]
    assert found.required == ["@general-approvers"]  # an optional section's owners are not required
    record = path_record(store, owners_of_path(store, "config/app.rb"))
    assert [(r["pattern"], r["section"]) for r in record["rules"]] == [("*", None), ("!/config/*", "Ruby")]
    assert record["owners"] == ["@general-approvers"]


def test_the_real_gitlab_file_per_section(store):
    import_areas(store, TEST_DATA / "gitlab_CODEOWNERS")
    everyone = owners_of_path(store, "README.md").owners
    assert len(everyone) == 9
    # /db/*migrate/ in Database; /**/click_house/ in Clickhouse, which the Database section avoids on purpose.
    migration = owners_of_path(store, "db/post_migrate/2024_x.rb")
    assert [(r.section, r.pattern) for r in migration.rules] == [("", "*"), ("Backend", "*.rb"), ("Database", "/db/*migrate/")]
    clickhouse = owners_of_path(store, "db/click_house/main/1_init.sql")
    assert [r.section for r in clickhouse.rules] == ["", "Clickhouse"]
    assert owners_of_path(store, "doc/.vale/gitlab/Spelling.yml").owners == ["@marcel.amirault", "@eread", "@aqualls", "@gitlab-org/tw-leadership"]
    assert owners_of_path(store, "doc/api/index.md").owners == []  # /doc/**/*.md names nobody


def _paths_from_patterns(text: str) -> list[str]:
    """Concrete paths each rule is about (a file in its folder, one further down), so every rule is exercised."""
    paths = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        body = line.split()[0].lstrip("/").replace("**", "a/b").replace("*", "x").replace("?", "q")
        paths += [body + "file.py", body + "sub/deeper/file.py"] if body.endswith("/") else [body, body + "/inner/file.py"]
    return sorted(set(paths))


def test_a_real_github_file_agrees_with_the_independent_implementation_on_every_rule(store):
    text = (TEST_DATA / "homeassistant_CODEOWNERS").read_text()
    result = import_areas(store, TEST_DATA / "homeassistant_CODEOWNERS")
    assert result.rules == 1180 and result.grouping == "comment" and not result.problems
    oracle = codeowners.CodeOwners(text)
    paths = _paths_from_patterns(text)
    disagreeing = [p for p in paths if owners_of_path(store, p).owners != unique_names([o for _, o in oracle.of(p)])]
    assert len(paths) > 2000 and disagreeing == []
    assert owners_of_path(store, "homeassistant/components/hue/light.py").owners == ["@balloob", "@marcelveldt"]
    # `homeassistant/helpers/*` owns the files directly in helpers/ only: a file below has no owner.
    assert owners_of_path(store, "homeassistant/helpers/entity.py").owners == ["@home-assistant/core"]
    assert owners_of_path(store, "homeassistant/helpers/schema/base.py").owners == []


def test_what_reads_as_a_path_and_what_as_words(store, tmp_path):
    from prodops_tui.core.areas.rules import looks_like_path

    file = tmp_path / "CODEOWNERS"
    file.write_text("* @all\n/services/billing/invoices/ @billing\nDangerfile @tooling\n")
    import_areas(store, file)
    for path in ("services/billing/x.py", "docs/Security Fix.md", "README.md", ".rubocop.yml", "Dangerfile", "./a/b"):
        assert looks_like_path(store, path), path
    for words in ("invoices", "billing invoices", "Backend", ""):  # a folder of a rule is not the rule
        assert not looks_like_path(store, words), words


def test_an_area_path_is_not_taken_for_a_file_path(store, tmp_path):
    from prodops_tui.core.areas.ownership import add_area
    from prodops_tui.core.areas.rules import looks_like_path

    file = tmp_path / "CODEOWNERS"
    file.write_text("/billing/ @billing\n")
    import_areas(store, file)
    add_area(store, "Invoices", parent=add_area(store, "Payments").id)
    assert not looks_like_path(store, "Payments / Invoices") and not looks_like_path(store, "Payments/Invoices")
    assert looks_like_path(store, "billing/invoices.py") and looks_like_path(store, "payments/refunds.py")


def _stored(store, tmp_path, text: str, name: str = "CODEOWNERS"):
    file = tmp_path / name
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    import_areas(store, file)
    return file


def test_gitlab_matches_a_pattern_without_a_leading_slash_at_any_depth_and_github_does_not(store, tmp_path):
    # GitLab prepends /**/ to a pattern that does not start with / (ee/lib/gitlab/code_owners/file.rb,
    # normalize_pattern); its docs: `internal/README.md` "Matches /internal/README.md,
    # /docs/internal/README.md, /docs/api/internal/README.md".
    _stored(store, tmp_path, "[Docs]\ninternal/README.md @docs\n[Contexts]\nconfig/bounded_contexts.yml @arch\n")
    for path in ("internal/README.md", "docs/internal/README.md", "docs/api/internal/README.md"):
        assert owners_of_path(store, path).owners == ["@docs"], path
    assert owners_of_path(store, "ee/config/bounded_contexts.yml").owners == ["@arch"]  # the miss issue 31 found
    assert owners_of_path(store, "ee/config/other.yml").owners == []


def test_the_real_gitlab_file_owns_an_unanchored_rule_at_any_depth(store):
    import_areas(store, TEST_DATA / "gitlab_CODEOWNERS")
    # Line 7 `.gitlab/CODEOWNERS` (no leading /), by hand through GitLab's matcher:
    # fnmatch("/**/.gitlab/CODEOWNERS", "/qa/.gitlab/CODEOWNERS", FNM_PATHNAME | FNM_DOTMATCH) is true,
    # so it is the unnamed section's last match, over `*`; /qa/ adds the optional End-to-end section.
    found = owners_of_path(store, "qa/.gitlab/CODEOWNERS")
    assert [(r.line, r.section) for r in found.rules] == [(7, ""), (69, "End-to-end")]
    assert found.owners == ["@gitlab-org/development-leaders", "@gitlab-org/tw-leadership", "@gl-quality"]
    assert found.required == ["@gitlab-org/development-leaders", "@gitlab-org/tw-leadership"]


def test_a_github_file_keeps_a_pattern_with_a_slash_anchored_and_a_gitlab_folder_file_does_not(store, tmp_path):
    text = (TEST_DATA / "homeassistant_CODEOWNERS").read_text()
    import_areas(store, TEST_DATA / "homeassistant_CODEOWNERS")
    # Line 19 `homeassistant/scripts/check_config.py @kellerza`: anchored on GitHub, as the oracle says.
    assert owners_of_path(store, "homeassistant/scripts/check_config.py").owners == ["@kellerza"]
    assert owners_of_path(store, "tests/homeassistant/scripts/check_config.py").owners == []
    assert codeowners.CodeOwners(text).of("tests/homeassistant/scripts/check_config.py") == []
    # A file with no section or exclusion is read by GitLab's rules when it comes from a .gitlab/ folder.
    _stored(store, tmp_path, "* @all\nconfig/app.yml @config\n", ".gitlab/CODEOWNERS")
    gitlab_file = next(r for r in owners_of_path(store, "ee/config/app.yml").rules if r.file == ".gitlab/CODEOWNERS")
    assert gitlab_file.owners == ("@config",)


def test_a_section_named_twice_is_optional_only_when_every_header_is(store, tmp_path):
    # GitLab's docs: "If a section is duplicated in the file, and one of them is marked as optional
    # and the other isn't, the section is required"; file.rb, optional_section?: the
    # `[Documentation] *.go` / `^[Documentation] *.rb` example "is still required".
    _stored(store, tmp_path, "[Documentation]\n*.go @user\n\n^[Documentation]\n*.rb @user\n\n"
                             "^[Search] @search\n/ee/elastic/\n\n[search]\n/ee/lib/search/\n\n"
                             "^[Optional] @opt\n/a/\n^[OPTIONAL]\n/b/\n")
    assert owners_of_path(store, "app/x.rb").required == ["@user"]
    ruby = owners_of_path(store, "app/x.rb").rules[0]
    assert (ruby.section, ruby.optional, ruby.header_optional, ruby.approvals) == ("Documentation", False, True, 1)
    # The other order: the optional header first, a required one later. Both rules are required.
    elastic = owners_of_path(store, "ee/elastic/migrate/1.yml")
    assert elastic.required == ["@search"]
    assert [(r.section, r.optional, r.header_optional, r.approvals) for r in elastic.rules] == [("Search", False, True, 1)]
    both_optional = owners_of_path(store, "b/x.txt")
    assert both_optional.rules[0].optional and both_optional.required == [] and both_optional.rules[0].approvals == 0


def test_each_header_of_a_section_keeps_its_own_default_owners_and_approvals(store, tmp_path):
    # GitLab's docs, "Sections with duplicate names": three entries under Documentation, "using the
    # case of the first section"; each entry takes the default owners and [N] of the header above it.
    _stored(store, tmp_path, "[Documentation][2] @docs\nee/docs/\ndocs/\n\n[Database]\nREADME.md @database\n"
                             "model/db/ @database\n\n[DOCUMENTATION] @writers\nREADME.md\n")
    readme = owners_of_path(store, "README.md")
    assert readme.owners == ["@database", "@writers"]
    assert [(r.section, r.owners, r.approvals) for r in readme.rules] == [
        ("Database", ("@database",), 1), ("Documentation", ("@writers",), 1)]
    guide = owners_of_path(store, "docs/guide.md").rules[0]
    assert (guide.section, guide.owners, guide.approvals, guide.header_line) == ("Documentation", ("@docs",), 2, 1)
