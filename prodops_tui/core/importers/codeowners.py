"""CODEOWNERS (GitHub and GitLab) read as product areas.

GitLab sections (`[Backend] @team`, optional `^[Section]`, `[Section][2]`) become
areas named after the section: the section's default owners and its rules'
owners become the area's maintainers, the rules' patterns its code paths.
A plain GitHub file has no sections: rules are grouped by their top-level
directory (`/app/models/` -> "app"); patterns with no directory (`*.rb`, `*`)
go to "Repository". Rules before GitLab's first section go there too.
A rule with no owner and no section default is an unmapped path: reported."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SECTION = re.compile(r"^\^?\[(?P<name>[^\]]+)\](?:\[\d+\])?\s*(?P<owners>.*)$")
ROOT_AREA = "Repository"


@dataclass
class OwnedArea:
    name: str
    first_line: int
    maintainers: list[str] = field(default_factory=list)  # @handles and emails, in file order
    code_paths: list[str] = field(default_factory=list)


@dataclass
class CodeOwners:
    areas: dict[str, OwnedArea] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)  # "line 14: /doc/*.md"


def _is_owner(token: str) -> bool:
    return token.startswith("@") or ("@" in token and "." in token.split("@")[-1])


def _top_directory(pattern: str) -> str:
    parts = [p for p in pattern.strip("/").split("/") if p]
    if len(parts) < 2 and not pattern.endswith("/"):
        return ROOT_AREA  # a file or a glob at the top: "*.rb", "Gemfile", "*"
    return parts[0] if parts and "*" not in parts[0] else ROOT_AREA


def parse_codeowners(text: str) -> CodeOwners:
    result = CodeOwners()
    sectioned = any(_SECTION.match(line.strip()) for line in text.splitlines())
    section: OwnedArea | None = None
    section_defaults: list[str] = []

    def area(name: str, line_no: int) -> OwnedArea:
        key = name.casefold()
        if key not in result.areas:
            result.areas[key] = OwnedArea(name=name, first_line=line_no)
        return result.areas[key]

    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = _SECTION.match(line)
        if header:
            section = area(header.group("name").strip(), line_no)
            section_defaults = [t for t in header.group("owners").split() if _is_owner(t)]
            for owner in section_defaults:
                if owner not in section.maintainers:
                    section.maintainers.append(owner)
            continue
        tokens = line.split()
        pattern, owners = tokens[0], [t for t in tokens[1:] if _is_owner(t)]
        owners = owners or (section_defaults if section else [])
        if not owners:
            result.unmapped.append(f"line {line_no}: {pattern}")
            continue
        target = section if section is not None else area(ROOT_AREA if sectioned else _top_directory(pattern), line_no)
        if pattern not in target.code_paths:
            target.code_paths.append(pattern)
        for owner in owners:
            if owner not in target.maintainers:
                target.maintainers.append(owner)
    return result
