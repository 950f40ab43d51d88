"""One page of a tracker's issues into the workspace, as one stored change.

A new issue (a source key the workspace does not hold) is added as the importer would make it.
An issue already held gets its upstream fields from the tracker: title, text, labels, votes,
upstream state and link, and the tracker fields kept in `extra` (milestone, assignees, comment
count, updated_at, closed_at). Never the PM's triage: status, area, importance, snooze, the
opportunity link, merges and who triaged stay as they are, with two exceptions for an item the
PM never triaged (never_triaged: never out of New, and no area, importance, snooze, opportunity
or merge either, since filing or snoozing leaves triaged_at unset): closed upstream it becomes
processed, as an import of it would arrive, and reopened upstream after that it is new again.

Labels and tags: `extra["upstream_labels"]` remembers the labels the tracker had at the last
sync. A label added upstream since is added to the tags; a label removed upstream is removed
from them; a tag the PM added in prodops (not an upstream label) stays; a label the PM removed
from the tags stays removed while it stays upstream (it is in upstream_labels, not in the tags,
and is not re-added). An item synced or imported before this was remembered (no
upstream_labels) gets the upstream labels it lacks and loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..importers.cleaning import cleaned
from ..importers.result import ImportRowError, RowIgnored
from ..model import FeedbackItem, SyncState
from ..storage.store import Store
from .state import put_state

UPSTREAM_LABELS = "upstream_labels"  # FeedbackItem.extra[...]: the tracker's labels at the last sync
# The tracker's own fields a converter keeps in `extra`: replaced by each sync (a key the
# tracker no longer sends is dropped); every other key of `extra` (a merge's customers) stays.
UPSTREAM_EXTRA = ("milestone", "assignees", "comments", "updated_at", "closed_at",  # GitHub, GitLab
                  "issue type", "priority", "components")  # Jira
NEW, PROCESSED = "new", "processed"

Convert = Callable[[dict[str, Any]], FeedbackItem]


@dataclass
class PageOutcome:
    new_ids: list[str] = field(default_factory=list)
    updated: int = 0  # held items whose title, text, tags, votes, state, link or status changed
    unchanged: int = 0
    pull_requests: int = 0
    skipped: list[str] = field(default_factory=list)  # "#12: no title", records that could not be read


class KnownKeys:
    """source_key -> item number for one source's keys, read once and kept in step with the
    store (re-read when another process changed it between two pages). The prefix is compared
    without case: a project typed `Gitlab-Org/GitLab` holds the keys its records spell
    `gitlab-org/gitlab` (the keys themselves are the records' own, the same on every run)."""

    def __init__(self, store: Store, prefix: str):
        self.store = store
        self.prefix = prefix.casefold()
        self.numbers: dict[str, int] = {}
        self.revision = -1

    def current(self) -> dict[str, int]:
        if self.store.revision != self.revision:
            self.numbers = {key: number for number, key in self.store.fields(FeedbackItem, ("source_key",))
                            if key and key.casefold().startswith(self.prefix)}
            self.revision = self.store.revision
        return self.numbers


def store_page(store: Store, records: Iterable[Any], convert: Convert, known: KnownKeys,
               state_after: Callable[[PageOutcome, str], SyncState],
               label: Callable[[PageOutcome], str],
               name_of: Callable[[Any], str] | None = None) -> tuple[PageOutcome, SyncState]:
    """Add and update the page's issues and put the sync state, in one change (one journal line,
    one undo step for the issues). `state_after(outcome, now)` is the state to store once the
    page is counted; `name_of(record)` names a record that cannot be read ("#12", "LUCENE-3"; ""
    when it has no name). Returns what happened and the state as stored."""
    outcome = PageOutcome()
    items: list[FeedbackItem] = []
    for record in records:
        try:
            items.append(cleaned(convert(record)))
        except RowIgnored:
            outcome.pull_requests += 1
        except ImportRowError as exc:
            name = (name_of or _number)(record)
            outcome.skipped.append(f"{name}: {exc.reason}" if name else exc.reason)
    with store.change("sync", origin="sync") as tx:
        numbers = known.current()  # inside the change: what the store holds now, other processes included
        # The page's held items read together: one by one, past POINT_READS, would load every item.
        wanted = [numbers[key] for key in (item.source_key for item in items) if key in numbers]
        held_items = {i.number: i for i in store.get_many(FeedbackItem, wanted)} if wanted else {}
        for item in items:
            key = item.source_key or ""
            held = numbers.get(key)
            current = held_items.get(held) if held is not None else None
            if not isinstance(current, FeedbackItem):
                added = tx.add(replace(item, extra={**item.extra, UPSTREAM_LABELS: list(item.tags)}))
                numbers[key] = added.number
                outcome.new_ids.append(added.id)
                continue
            synced = upstream_update(current, item)
            if synced == current:
                outcome.unchanged += 1
                continue
            tx.put(synced)
            if _shown_fields(synced) != _shown_fields(current):
                outcome.updated += 1
            else:
                outcome.unchanged += 1  # only bookkeeping moved (updated_at upstream, a comment count)
        tx.label = label(outcome)
        stored = put_state(tx, state_after(outcome, tx.now))
    known.revision = store.revision  # our own change: the keys added are already in `numbers`
    return outcome, stored


def upstream_update(current: FeedbackItem, incoming: FeedbackItem) -> FeedbackItem:
    """`current` with the tracker's fields of `incoming`, the PM's triage kept (module docstring)."""
    labels = list(incoming.tags)
    remembered = current.extra.get(UPSTREAM_LABELS)
    if isinstance(remembered, list):
        before = set(remembered)
        tags = [t for t in current.tags if t not in before or t in labels]
        tags += [label for label in labels if label not in before and label not in tags]
    else:
        tags = current.tags + [label for label in labels if label not in current.tags]
    extra = {k: v for k, v in current.extra.items() if k not in UPSTREAM_EXTRA}
    extra.update({k: v for k, v in incoming.extra.items() if k in UPSTREAM_EXTRA})
    extra[UPSTREAM_LABELS] = labels
    status = current.status
    untriaged = never_triaged(current)
    if untriaged and status == NEW and incoming.status == PROCESSED:
        status = PROCESSED  # closed upstream, and the PM never looked: nothing to triage
    elif untriaged and status == PROCESSED and incoming.status == NEW and current.upstream_state \
            and current.upstream_state != incoming.upstream_state:
        status = NEW  # reopened upstream after a sync or import closed it ("Done" -> "Reopened"): back in the inbox
    return replace(current, title=incoming.title, text=incoming.text, tags=tags, votes=incoming.votes,
                   upstream_state=incoming.upstream_state, url=incoming.url or current.url, status=status, extra=extra)


def never_triaged(item: FeedbackItem) -> bool:
    """The PM has not touched it: never out of New (triaged_at), and no area, importance, snooze,
    opportunity or merge either (filing or snoozing an item leaves triaged_at unset, and is triage)."""
    return (item.triaged_at is None and item.area is None and item.importance is None and not item.snoozed_until
            and item.opportunity is None and item.duplicate_of is None and not item.merged_from)


def _number(record: Any) -> str:
    number = record.get("number") if isinstance(record, dict) else None
    return f"#{number}" if isinstance(number, int) else ""


def _shown_fields(item: FeedbackItem) -> tuple[Any, ...]:
    return (item.title, item.text, item.tags, item.votes, item.upstream_state, item.url, item.status)
