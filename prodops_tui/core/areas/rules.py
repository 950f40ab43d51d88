"""Who owns a file path, by the imported CODEOWNERS rules, as GitHub and GitLab answer it.

GitHub: gitignore-style patterns, the last matching rule wins, a rule with no owners
un-owns. GitLab: the same matching within each section (a rule with no owners takes its
header's default owners), the last match per section, the owners of every matching
section combined; a `!pattern` that matches takes the path out of its section; and a
pattern that does not start with `/` matches at any depth (`config/x.yml` owns
`ee/config/x.yml`), where gitignore and GitHub anchor a pattern with a `/` inside it.

Patterns are compiled by pathspec's gitignore matcher, with one difference the hosts
document: `docs/*` owns the files directly in `docs/`, not those further down. A rule is
compiled only when a path could reach it: rules anchored to a literal first folder wait
in a bucket for paths under that folder, so one lookup at 5,000 rules compiles a few.

What a merge request needs (GitLab): one approval rule per matching entry, that is per
section and pattern, each needing its header's `[N]` approvals (at least 1) from its owners,
and none when the section is optional; a section is optional only when every header of its
name is `^[...]`. GitHub: one code owner of each owned file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from ..importers.codeowners import UNSECTIONED_AREA, headers_of
from ..model import CodeOwnersFile, CodeOwnersRule, ProductArea, rule_owners, written_pattern
from ..storage.store import Store
from ..text import unique_names
from .lookup import area_path

_GLOB = re.compile(r"[*?\[\\]")
_EXTENSION = re.compile(r"\.[A-Za-z0-9_+-]{1,12}$")


@dataclass(frozen=True)
class DecidingRule:
    """A rule that decided (or excluded) a path, shown as `file:line  pattern`."""

    file: str
    line: int
    pattern: str
    section: str
    optional: bool  # its section is optional (GitLab: every header of that name is ^[...])
    owners: tuple[str, ...]  # after section defaults
    exclusion: bool
    area: str | None
    approvals: int = 1  # approvals this rule needs from its owners: 0 when optional, an exclusion or no owner
    header_line: int | None = None  # the section header it is written under
    header_optional: bool = False  # that header is ^[...] (the section may still be required)
    gitlab: bool = False

    @property
    def written(self) -> str:
        return written_pattern(self.pattern, self.exclusion)

    @property
    def group(self) -> tuple[str, str]:
        """(file, section): what GitLab groups a merge request's approval rules by."""
        return self.file, self.section.casefold()

    @property
    def group_label(self) -> str:
        """The section as a reader finds it in the file: `[Database]`, `^[Backend]`, `[Docs][2]`;
        the rules before GitLab's first header as the area they are filed under; a GitHub file by its name."""
        if not self.gitlab:
            return self.file
        if not self.section:
            return UNSECTIONED_AREA
        return f"{'^' if self.optional else ''}[{self.section}]"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "pattern": self.written, "line": self.line,
                "section": self.section or None, "optional": self.optional, "owners": list(self.owners),
                "approvals": self.approvals, "header_line": self.header_line}


@dataclass
class PathOwners:
    path: str
    owners: list[str] = field(default_factory=list)  # as written, deduplicated, in rule order
    required: list[str] = field(default_factory=list)  # the owners not only from optional sections
    rules: list[DecidingRule] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return bool(self.rules)


