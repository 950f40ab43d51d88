"""CODEOWNERS (GitHub and GitLab) read rule by rule, and the rules grouped into product areas.

Every rule keeps its pattern exactly as written (escapes included), its owners in order,
its line and its section, because the order of the file decides ownership: on GitHub the
last matching rule wins; on GitLab the last match within each section, and the owners of
all matching sections together. Grouping into areas only names where a rule is filed:
by GitLab section, by the comment header above a group of rules (`# Backend code`), or
by top-level folder."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import CodeOwnersRule, CodeOwnersSection, rule_owners
from ..text import clean_line, first_control

GROUPINGS = ("section", "comment", "folder")
# Where the rules that belong to no section, heading or folder are filed, named so a reader can
# find them in the file: GitLab's rules before the first `[Section]` header, a GitHub file's
# rules above or between its comment headings, and top-level files and patterns that match at
# any depth (`*`, `*.js`, `**/logs`).
UNSECTIONED_AREA = "CODEOWNERS (no section)"
UNHEADED_AREA = "CODEOWNERS (no heading)"
TOP_LEVEL_AREA = "CODEOWNERS (top level)"

# `[Name]`, `^[Name]`, `[Name][2]`, then default owners. `[Bb]uild/ @x` is a rule: after
# the closing bracket a header has only whitespace, `[N]` or nothing.
_SECTION = re.compile(r"^(?P<optional>\^)?\[(?P<name>[^\]]+)\](?:\[(?P<approvals>\d+)\])?(?P<rest>(?:\s.*)?)$")
# A token: anything up to unescaped whitespace (`Security\ Fix.md` is one token).
_TOKEN = re.compile(r"(?:\\.|[^\s\\])+\\?")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_GLOB = re.compile(r"[*?\[\\]")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, as reading.decode() leaves it


@dataclass
class ParsedCodeOwners:
    flavor: str = "github"
    sections: list[CodeOwnersSection] = field(default_factory=list)
    rules: list[CodeOwnersRule] = field(default_factory=list)
    headers: dict[int, str] = field(default_factory=dict)  # rule line -> the comment header above it
    problems: list[str] = field(default_factory=list)  # "line 14: 'xyz' is not a @handle or an email"

    def section_named(self, name: str) -> CodeOwnersSection | None:
        """The first header of that name (not case-sensitive), whose spelling names the section."""
        folded = name.casefold()
        return next((s for s in self.sections if s.name.casefold() == folded), None) if name else None

    def effective_owners(self, rule: CodeOwnersRule) -> list[str]:
        return rule_owners(rule, header_of(self.sections, rule))


def header_of(sections: list[CodeOwnersSection], rule: CodeOwnersRule) -> CodeOwnersSection | None:
    """The header a rule is written under: the last header of its section's name above its line.

    GitLab combines sections of the same name, but each header keeps its own `^`, `[N]` and
    default owners for the rules below it (its SectionParser makes a Section per header line;
    each Entry takes that Section's optional, approvals and default owners: gitlab-org/gitlab
    ee/lib/gitlab/code_owners/file.rb, parse_entry). A file stored before headers were kept one
    by one has one header per name, which this finds for every rule of the section."""
    if not rule.section:
        return None
    folded = rule.section.casefold()
    named = [s for s in sections if s.name.casefold() == folded]
    above = [s for s in named if s.line < rule.line]
    if above:
        return above[-1]
    return named[0] if named else None


def headers_of(sections: list[CodeOwnersSection], rules: list[CodeOwnersRule]) -> list[CodeOwnersSection | None]:
    """header_of for every rule, in one pass over the file's lines (5,000 rules under 200 headers)."""
    first: dict[str, CodeOwnersSection] = {}
    for section in sections:
        first.setdefault(section.name.casefold(), section)
    ordered = sorted(sections, key=lambda s: s.line)
    current: dict[str, CodeOwnersSection] = {}
    found: list[CodeOwnersSection | None] = [None] * len(rules)
    at = 0
    for index in sorted(range(len(rules)), key=lambda i: rules[i].line):
        rule = rules[index]
        while at < len(ordered) and ordered[at].line < rule.line:
            current[ordered[at].name.casefold()] = ordered[at]
            at += 1
        if rule.section:
            key = rule.section.casefold()
            found[index] = current.get(key) or first.get(key)
    return found


def is_owner(token: str) -> bool:
    """`@user`, `@org/team`, GitLab's `@@role`, or an email address; `@@@` names no one."""
    return (token.startswith("@") and bool(clean_line(token.lstrip("@")))) or bool(_EMAIL.match(token))


def _unreadable(line: str) -> str:
    """Why a line cannot be read as CODEOWNERS at all ('' when it can). No path or handle holds a
    control character, and a pattern is matched exactly as written, so a line holding one (a
    terminal escape, say) is left out whole rather than cleaned into a rule nobody wrote."""
    bad = _NOT_UTF8.search(line)
    if bad:
        return f"not valid UTF-8 text (byte 0x{ord(bad.group(0)) - 0xDC00:02X})"
    control = first_control(line)
    if control:
        return f"holds a control character (U+{ord(control):04X}), which no path or owner has"
    return ""


