"""Delivery comes back: each sync run refreshes the tracker issues opportunities link to, and an
issue closed as completed ships its opportunity.

Which links a run reads: the links of the run's tracker (a client whose refreshes_links is set:
GitHub, GitLab) whose key names the run's repository or project (case-insensitive). An issue the
run's pages held is read from there; each other one is asked on its own (client.issue_url: GET
/repos/OWNER/REPO/issues/N, GitLab /projects/:id/issues/:iid), at most MAX_LINK_READS a run,
those checked longest ago first; every request counts in the run's. A read issue whose web
address (client.web_url) is not the link's (another host, an issue moved to another project)
leaves the link as it was, said. Jira links too (jira.py: the project's keys on the run's site).

GitLab keeps no close reason: its links read "opened" or "closed", and closed counts as
completed (closed_at its date); open again after it is reopened.

What a link's new state does to its opportunity (`prodops sync` says each in its summary):
- closed as completed (or closed with no reason: GitHub's issues from before close reasons
  existed): the opportunity becomes shipped, shipped_at the issue's closed_at, unless it is
  shipped or won't do already, or another of its links is still open upstream (then the
  summary says so). Only when the link's state becomes that: a status a person sets after it
  is not overridden at every later sync.
- reopened (open again after closed as completed): back to in progress, only when the
  opportunity is shipped and what made it shipped was a sync (the history's change that set
  "shipped" has origin "sync": that is the note that prodops did it); a status a person set stays,
  and the summary says so.
- closed as not planned (or as a duplicate, or any reason but completed): the link's state says
  so and the opportunity does not change; the summary says "O-3: its issue acme/app#12 was
  closed as not planned" and the PM decides.
- gone (410): the link's state becomes "deleted", said; 404 (deleted, or hidden from this
  token) leaves the link as it was, said.

How it is stored: the links' states and checked_at first, in one change that is no undo step
(bookkeeping, as the sync's cursor is); then each status through opportunities.set_status with
origin "sync", one undo step each, so `u` takes a shipping back and the next sync does not do it
again (the link already says closed). A run killed between the two leaves the link closed and the
opportunity as it was: set its status by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from ..dates import DateParseError, from_iso, to_iso
from ..feedback.links import link_name
from ..feedback.opportunities import set_status
from ..model import Change, Opportunity, TrackerLink
from ..storage.store import Store
from ..text import clean_line, plural
from .client import SyncError, TrackerClient

MAX_LINK_READS = 100  # linked issues asked one by one in a run; the rest wait for the next run
COMPLETED = ("closed: completed", "closed")
OPEN = ("open", "opened")  # GitHub's word, GitLab's
DELETED = "deleted"
SHIPPED, WONT_DO, IN_PROGRESS = "shipped", "wont_do", "in_progress"


@dataclass
class Delivery:
    """What one run did to links and their opportunities."""

    refreshed: int = 0  # links whose state was read this run
    shipped: list[str] = field(default_factory=list)  # opportunity ids shipped by their issue closing
    reopened: list[str] = field(default_factory=list)  # ... back to in progress
    notes: list[str] = field(default_factory=list)  # one line each: "O-3: its issue acme/app#12 was closed as not planned"

    def words(self) -> str:
        """', 2 linked issues refreshed, O-3 shipped; O-5: ...' ('' when the run read no link)."""
        if not (self.refreshed or self.shipped or self.reopened or self.notes):
            return ""
        out = f", {plural(self.refreshed, 'linked issue')} refreshed"
        if self.shipped:
            out += f", {' '.join(self.shipped)} shipped"
        if self.reopened:
            out += f", {' '.join(self.reopened)} back in progress"
        return out + "".join(f"; {note}" for note in self.notes)


def _key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc.lower()}{parts.path.rstrip('/').casefold()}"


class LinkRefresh:
    """The links one run refreshes: `see` each page's records, then `refresh` once at the end."""

    def __init__(self, store: Store, client: TrackerClient):
        self.store = store
        self.client = client
        self.links: dict[str, TrackerLink] = {}  # web key -> a link to it (several opportunities may share one)
        if client.refreshes_links:
            for opportunity in store.all(Opportunity):
                for link in opportunity.links:
                    if client.linked_issue(link):
                        held = self.links.get(_key(link.url))
                        if held is None or link.checked_at < held.checked_at:
                            self.links[_key(link.url)] = link
        self.read: dict[str, dict[str, Any] | None] = {}  # web key -> the issue (None: gone upstream)

    def see(self, records: Iterable[Any]) -> None:
        if not self.links:
            return
        for record in records:
            if isinstance(record, dict):
                key = _key(self.client.web_url(record))
                if key in self.links:
                    self.read[key] = record

    def refresh(self) -> Delivery:
        """Read the links the pages did not hold, store their states, ship and reopen (the
        module's docstring). Never raises for the tracker: what cannot be read is a note."""
        done = Delivery()
        if not self.links:
            return done
        self._read_the_rest(done)
        if not self.read:
            return done
        states: dict[str, tuple[str, str]] = {}  # web key -> (state, closed_at)
        for key, record in self.read.items():
            states[key] = (DELETED, "") if record is None else (self.client.link_state(record), _closed_at(self.client.closed_at(record)))
        done.refreshed = len(states)
        before = {o.id: o for o in self.store.all(Opportunity) if any(_key(link.url) in states for link in o.links)}
        with self.store.change(f"sync {self.client.source}: linked issues refreshed", origin="sync",
                               history=False) as tx:
            for opportunity_id in before:
                current = tx.require(opportunity_id)
                assert isinstance(current, Opportunity)
                links = [replace(link, upstream_state=states[_key(link.url)][0], checked_at=tx.now)
                         if _key(link.url) in states else link for link in current.links]
                tx.put(replace(current, links=links))
        for opportunity in before.values():
            self._deliver(opportunity, states, done)
        return done

    def _read_the_rest(self, done: Delivery) -> None:
        rest = sorted((key for key in self.links if key not in self.read), key=lambda k: self.links[k].checked_at)
        for index, key in enumerate(rest):
            if index >= MAX_LINK_READS:
                done.notes.append(f"{plural(len(rest) - index, 'linked issue')} not read this run "
                                  f"(at most {MAX_LINK_READS} a run): the next run reads them first")
                return
            link = self.links[key]
            name = link_name(link)
            try:
                answer = self.client.ask("GET", self.client.linked_issue(link), doing=f"read {name}")
            except SyncError as exc:
                left = len(rest) - index
                done.notes.append(f"{clean_line(str(exc))}: {plural(left, 'linked issue')} left as they were, the next run reads them")
                return
            if answer.status == 410:
                self.read[key] = None
                continue
            if answer.status != 200:
                said = self.client.message(answer)
                why = "deleted, or this token cannot see it" if answer.status == 404 else "not read"
                done.notes.append(f"{name} could not be read ({answer.status}{' ' + said if said else ''}: {why}); "
                                  "its link is as it was")
                continue
            try:
                record = json.loads(answer.body)
            except (UnicodeDecodeError, ValueError):
                record = None
            if not isinstance(record, dict):
                done.notes.append(f"{name}: {self.client.host} answered with something that is not an issue")
                continue
            if _key(self.client.web_url(record)) != key:
                moved = clean_line(self.client.web_url(record)) or "another address"
                done.notes.append(f"{name} is now {moved}: link that (prodops link) to follow it")
                continue
            self.read[key] = record

    def _deliver(self, before: Opportunity, states: dict[str, tuple[str, str]], done: Delivery) -> None:
        current = self.store.get(before.id)
        if not isinstance(current, Opportunity):
            return
        completed: list[tuple[TrackerLink, str]] = []
        reopened: list[TrackerLink] = []
        for link in before.links:
            key = _key(link.url)
            if key not in states:
                continue
            state, closed_at = states[key]
            name = link_name(link)
            if state in COMPLETED and link.upstream_state not in COMPLETED:
                completed.append((link, closed_at))
            elif link.upstream_state in COMPLETED and state in OPEN:
                reopened.append(link)
            elif state != link.upstream_state and state.startswith("closed: "):
                reason = state.split(": ", 1)[1].replace("_", " ")
                done.notes.append(f"{before.id}: its issue {name} was closed as {reason}")
            elif state == DELETED and link.upstream_state != DELETED:
                done.notes.append(f"{before.id}: its issue {name} was deleted upstream")
        if completed and current.status not in (SHIPPED, WONT_DO):
            still_open = [link_name(link) for link in current.links if link.tracker and link.upstream_state in OPEN]
            names = ", ".join(link_name(link) for link, _ in completed)
            if still_open:
                done.notes.append(f"{before.id}: its issue {names} was closed as completed; {before.id} stays "
                                  f"{current.status.replace('_', ' ')} while {', '.join(still_open)} is open")
                return
            when = max((closed_at for _, closed_at in completed if closed_at), default="") or None
            set_status(self.store, before.id, SHIPPED, origin="sync", shipped_at=when)
            done.shipped.append(before.id)
        elif reopened and current.status == SHIPPED:
            names = ", ".join(link_name(link) for link in reopened)
            if shipped_by_sync(self.store, current):
                set_status(self.store, before.id, IN_PROGRESS, origin="sync")
                done.reopened.append(before.id)
            else:
                done.notes.append(f"{before.id}: its issue {names} was reopened; {before.id} stays shipped "
                                  "(a person set that: change it by hand if it no longer is)")


def shipped_by_sync(store: Store, opportunity: Opportunity) -> bool:
    """Whether the change that made the opportunity shipped was a sync's: walking its history
    back from the newest change, the first one whose record before it was not shipped."""
    changes = sorted((c for c in store.all(Change) if any(op[0] == opportunity.id for op in c.ops)),
                     key=lambda c: c.number, reverse=True)
    for change in changes:
        before = next(op[1] for op in change.ops if op[0] == opportunity.id)
        if not isinstance(before, dict) or before.get("status") != SHIPPED:
            return change.origin == "sync"
    return False


def _closed_at(stamp: str) -> str:
    if not stamp:
        return ""
    try:
        return to_iso(from_iso(stamp))
    except (DateParseError, ValueError):
        return ""
