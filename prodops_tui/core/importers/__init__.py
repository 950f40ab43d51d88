"""Importing feedback from files: CSV, JSON arrays and JSON Lines, with presets for known exports.

    result = import_feedback(store, Path("reviews.csv"))          # header says which export it is
    result = import_feedback(store, Path("issues.json"))          # records say: GitHub issues
    result = import_feedback(store, path, mapping={"text": "body", "customer": "user.login"})
    print(result.summary())   # imported 64, already present 0, skipped 0, 16 pull requests skipped (preset github-issues)

Modules: reading (files -> rows: CSV rows, or JSON records kept whole), paths (--map paths into
records), fields (cells -> feedback fields), tracker (what the tracker presets share), one
module per preset (app_reviews, support_tweets, notes_csv, github, gitlab, jira, zendesk,
generic), presets (which preset a file is), run (the import itself), result (what it reports).
github.item_from_issue turns one GitHub issue record into feedback for `prodops sync` too.
"""

from __future__ import annotations

from .areas_run import AreaImportResult, import_areas
from .generic import FIELDS as MAP_FIELDS
from .generic import parse_mapping
from .presets import PRESETS, available_presets
from .reading import FORMATS
from .result import ImportResult, ImportRowError, SkippedRow
from .run import import_feedback

__all__ = [
    "AreaImportResult",
    "FORMATS",
    "MAP_FIELDS",
    "PRESETS",
    "ImportResult",
    "ImportRowError",
    "SkippedRow",
    "available_presets",
    "import_areas",
    "import_feedback",
    "parse_mapping",
]
