"""What an import reports: counts, and one reason for every row it did not import."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import ProdopsError
from ..text import plural


class ImportRowError(ProdopsError):
    """One row cannot be imported; `column` is the file's own column name (None: the whole row)."""

    def __init__(self, column: str | None, reason: str):
        self.column = column
        self.reason = reason
        super().__init__(reason)


# Records a tracker's export holds beside its issues, left out by design: the summary counts them
# by name ("16 pull requests skipped") rather than as "ignored".
PULL_REQUEST = "a pull request, not an issue"
MERGE_REQUEST = "a merge request, not an issue"
COUNTED_AS = {PULL_REQUEST: ("pull request", "pull requests"), MERGE_REQUEST: ("merge request", "merge requests")}


class RowIgnored(Exception):
    """A row that is not feedback by design (a company's own reply): counted, not an error."""

    def __init__(self, column: str | None, reason: str):
        self.column = column
        self.reason = reason
        super().__init__(reason)


@dataclass
class SkippedRow:
    """Row numbers are the ones a user sees: in a spreadsheet (CSV: the header is row 1, the
    first data row is 2), or the 1-based item/line number of a JSON array / JSONL file."""

    row: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass
class ImportResult:
    imported: int = 0  # added to the workspace (or, in a dry run, that would be)
    duplicates: int = 0  # already in the workspace, or repeated in the file (same source key)
    skipped: list[SkippedRow] = field(default_factory=list)  # could not be imported, with why
    preset: str = ""
    format: str = ""
    dry_run: bool = False
    ids: list[str] = field(default_factory=list)  # every id added, in file order (none in a dry run)
    ignored: list[SkippedRow] = field(default_factory=list)  # not feedback by design, e.g. company replies
    rows: int = 0  # data rows read from the file

    def summary(self) -> str:
        """'imported 793, already present 0, skipped 7 (preset app-store-reviews)'."""
        verb = "would import" if self.dry_run else "imported"
        parts = [f"{verb} {self.imported:,}", f"already present {self.duplicates:,}", f"skipped {len(self.skipped):,}"]
        by_reason = Counter(r.reason for r in self.ignored)
        for reason, (one, many) in COUNTED_AS.items():
            if by_reason[reason]:
                parts.append(f"{plural(by_reason.pop(reason), one, many)} skipped")
        other = [r for r in self.ignored if r.reason in by_reason]
        if other:
            reasons = "; ".join(reason for reason, _ in by_reason.most_common(3))
            parts.append(f"ignored {len(other):,} ({reasons})")
        line = ", ".join(parts) + f" (preset {self.preset})"
        if self.dry_run:
            line += "\ndry run: nothing was stored"
        return line

    def to_dict(self) -> dict[str, Any]:
        """The shape `--json` prints."""
        data = asdict(self)
        data["skipped_count"] = len(self.skipped)
        data["ignored_count"] = len(self.ignored)
        return data
