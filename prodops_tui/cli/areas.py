"""Areas from the shell: who owns a path, an area, what a person owns; which area an item belongs to."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from ..core.areas.lookup import area_path
from ..core.errors import ProdopsError
from ..core.storage.store import Store
from ..core.text import clean_line, plural
from .output import print_json
from .usage import UsageError

if TYPE_CHECKING:
    from ..core.areas.rules import DecidingRule, PathOwners


def add_parsers(commands: argparse._SubParsersAction) -> None:
    who = commands.add_parser(
        "who", help="who owns a path, an area; what a person owns",
        description="A file path is answered by the CODEOWNERS rules (last match wins; GitLab sections combined); "
                    "anything else searches areas, glossary and people. `-` reads paths from stdin, one a line.")
    who.add_argument("query", nargs="?", help="a path, '-' for paths on stdin, or words")
    who.add_argument("--person", metavar="NAME")
    who.add_argument("--json", action="store_true")

    suggest = commands.add_parser("suggest", help="suggested areas for a feedback item, with their reasons")
    suggest.add_argument("id", metavar="ID")
    suggest.add_argument("--json", action="store_true")


def cmd_who(store: Store, args: argparse.Namespace) -> int:
    from ..core.areas import ownership, rules

    if args.person:
        return _who_person(store, args)
    if not args.query:
        raise UsageError("say what to look for: prodops who PATH|QUERY, prodops who - (paths on stdin), or prodops who --person NAME")
    if args.query == "-":
        return _who_paths(store, [line for line in sys.stdin.read().splitlines() if line.strip()], args)
    if rules.has_rules(store) and rules.looks_like_path(store, args.query):
        return _who_paths(store, [args.query], args, one=True)
    matches = ownership.who_owns(store, args.query, limit=10)
    if not matches:
        raise ProdopsError(f"no product area matches {args.query!r}")
    if args.json:
        print_json([dict(ownership.area_record(store, m.area), matched=m.matched, score=round(m.score, 1)) for m in matches])
        return 0
    for match in matches[:5]:
        record = ownership.area_record(store, match.area)
        owners = ", ".join(record["owners"]) or "NO OWNER"
        maintainers = ", ".join(record["maintainers"]) or "no maintainer"
        print(f"{record['path']}  ({match.matched})\n  owners: {owners}; maintainers: {maintainers}")
    return 0


def _who_paths(store: Store, paths: list[str], args: argparse.Namespace, *, one: bool = False) -> int:
    """Each path's owners by the rules, and for several paths the reviewers they need together."""
    from ..core.areas import rules

    if not rules.has_rules(store):
        raise ProdopsError("no CODEOWNERS rules in this workspace: prodops import areas CODEOWNERS")
    found = [rules.owners_of_path(store, path) for path in paths]
    if args.json:
        records = [rules.path_record(store, f) for f in found]
        print_json(records[0] if one else records)
        return 0
    for result in found:
        print(clean_line(result.path))
        if not result.matched:
            print("  owners: NO OWNER (no rule matches)")
            continue
        print(f"  owners: {', '.join(result.owners) or 'NO OWNER (the deciding rule names none)'}")
        for rule in result.rules:
            verb = "  excluded by " if rule.exclusion else "  rule: "
            print(f"{verb}{clean_line(rule.file)}:{rule.line}  {clean_line(rule.written)}{_section_note(rule)}")
        areas = rules.path_record(store, result)["areas"]
        if areas:
            print("  area: " + "; ".join(area["path"] for area in areas))
    if not one:
        _print_reviewers(found)
    return 0


def _section_note(rule: DecidingRule) -> str:
    """`  [Database]`, `  [Docs, 2 approvals]`, `  [Backend, optional]`, and why a `^[...]` rule is
    required when another header of its section is (GitLab: the section is then required)."""
    if not rule.section:
        return ""
    notes = []
    if rule.optional:
        notes.append("optional")
    elif rule.header_optional:
        notes.append("required: another header of this section has no ^")
    elif rule.approvals > 1:
        notes.append(plural(rule.approvals, "approval"))
    return f"  [{clean_line(rule.section)}{', ' if notes else ''}{', '.join(notes)}]"


