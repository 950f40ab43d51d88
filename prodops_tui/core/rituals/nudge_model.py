"""What a nudge is: where it points, how it scores, and the fingerprint of its facts.

Ranking: score = weight x urgency x volume, where urgency = 1 + log2(1 +
overdue_days) (on time 1, a day late 2, a week late 4, a month late 6: late
matters, but a month-old pile must not bury a promise broken yesterday) and
volume = 1 + log10(count) (1 item 1, 10 items 2, 100 items 3).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

PANES = ("inbox", "areas", "retro", "checklists", "opportunities")
# Where each pane is in the app, for the one-line hints of `prodops nudges`.
PANE_HINTS = {
    "inbox": "1 Inbox",
    "areas": "2 Areas",
    "retro": "3 Retro",
    "checklists": "4 Checklists",
    "opportunities": "1 Inbox, O Opportunities",
}
FINGERPRINT_MAX = 4000  # facts longer than this are kept as a hash (then any change counts)


@dataclass(frozen=True)
class NudgeTarget:
    """Where `enter` jumps: a pane, and the items (ids) or an inbox filter that shows them.

    `ids` are exactly the items the nudge counts; `filter` is the inbox filter (the language of
    core/query.py) shown with them. `filter_exact`: the filter alone lists exactly `ids` (an
    `id:` filter, or a rule the language can say); else the inbox must show `ids` themselves,
    under `label`, with `filter` the closest filter for context. The metrics pane's drills
    reach the inbox through the same target."""

    pane: str
    filter: str = ""
    ids: tuple[str, ...] = ()
    filter_exact: bool = True
    label: str = ""  # what the items are, for the inbox: "118 new feedback items waiting more than 1 day"

    @property
    def shows_ids(self) -> bool:
        """The inbox must list `ids` themselves: no filter says exactly which they are."""
        return self.pane == "inbox" and bool(self.ids) and not self.filter_exact

    def to_dict(self) -> dict[str, Any]:
        return {"pane": self.pane, "filter": self.filter, "ids": list(self.ids), "filter_exact": self.filter_exact,
                "label": self.label}


@dataclass(frozen=True)
class Nudge:
    key: str  # stable identity: "stale-feedback", "checklist-runs:C-3", "opportunity-no-decision:O-2"
    rule: str
    title: str  # one short line
    detail: str  # one line
    count: int
    weight: float
    overdue_days: float
    target: NudgeTarget
    # The facts (ids, ids@dates): fingerprinted only when asked (a dismissal compares them), as
    # sorting 100,000 ids was a tenth of `prodops nudges` at 100k items.
    fact_tokens: tuple[str, ...]
    score: float = 0.0

    @cached_property
    def facts(self) -> str:
        """The fingerprint of the facts; see nudges.still_quiet()."""
        return fingerprint(self.fact_tokens)

    @property
    def hint(self) -> str:
        return PANE_HINTS.get(self.target.pane, self.target.pane)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "rule": self.rule, "title": self.title, "detail": self.detail, "count": self.count,
            "score": self.score, "weight": self.weight, "overdue_days": round(self.overdue_days, 2),
            "target": self.target.to_dict(),
        }


def score(weight: float, overdue_days: float, count: int) -> float:
    urgency = 1 + math.log2(1 + max(0.0, overdue_days))
    volume = 1 + math.log10(max(1, count))
    return round(weight * urgency * volume, 2)


def fingerprint(tokens: Iterable[str]) -> str:
    """The facts as sorted tokens ("F-12 T-3@2026-11-20…"), or a hash if that grows too long."""
    text = " ".join(sorted(set(tokens)))
    if len(text) > FINGERPRINT_MAX:
        return "sha1:" + hashlib.sha1(text.encode()).hexdigest()
    return text