class _Rule:
    """One rule, its pattern compiled on first use."""

    __slots__ = ("index", "rule", "owners", "optional", "approvals", "header_line", "header_optional",
                 "any_depth", "_regex", "_direct_only", "broken")

    def __init__(self, index: int, rule: CodeOwnersRule, owners: tuple[str, ...], optional: bool, *,
                 approvals: int = 1, header_line: int | None = None, header_optional: bool = False,
                 any_depth: bool = False):
        self.index, self.rule, self.owners, self.optional = index, rule, owners, optional
        self.approvals, self.header_line, self.header_optional = approvals, header_line, header_optional
        self.any_depth = any_depth
        self._regex: re.Pattern[str] | None = None
        self._direct_only = False
        self.broken = False

    def matches(self, path: str) -> bool:
        if self._regex is None:
            if self.broken:
                return False
            pattern = self.rule.pattern
            if self.any_depth and not pattern.startswith(("/", "**/")):
                # GitLab prepends `/**/` to every pattern that does not start with `/`, so
                # `config/bounded_contexts.yml` also owns `ee/config/bounded_contexts.yml`
                # (gitlab-org/gitlab ee/lib/gitlab/code_owners/file.rb, normalize_pattern:
                # `pattern = "/**/#{pattern}" unless pattern.start_with?('/')`; documented at
                # docs.gitlab.com/user/project/codeowners/reference/#relative-paths: "Paths without
                # a leading / are treated as globstar paths", `internal/README.md` matching
                # /docs/internal/README.md). gitignore, and GitHub, anchor it to the root.
                pattern = "**/" + pattern
            if pattern.endswith("/**/") and len(pattern) > 4:
                # `docs/**/`: the folders below docs/, so not the files directly in it (GitHub's
                # reading; gitignore would let `**` match no folder at all).
                pattern = pattern[:-4] + "/*/**"
            try:
                compiled = GitIgnoreSpecPattern(pattern).regex
            except (ValueError, TypeError, re.error):
                compiled = None
            if compiled is None:
                self.broken = True
                return False
            self._regex = compiled
            # `docs/*` (and `/*`): only the files directly there, as both hosts document; gitignore
            # would also take everything below, because it ignores the folder.
            self._direct_only = self.rule.pattern.endswith("/*") and not self.rule.pattern.endswith("\\/*")
        found = self._regex.search(path)  # pathspec anchors its regexes itself (`*/` is a bare `/`)
        if found is None:
            return False
        return not (self._direct_only and found.groupdict().get("ps_d"))


class CompiledFile:
    """One CODEOWNERS file ready for lookups."""

    def __init__(self, record: CodeOwnersFile):
        self.record = record
        self.gitlab = is_gitlab(record)
        headers = headers_of(record.sections, record.rules) if self.gitlab else [None] * len(record.rules)
        # GitLab: a section is optional only when all its entries are, i.e. every header of its
        # name that has rules is ^[...] ("If a section is duplicated in the file, and one of them
        # is marked as optional and the other isn't, the section is required":
        # docs.gitlab.com/user/project/codeowners/reference/#optional-sections;
        # ee/lib/gitlab/code_owners/file.rb, optional_section?: `entries.all?(&:optional?)`).
        optional_sections: dict[str, bool] = {}
        for index, rule in enumerate(record.rules):
            header = headers[index]
            if header is not None:
                key = rule.section.casefold()
                optional_sections[key] = optional_sections.get(key, True) and header.optional
        self.rules: list[_Rule] = []
        self.by_folder: dict[str, list[_Rule]] = {}
        self.floating: list[_Rule] = []
        for index, rule in enumerate(record.rules):
            header = headers[index]
            owners = tuple(rule_owners(rule, header))
            optional = header is not None and optional_sections[rule.section.casefold()]
            # Approvals: the header's [N], at least 1 (GitLab reads [0] as 1), none when optional.
            approvals = 0 if optional or rule.exclusion or not owners else max(1, header.approvals if header else 1)
            compiled = _Rule(index, rule, owners, optional, approvals=approvals,
                             header_line=header.line if header else None,
                             header_optional=bool(header and header.optional),
                             any_depth=self.gitlab)
            self.rules.append(compiled)
            folder = "" if compiled.any_depth and not rule.pattern.startswith("/") else _literal_first_folder(rule.pattern)
            (self.by_folder.setdefault(folder, []) if folder else self.floating).append(compiled)

    def candidates(self, path: str) -> list[_Rule]:
        """Every rule that could match, last in the file first."""
        first = path.split("/", 1)[0]
        found = self.by_folder.get(first, []) + self.floating
        found.sort(key=lambda r: r.index, reverse=True)
        return found

    def deciding(self, path: str) -> list[_Rule]:
        if not self.gitlab:
            return next(([r] for r in self.candidates(path) if not r.rule.exclusion and r.matches(path)), [])
        last_match: dict[str, _Rule] = {}
        excluded: dict[str, _Rule] = {}
        for rule in self.candidates(path):
            section = rule.rule.section.casefold()
            if rule.rule.exclusion:
                if section not in excluded and rule.matches(path):
                    excluded[section] = rule  # any matching exclusion takes the path out of its section
            elif section not in last_match and rule.matches(path):
                last_match[section] = rule
        decided = [excluded.get(section, rule) for section, rule in last_match.items()]
        decided += [rule for section, rule in excluded.items() if section not in last_match]
        return sorted(decided, key=lambda r: r.index)