def _print_reviewers(found: list[PathOwners]) -> None:
    """What the paths need together, by section: each matching rule's owners and the approvals it
    needs (GitLab: one approval rule per section and pattern, `[N]` each, none when optional)."""
    from ..core.areas import rules

    groups = rules.reviewers_by_section(found)
    several_files = len({g.file for g in groups}) > 1
    by = "section" if any(g.rules[0].rule.gitlab for g in groups) else "rule"
    print(f"\nreviewers for {plural(len(found), 'path')}, by {by}:" if groups
          else f"\nreviewers for {plural(len(found), 'path')}: none")
    for group in groups:
        label = clean_line(group.label if not several_files or group.label == group.file
                           else f"{group.file}: {group.label}")
        lines = [_rule_need(r.rule, len(r.paths)) for r in group.rules]
        if len(lines) == 1:
            print(f"  {label}: {lines[0]}")
        else:
            print(f"  {label}, {plural(len(lines), 'rule')}:")
            for line in lines:
                print(f"    {line}")
    unowned = sum(1 for r in found if not r.owners)
    if unowned:
        print(f"{plural(unowned, 'path')} without an owner")


def _rule_need(rule: DecidingRule, paths: int) -> str:
    owners = ", ".join(clean_line(o) for o in rule.owners)
    need = "optional, no approval needed:" if rule.optional else f"{plural(rule.approvals, 'approval')} from"
    return f"{need} {owners}  ({clean_line(rule.written)}, {plural(paths, 'path')})"


def _who_person(store: Store, args: argparse.Namespace) -> int:
    from ..core.areas import ownership, people, rules

    try:
        person = people.resolve_person(store, args.person)
        handles = [person.handle, person.email]
    except ProdopsError:
        if not args.person.startswith("@") and "@" not in args.person:
            raise
        person, handles = None, [args.person]  # a handle the rules name, with no person record
    owned_rules = rules.rules_owned_by(store, [h for h in handles if h])
    if person is None and not owned_rules:
        raise ProdopsError(f"no person or rule names {args.person!r}")
    rule_records: list[dict[str, Any]] = [dict(file=r.file, pattern=r.rule.written, line=r.rule.line,
                         section=r.rule.section or None, owners=list(r.owners)) for r in owned_rules]
    if args.json:
        record = ownership.person_record(store, person) if person else {"handle": args.person}
        record["rules"] = rule_records
        print_json(record)
        return 0
    if person is not None:
        holdings = ownership.owned_by(store, person.id)
        print(f"{clean_line(person.name)} ({person.id}{', ' + clean_line(person.handle) if person.handle else ''}"
              f"{', has left' if not person.active else ''})")
        for label, areas in (("owns", holdings.owns), ("maintains", holdings.maintains), ("designs", holdings.designs), ("influences", holdings.influences)):
            if areas:
                print(f"  {label}: " + "; ".join(area_path(store, area) for area in areas))
        if not any((holdings.owns, holdings.maintains, holdings.designs, holdings.influences)) and not owned_rules:
            print("  holds no role in any area")
    else:
        print(clean_line(args.person))
    if owned_rules:
        print(f"  rules ({len(owned_rules)}):")
        for record in rule_records:
            section = f"  [{clean_line(record['section'])}]" if record["section"] else ""
            print(f"    {clean_line(record['file'])}:{record['line']}  {clean_line(record['pattern'])}{section}")
    return 0


def cmd_suggest(store: Store, args: argparse.Namespace) -> int:
    from ..core.areas.lookup import suggest_areas
    from ..core.model import FeedbackItem

    item = store.get(args.id.strip().upper())
    if not isinstance(item, FeedbackItem):
        raise ProdopsError(f"no feedback item {args.id}")
    suggestions = suggest_areas(store, f"{item.title}\n{item.text}", exclude=item.id)
    if args.json:
        print_json([{"id": s.area.id, "path": s.path, "score": s.score, "matched": list(s.matched)} for s in suggestions])
        return 0
    if not suggestions:
        print(f"{item.id}: no area suggested (no area's glossary, and no item filed under an area, reads like it)")
    for s in suggestions:
        print(f"{s.path}  ({s.area.id}, score {s.score:g}): {'; '.join(clean_line(m) for m in s.matched)}")
    return 0
