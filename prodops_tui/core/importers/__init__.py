"""Importing feedback from files: CSV, JSON arrays and JSON Lines, with presets for known exports.

    result = import_feedback(store, Path("reviews.csv"))          # header says which export it is
    result = import_feedback(store, path, mapping={"text": "Body", "customer": "From"})
    print(result.summary())   # imported 800, already present 0, skipped 0 (preset app-store-reviews)

Modules: reading (files -> rows), fields (cells -> feedback fields), one module per preset
(app_reviews, support_tweets, notes_csv, generic), presets (which preset a file is), run (the
import itself), result (what it reports).
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