def is_gitlab(record: CodeOwnersFile) -> bool:
    """GitLab's rules apply to a file with sections or `!` exclusions (the import sets the flavor
    from those), or to one imported from a `.gitlab/` folder; GitHub's to any other."""
    return record.flavor == "gitlab" or record.name.casefold().startswith(".gitlab/")


def _literal_first_folder(pattern: str) -> str:
    """The first folder a rule is anchored to, when it is plain text; '' when the rule can match anywhere."""
    body = pattern.rstrip("/")
    anchored = pattern.startswith("/") or "/" in body.lstrip("/")
    if not anchored:
        return ""
    first = body.lstrip("/").split("/", 1)[0]
    return "" if not first or _GLOB.search(first) else first


def normalise_path(text: str) -> str:
    """'./app/models/user.rb' and '/app/models/user.rb' -> 'app/models/user.rb'."""
    path = text.strip()
    while path.startswith("./"):
        path = path[2:]
    path = re.sub(r"/{2,}", "/", path).lstrip("/")
    return path


def compiled_files(store: Store) -> list[CompiledFile]:
    """Built once per revision of the store: every lookup of a run shares the compiled rules."""
    return store.derived("codeowners.compiled", lambda s: [CompiledFile(f) for f in sorted(s.all(CodeOwnersFile), key=lambda f: f.number)])


def has_rules(store: Store) -> bool:
    return store.count(CodeOwnersFile) > 0


def owners_of_path(store: Store, text: str) -> PathOwners:
    path = normalise_path(text)
    result = PathOwners(path=path)
    required: list[str] = []
    for compiled in compiled_files(store):
        for rule in compiled.deciding(path):
            record = rule.rule
            result.rules.append(DecidingRule(
                file=compiled.record.name, line=record.line, pattern=record.pattern, section=record.section,
                optional=rule.optional, owners=() if record.exclusion else rule.owners,
                exclusion=record.exclusion, area=record.area, approvals=rule.approvals,
                header_line=rule.header_line, header_optional=rule.header_optional, gitlab=compiled.gitlab))
            if not record.exclusion:
                result.owners.extend(rule.owners)
                if not rule.optional:
                    required.extend(rule.owners)
    # Deduplicated as GitHub compares handles (not case-sensitive), the first spelling kept.
    result.owners = unique_names(result.owners)
    result.required = unique_names(required)
    return result


def looks_like_path(store: Store, text: str) -> bool:
    """A query is a path if it has a '/', a file extension, or a rule is exactly it (`Dangerfile`).

    Not merely "a rule matches it": `*` matches any word, and `who Backend` means the area."""
    query = text.strip()
    if not query or " / " in query:
        return False  # "Billing / Invoices" is how area paths are written
    if "/" in query and not owners_of_path(store, query).matched and _is_area_path(store, query):
        return False  # "Billing/Invoices": an area, since no rule speaks of such a file
    if "/" in query or _EXTENSION.search(query) or query.startswith("."):
        return True  # "docs/Security Fix.md" too: a file name may hold spaces
    if " " in query:
        return False  # words: "billing invoices"
    # The whole pattern, not one of its folders: `invoices` in /services/billing/invoices/** means the area.
    return any(rule.rule.pattern.strip("/") == query for compiled in compiled_files(store) for rule in compiled.rules)


def _is_area_path(store: Store, text: str) -> bool:
    """Whether the text names an area by its path (asked on each keystroke of the Areas filter)."""
    from .lookup import area_paths
    from .lookup import normalise_path as area_key

    known = store.derived("areas.path_keys", lambda s: {area_key(path) for path in area_paths(s).values()})
    return area_key(text) in known


