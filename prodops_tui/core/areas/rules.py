"""Who owns a file path, by the imported CODEOWNERS rules, as GitHub and GitLab answer it.

GitHub: gitignore-style patterns, the last matching rule wins, a rule with no owners
un-owns. GitLab: the same matching within each section (a rule with no owners takes its
section's default owners), the last match per section, the owners of every matching
section combined; a `!pattern` that matches takes the path out of its section.

Patterns are compiled by pathspec's gitignore matcher, with one difference the hosts
document: `docs/*` owns the files directly in `docs/`, not those further down. A rule is
compiled only when a path could reach it: rules anchored to a literal first folder wait
in a bucket for paths under that folder, so one lookup at 5,000 rules compiles a few."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

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
    optional: bool
    owners: tuple[str, ...]  # after section defaults
    exclusion: bool
    area: str | None

    @property
    def written(self) -> str:
        return written_pattern(self.pattern, self.exclusion)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "pattern": self.written, "line": self.line,
                "section": self.section or None, "optional": self.optional, "owners": list(self.owners)}


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

    __slots__ = ("index", "rule", "owners", "optional", "_regex", "_direct_only", "broken")

    def __init__(self, index: int, rule: CodeOwnersRule, owners: tuple[str, ...], optional: bool):
        self.index, self.rule, self.owners, self.optional = index, rule, owners, optional
        self._regex: re.Pattern[str] | None = None
        self._direct_only = False
        self.broken = False

    def matches(self, path: str) -> bool:
        if self._regex is None:
            if self.broken:
                return False
            pattern = self.rule.pattern
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
        self.gitlab = record.flavor == "gitlab"
        sections = {s.name.casefold(): s for s in record.sections}
        self.rules: list[_Rule] = []
        self.by_folder: dict[str, list[_Rule]] = {}
        self.floating: list[_Rule] = []
        for index, rule in enumerate(record.rules):
            section = sections.get(rule.section.casefold()) if rule.section and self.gitlab else None
            compiled = _Rule(index, rule, tuple(rule_owners(rule, section)), bool(section and section.optional))
            self.rules.append(compiled)
            folder = _literal_first_folder(rule.pattern)
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
                exclusion=record.exclusion, area=record.area))
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
    }


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