def _title(comment: str) -> str:
    """A comment that reads as the heading of the rules below it ("Backend code"), else ''."""
    text = comment.lstrip("#").strip().rstrip(":").strip()
    if not text or len(text) > 50 or len(text.split()) > 6:
        return ""
    if "@" in text or "://" in text or text[0] in "/*!.[" or "=" in text:
        return ""  # a commented-out rule, a link or a note, not a heading
    return text


def parse_codeowners(text: str) -> ParsedCodeOwners:
    """Rules, sections and headings, line by line; a line that cannot be read is left out and
    named in `problems`, and the rest is read."""
    result = ParsedCodeOwners()
    section = ""
    header, header_block_open = "", False
    # Lines end at a newline only, as git and the hosts count them: str.splitlines would also
    # break at \x1c or \x85, moving every later line number and cutting a rule in two.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for line_no, raw in enumerate(lines, start=1):
        unreadable = _unreadable(raw)
        if unreadable:
            result.problems.append(f"line {line_no}: {unreadable}; left out")
            raw = ""  # read as a blank line: it ends a comment block as any gap does
        line = raw.strip()
        if not line:
            header_block_open = False
            continue
        if line.startswith("#"):
            title = _title(line)
            if not header_block_open:
                # The first line of a comment block is its heading; a block that is not one
                # (a long note) keeps the heading before it.
                header = title or header
                header_block_open = True
            continue
        header_block_open = False
        match = _SECTION.match(line)
        if match:
            name = match.group("name").strip()
            tokens = _TOKEN.findall(match.group("rest"))
            owners = _owners(tokens, line_no, result)
            # GitLab combines sections of the same name (not case-sensitive), spelled as the first
            # header spells it; every header is kept, for its own ^, [N] and default owners.
            known = result.section_named(name)
            section = known.name if known else name
            result.sections.append(CodeOwnersSection(
                name=section, optional=bool(match.group("optional")),
                approvals=int(match.group("approvals") or 1), owners=owners, line=line_no))
            header = name
            continue
        tokens = _TOKEN.findall(line)
        pattern = tokens[0]
        exclusion = pattern.startswith("!") and len(pattern) > 1
        if exclusion:
            pattern = pattern[1:]
        result.rules.append(CodeOwnersRule(
            pattern=pattern, owners=_owners(tokens[1:], line_no, result), line=line_no,
            section=section, exclusion=exclusion))
        result.headers[line_no] = header
    if result.sections or any(rule.exclusion for rule in result.rules):
        result.flavor = "gitlab"
    return result


def _owners(tokens: list[str], line_no: int, result: ParsedCodeOwners) -> list[str]:
    owners: list[str] = []
    for token in tokens:
        if token.startswith("#"):
            break  # an inline comment ends the line
        if is_owner(token):
            if token not in owners:
                owners.append(token)
        else:
            result.problems.append(f"line {line_no}: {token!r} is not a @handle or an email; left out")
    return owners


def top_folder(pattern: str) -> str:
    """The top-level folder a rule is about, or TOP_LEVEL_AREA for a file or glob at the top.

    `/deps` and `docs/` are folders; `/README.md`, `*.js`, `**/logs` belong to the repository."""
    parts = [p for p in pattern.strip("/").split("/") if p]
    if not parts or _GLOB.search(parts[0]):
        return TOP_LEVEL_AREA
    anchored = pattern.startswith("/") or len(parts) > 1
    if len(parts) > 1 or pattern.endswith("/"):
        return parts[0] if anchored or pattern.endswith("/") else TOP_LEVEL_AREA
    # One segment, no trailing slash: a root folder like `/deps`, unless it reads as a file.
    return parts[0] if pattern.startswith("/") and "." not in parts[0].lstrip(".") else TOP_LEVEL_AREA


def default_grouping(parsed: ParsedCodeOwners) -> str:
    """Sections when the file has them; comment headings when most rules sit under one; else folders."""
    if parsed.sections:
        return "section"
    headed = [parsed.headers.get(rule.line, "") for rule in parsed.rules]
    if parsed.rules and len({h for h in headed if h}) >= 2 and sum(1 for h in headed if h) >= 0.6 * len(headed):
        return "comment"
    return "folder"


def area_name_for(parsed: ParsedCodeOwners, rule: CodeOwnersRule, grouping: str) -> str:
    if grouping == "section":
        fallback = UNSECTIONED_AREA
        name = rule.section or fallback
    elif grouping == "comment":
        fallback = UNHEADED_AREA
        name = parsed.headers.get(rule.line) or fallback
    else:
        fallback = TOP_LEVEL_AREA
        name = top_folder(rule.pattern)
    # '/' separates levels of an area path: "CI/CD" stays one area. Cleaned as every area name is.
    return clean_line(name.replace("/", "-").replace("\\", "")) or fallback