def path_record(store: Store, found: PathOwners) -> dict[str, Any]:
    """The contract's JSON object for one path."""
    areas: list[dict[str, str]] = []
    for rule in found.rules:
        area = store.get(rule.area) if rule.area else None
        if isinstance(area, ProductArea) and all(a["id"] != area.id for a in areas):
            areas.append({"id": area.id, "path": area_path(store, area)})
    return {
        "kind": "path", "path": found.path, "owners": found.owners, "required": found.required,
        "rules": [rule.to_dict() for rule in found.rules], "areas": areas,
        "sections": [_section_dict(rule) for rule in found.rules if _asks_review(rule)],
    }


def _asks_review(rule: DecidingRule) -> bool:
    """A rule that names someone to review: not an exclusion, not a rule naming no one."""
    return not rule.exclusion and bool(rule.owners)


def _section_dict(rule: DecidingRule) -> dict[str, Any]:
    """One section's reviewers of one path: GitLab's approval rule for the section's matching entry."""
    return {"file": rule.file, "section": rule.section or None, "label": rule.group_label,
            "optional": rule.optional, "approvals": rule.approvals, "owners": list(rule.owners),
            "pattern": rule.written, "line": rule.line}


@dataclass
class RuleReviewers:
    """One deciding rule of a section and the paths it decided."""

    rule: DecidingRule
    paths: list[str] = field(default_factory=list)


@dataclass
class SectionReviewers:
    """The reviewers a set of paths needs from one section of one file."""

    file: str
    section: str
    label: str
    optional: bool
    rules: list[RuleReviewers] = field(default_factory=list)

    @property
    def approvals(self) -> int:
        """Approvals the section asks for in all: each matched rule's own (GitLab makes one
        approval rule per section and pattern; one person may give several of them)."""
        return sum(r.rule.approvals for r in self.rules)


def reviewers_by_section(found: list[PathOwners]) -> list[SectionReviewers]:
    """The reviewers several paths need, by file and section, each section's matching rules
    with the approvals each needs, in the file's order."""
    groups: dict[tuple[str, str], SectionReviewers] = {}
    files: list[str] = []
    for result in found:
        for rule in result.rules:
            if not _asks_review(rule):
                continue
            if rule.file not in files:
                files.append(rule.file)
            group = groups.get(rule.group)
            if group is None:
                group = groups[rule.group] = SectionReviewers(rule.file, rule.section, rule.group_label, rule.optional)
            held = next((r for r in group.rules if r.rule.line == rule.line), None)
            if held is None:
                held = RuleReviewers(rule)
                group.rules.append(held)
            if result.path not in held.paths:
                held.paths.append(result.path)
    for group in groups.values():
        group.rules.sort(key=lambda r: r.rule.line)
    return sorted(groups.values(), key=lambda g: (files.index(g.file), g.rules[0].rule.line))


@dataclass(frozen=True)
class OwnedRule:
    file: str
    rule: CodeOwnersRule
    owners: tuple[str, ...]


def rules_owned_by(store: Store, handles: list[str]) -> list[OwnedRule]:
    """The rules that name any of these handles (or emails), directly or by section default."""
    wanted = {h.casefold() for h in handles if h}
    found = []
    for compiled in compiled_files(store):
        for rule in compiled.rules:
            if any(owner.casefold() in wanted for owner in rule.owners):
                found.append(OwnedRule(compiled.record.name, rule.rule, rule.owners))
    return found


def rules_of_area(store: Store, area_id: str) -> list[OwnedRule]:
    return [OwnedRule(c.record.name, r.rule, r.owners) for c in compiled_files(store) for r in c.rules if r.rule.area == area_id]


def rule_coverage(store: Store) -> tuple[int, int]:
    """(rules that give their paths an owner, all rules but exclusions): how much of the code is owned."""
    owned = total = 0
    for compiled in compiled_files(store):
        for rule in compiled.rules:
            if not rule.rule.exclusion:
                total += 1
                owned += bool(rule.owners)
    return owned, total
