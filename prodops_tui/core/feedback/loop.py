"""Closing the loop: the accounts to tell that an opportunity shipped, and who was told.

The rule for accounts (what "asked by" counts and what `prodops told` records):
- A customer written as a person's name followed by a company in round brackets, with a space
  before the bracket, is that company: "Kwame Mensah (Saltbox Coffee Roasters)" is the account
  "Saltbox Coffee Roasters", with Kwame Mensah as one of its people.
- Unless the name before the bracket ends as a company's does (Ltd, Inc, GmbH, LLC, …):
  "Acme Ltd (UK)" is the account "Acme Ltd (UK)".
- Brackets holding an email or an @handle are the person's contact, not a company:
  "Kwame Mensah (kwame@saltbox.example)" and "Kwame Mensah <kwame@saltbox.example>" are the
  account "Kwame Mensah".
- Any other customer ("Saltbox Coffee Roasters", "vincent3569", "@105834", "=HYPERLINK(x)") is
  its own account.
- Accounts are one whatever the case and spacing: "saltbox  coffee roasters" is the same account
  (shown as most of its feedback spells it).

For each account of an opportunity (loop_for): its people, the contact its feedback came with
(an email or @handle in the customer field or the item's kept fields, else the channel it came
through: its source), the strongest quote (the most important, then newest, of its own items),
its feedback ids (an item merged into a linked one counts for its own customer's account, once),
and whether, when and by whom it was told (Opportunity.told). Items without a customer have
nobody to tell: they are listed apart.

`told` records accounts told (one change, one undo step); `told_for_feedback` says, for one
feedback item, which of its customer's accounts were told about which opportunity.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rapidfuzz import fuzz, process, utils

from ..dates import display_date
from ..errors import InvalidInput, NotFound
from ..model import IMPORTANCE_LEVELS, CustomerTold, FeedbackItem, Opportunity, record_number
from ..storage.store import Store
from ..storage.where import Where
from ..text import clean_line, markdown_line, neutralise_cell, plural, truncate
from .merge import customer_asks

LOOP_FORMATS = ("csv", "md")
RULE = ("A person's name with a company in brackets counts as that company: "
        "\"Kwame Mensah (Saltbox Coffee Roasters)\" is the account Saltbox Coffee Roasters.")
QUOTE_CHARS = 200  # a quote is shortened to this many characters
# The close-the-loop CSV: the first five columns are the ones it always had (a mail merge built
# on them keeps working); "customer" is the account.
LOOP_COLUMNS = (
    "customer", "feedback", "opportunity", "title", "status",
    "people", "contact", "channel", "quote", "quote_feedback", "links", "told_at", "told_by",
)

_PERSON_AT_COMPANY = re.compile(r"^(?P<person>.*\S)\s+\((?P<company>[^()]*)\)$")
_PERSON_WITH_EMAIL = re.compile(r"^(?P<person>.*\S)\s+<(?P<email>[^<>]*)>$")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_HANDLE = re.compile(r"@[A-Za-z0-9_][A-Za-z0-9_.\-]{0,38}")
_SPACES = re.compile(r"\s+")
# What ends a company's name, not a person's: "Acme Ltd (UK)" is the company Acme Ltd (UK).
_COMPANY_ENDING = re.compile(r"\b(?:ltd|limited|inc|llc|llp|gmbh|ag|plc|corp|corporation|co|company|sa|sas|sarl|bv|nv|"
                             r"oy|ab|as|srl|spa|pty|kk|group|holdings)\.?$", re.IGNORECASE)
_KEY_WORDS = re.compile(r"[^a-z0-9]+")
# Kept fields (FeedbackItem.extra) that name who sent the feedback, and those that name someone
# else (who works on it, who watches it): an email in the second kind is not the customer's.
_SENDER_WORDS = ("email", "mail", "contact", "requester", "reporter", "customer", "author", "submitter", "from", "user")
_OTHER_WORDS = ("assignee", "watcher", "lead", "agent", "owner", "cc", "collaborator", "follower", "resolver")


@dataclass(frozen=True)
class Customer:
    """One customer field read by the rule above."""

    account: str  # "Saltbox Coffee Roasters"
    person: str  # "Kwame Mensah", "" when the customer is the account itself
    contact: str  # an email or @handle written in the field, else ""


@dataclass(frozen=True)
class LoopAccount:
    """One account to tell, as the close-the-loop list shows it."""

    account: str
    people: tuple[str, ...]  # names as written, each once
    contacts: tuple[str, ...]  # emails and @handles its feedback came with, newest first
    channels: tuple[str, ...]  # the sources its feedback came through, newest first
    links: tuple[str, ...]  # where its feedback lives upstream (a ticket, an issue), newest first
    quote: str  # the strongest of its feedback, one line, shortened
    quote_feedback: str  # the id the quote comes from
    feedback: tuple[str, ...]  # its feedback ids, in number order
    told_at: str = ""  # when it was told ("" not yet)
    told_by: str = ""

    @property
    def contact(self) -> str:
        """Who to write to: its emails and handles, else the channels it came through."""
        return "; ".join(self.contacts) if self.contacts else ", ".join(self.channels)

    @property
    def told(self) -> bool:
        return bool(self.told_at)


@dataclass(frozen=True)
class Loop:
    """An opportunity's close-the-loop list."""

    opportunity: Opportunity
    accounts: tuple[LoopAccount, ...]
    without_customer: tuple[str, ...]  # linked feedback with no customer: nobody to tell

    @property
    def to_tell(self) -> list[LoopAccount]:
        return [a for a in self.accounts if not a.told]


@dataclass(frozen=True)
class ToldResult:
    opportunity: Opportunity
    recorded: tuple[CustomerTold, ...]  # told now
    already: tuple[CustomerTold, ...]  # told before: nothing changed for them


@dataclass(frozen=True)
class ToldAbout:
    """One feedback item's account told about one opportunity (for the detail panel)."""

    opportunity: str  # its id
    title: str
    account: str
    told_at: str
    told_by: str


# --- the account rule --------------------------------------------------------------------------


def read_customer(customer: str) -> Customer:
    """The customer field read by the module's rule: account, person, contact written in it."""
    name = clean_line(customer)
    with_email = _PERSON_WITH_EMAIL.match(name)
    if with_email and _is_contact(with_email["email"].strip()):
        return Customer(with_email["person"], with_email["person"], with_email["email"].strip())
    at_company = _PERSON_AT_COMPANY.match(name)
    if at_company:
        inside = at_company["company"].strip()
        if _is_contact(inside):
            return Customer(at_company["person"], at_company["person"], inside)
        if inside and not _COMPANY_ENDING.search(at_company["person"]):
            return Customer(inside, at_company["person"], "")
    return Customer(name, "", name if _is_contact(name) else "")


def account_of(customer: str) -> str:
    """The account a customer field names ("" for none): see the module's rule."""
    return read_customer(customer).account


def account_key(name: str) -> str:
    """Case and spacing folded, so variants of one account compare equal."""
    return _SPACES.sub(" ", clean_line(name)).casefold()


def _is_contact(text: str) -> bool:
    return bool(_EMAIL.fullmatch(text) or _HANDLE.fullmatch(text))


def _contacts_in(item: FeedbackItem) -> list[str]:
    """Emails and @handles the item came with: in its customer field, then in the kept fields
    that name its sender (an email in any kept field not naming someone else counts too)."""
    found: list[str] = []
    written = read_customer(item.customer).contact
    if written:
        found.append(written)
    found += _EMAIL.findall(clean_line(item.customer))
    senders: list[Any] = []
    others: list[Any] = []
    for key, value in item.extra.items():
        name = str(key).casefold()
        if any(word.startswith(_OTHER_WORDS) for word in _KEY_WORDS.split(name)):  # "Assignee email", "Watchers"
            continue
        (senders if any(word in name for word in _SENDER_WORDS) else others).append(value)
    for value in _strings(senders):
        found += _EMAIL.findall(value)
        if _HANDLE.fullmatch(value.strip()):
            found.append(value.strip())
    for value in _strings(others):
        found += _EMAIL.findall(value)
    return _distinct(found)


def _strings(values: Iterable[Any], depth: int = 0) -> Iterable[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif depth < 2 and isinstance(value, list):
            yield from _strings(value, depth + 1)
        elif depth < 2 and isinstance(value, dict):
            yield from _strings(value.values(), depth + 1)


def _distinct(values: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        value = clean_line(value)
        if value and value.casefold() not in seen:
            seen[value.casefold()] = value
    return list(seen.values())


# --- the list ------------------------------------------------------------------------------------


def require_opportunity(store: Store, opportunity_id: str) -> Opportunity:
    found = store.get(clean_line(opportunity_id).upper())
    if not isinstance(found, Opportunity):
        raise NotFound(f"no opportunity {clean_line(opportunity_id)}")
    return found


def _linked(store: Store, opportunity_id: str) -> list[FeedbackItem]:
    items = store.records_where(FeedbackItem, (Where("opportunity", "=", opportunity_id),))
    return sorted(items, key=lambda item: (item.received_at, item.number))


_RANK = {level: index for index, level in enumerate(IMPORTANCE_LEVELS, start=1)}


def _strength(item: FeedbackItem) -> tuple[int, str, int]:
    return (_RANK.get(item.importance or "", 0), item.received_at, item.number)


def loop_for(store: Store, opportunity_id: str) -> Loop:
    """Every account that asked for the opportunity (whatever its status), by the account rule,
    in alphabetical order; told or not."""
    opportunity = require_opportunity(store, opportunity_id)
    groups: dict[str, dict[str, Any]] = {}
    without: list[str] = []
    for linked in _linked(store, opportunity.id):
        asks = customer_asks(store, linked)
        if not asks:
            without.append(linked.id)
        for name, feedback_id in asks:
            item = linked if feedback_id == linked.id else store.get(feedback_id)
            if not isinstance(item, FeedbackItem):
                continue
            read = read_customer(name)
            key = account_key(read.account)
            if not key:
                continue
            group = groups.setdefault(key, {"spellings": {}, "people": [], "items": {}, "own": set()})
            group["spellings"][read.account] = group["spellings"].get(read.account, 0) + 1
            if read.person:
                group["people"].append(read.person)
            group["items"][item.id] = item
            if account_key(account_of(item.customer)) == key:  # not a name a survivor only keeps in extra
                group["own"].add(item.id)
    told = {account_key(entry.account): entry for entry in opportunity.told}
    accounts = []
    for key, group in groups.items():
        spellings: dict[str, int] = group["spellings"]
        shown = max(spellings, key=lambda s: spellings[s])  # the most written; the first on a tie
        items: list[FeedbackItem] = sorted(group["items"].values(), key=_strength, reverse=True)
        newest = sorted(items, key=lambda i: (i.received_at, i.number), reverse=True)
        strongest = items[0]
        entry = told.get(key)
        accounts.append(LoopAccount(
            account=shown,
            people=tuple(_distinct(group["people"])),
            contacts=tuple(_distinct(c for i in newest if i.id in group["own"] for c in _contacts_in(i))),
            channels=tuple(_distinct(i.source for i in newest)),
            links=tuple(_distinct(i.url for i in newest)),
            quote=truncate(clean_line(strongest.text or strongest.title), QUOTE_CHARS),
            quote_feedback=strongest.id,
            feedback=tuple(sorted(group["items"], key=record_number)),
            told_at=entry.told_at if entry else "",
            told_by=entry.told_by if entry else "",
        ))
    accounts.sort(key=lambda a: (account_key(a.account), a.account))
    return Loop(opportunity=opportunity, accounts=tuple(accounts), without_customer=tuple(without))


def loops(store: Store, opportunity_id: str | None = None) -> list[Loop]:
    """The close-the-loop lists: of the one opportunity given (whatever its status), else of
    every shipped opportunity, most recently shipped first."""
    if opportunity_id:
        return [loop_for(store, opportunity_id)]
    shipped = [o for o in store.all(Opportunity) if o.status == "shipped"]
    shipped.sort(key=lambda o: (o.shipped_at or "", o.number), reverse=True)
    return [loop_for(store, o.id) for o in shipped]


def waiting(store: Store) -> tuple[list[Loop], int]:
    """The shipped opportunities with accounts still to tell, most recently shipped first, and
    how many distinct accounts wait (one waiting on two opportunities counts once): what the
    metrics' "customers to tell" can count now that telling is recorded."""
    found = [found for found in loops(store) if found.to_tell]
    return found, len({account_key(a.account) for found_loop in found for a in found_loop.to_tell})


# --- told ----------------------------------------------------------------------------------------


def _match(loop: Loop, wanted: str) -> LoopAccount:
    """The account `wanted` names: an account, a person of it, or a customer as written."""
    key = account_key(wanted)
    read_key = account_key(read_customer(wanted).account)
    for account in loop.accounts:
        if account_key(account.account) in (key, read_key):
            return account
    for account in loop.accounts:
        if any(account_key(person) == key for person in account.people):
            return account
    raise NotFound(_unknown(loop, wanted))


def _unknown(loop: Loop, wanted: str) -> str:
    shown = clean_line(wanted)
    if not loop.accounts:
        return f"nobody with a customer name asked for {loop.opportunity.id}, so there is no {shown!r} to tell"
    choices = {f"{a.account}\x00{n}": a.account for n, a in enumerate(loop.accounts)}
    choices.update({f"{p}\x00{n}": a.account for n, a in enumerate(loop.accounts) for p in a.people})
    hits = process.extract(shown, list(choices), scorer=fuzz.WRatio, processor=utils.default_process, limit=None, score_cutoff=50)
    near = _distinct(choices[hit] for hit, _, _ in hits)[:3]
    if near:
        return f"no account of {loop.opportunity.id} matches {shown!r}; it could be: {', '.join(near)}"
    listed = [a.account for a in loop.accounts]
    more = f" and {len(listed) - 5} more (prodops export loop {loop.opportunity.id})" if len(listed) > 5 else ""
    return f"no account of {loop.opportunity.id} matches {shown!r}; its accounts: {', '.join(listed[:5])}{more}"


def told(store: Store, opportunity_id: str, customers: Sequence[str], *, origin: str = "app") -> ToldResult:
    """Record that each account named was told the opportunity shipped: who (store.actor) and
    when, with that account's feedback ids; one change, one undo step. Each name is an account,
    a person of one, or a customer as written, case-insensitively. Telling an account again
    changes nothing (it is returned in `already`). Refused, with nothing recorded: an
    opportunity that has not shipped, a name that matches no account (the error names the
    accounts it could be), no names."""
    opportunity = require_opportunity(store, opportunity_id)
    names = [clean_line(name) for name in customers if clean_line(name)]
    if not names:
        raise InvalidInput(f"say who was told: prodops told {opportunity.id} CUSTOMER...")
    if opportunity.status != "shipped":
        raise InvalidInput(f"{opportunity.id} has not shipped ({opportunity.status.replace('_', ' ')}): "
                           "customers are told once it ships")
    loop = loop_for(store, opportunity.id)
    chosen: dict[str, LoopAccount] = {}
    for name in names:
        account = _match(loop, name)
        chosen.setdefault(account_key(account.account), account)
    before = {account_key(entry.account): entry for entry in opportunity.told}
    already = tuple(before[key] for key in chosen if key in before)
    fresh = [account for key, account in chosen.items() if key not in before]
    if not fresh:
        return ToldResult(opportunity, (), already)
    label = f"{opportunity.id}: told {fresh[0].account}" if len(fresh) == 1 else f"{opportunity.id}: told {plural(len(fresh), 'account')}"
    with store.change(label, origin=origin) as tx:
        current = tx.require(opportunity.id)
        assert isinstance(current, Opportunity)
        recorded = tuple(CustomerTold(account=a.account, told_at=tx.now, told_by=store.actor, feedback=list(a.feedback))
                         for a in fresh)
        changed = tx.put(replace(current, told=[*current.told, *recorded]))
    return ToldResult(changed, recorded, already)


def untold(store: Store, opportunity_id: str, customers: Sequence[str], *, origin: str = "app") -> Opportunity:
    """Take back a record of telling (told by mistake): one change, one undo step. A name that
    matches no told account is refused, naming those that were told."""
    opportunity = require_opportunity(store, opportunity_id)
    keys = {account_key(entry.account): entry for entry in opportunity.told}
    loop = loop_for(store, opportunity.id)
    drop: set[str] = set()
    for name in customers:
        if not clean_line(name):
            continue
        key = account_key(name)
        if key not in keys:
            try:
                key = account_key(_match(loop, name).account)
            except NotFound:
                key = ""
        if key not in keys:
            told_names = ", ".join(entry.account for entry in opportunity.told) or "nobody yet"
            raise NotFound(f"{clean_line(name)!r} is not recorded as told about {opportunity.id} (told: {told_names})")
        drop.add(key)
    if not drop:
        raise InvalidInput(f"say whose telling to take back: the accounts told about {opportunity.id}")
    with store.change(f"{opportunity.id}: not told {plural(len(drop), 'account')}", origin=origin) as tx:
        current = tx.require(opportunity.id)
        assert isinstance(current, Opportunity)
        return tx.put(replace(current, told=[e for e in current.told if account_key(e.account) not in drop]))


def told_for_feedback(store: Store, item: FeedbackItem) -> list[ToldAbout]:
    """The opportunities whose shipping the item's customer was told about: of the opportunity it
    is linked to (or the one the item it was merged into is linked to), the told records naming
    the item or its customer's account. Oldest told first."""
    opportunity_ids: list[str] = []
    current: FeedbackItem | None = item
    seen: set[str] = set()
    while current is not None and current.id not in seen:
        seen.add(current.id)
        if current.opportunity and current.opportunity not in opportunity_ids:
            opportunity_ids.append(current.opportunity)
        parent = store.get(current.duplicate_of) if current.duplicate_of else None
        current = parent if isinstance(parent, FeedbackItem) else None
    key = account_key(account_of(item.customer))
    out = []
    for opportunity_id in opportunity_ids:
        opportunity = store.get(opportunity_id)
        if not isinstance(opportunity, Opportunity):
            continue
        for entry in opportunity.told:
            if item.id in entry.feedback or (key and account_key(entry.account) == key):
                out.append(ToldAbout(opportunity.id, opportunity.title, entry.account, entry.told_at, entry.told_by))
    out.sort(key=lambda t: (t.told_at, record_number(t.opportunity)))
    return out


# --- the exports ---------------------------------------------------------------------------------


def loop_rows(found: Sequence[Loop]) -> list[dict[str, str]]:
    """One row per account per opportunity, as the CSV writes it (cells not yet neutralised)."""
    return [{
        "customer": a.account, "feedback": " ".join(a.feedback), "opportunity": loop.opportunity.id,
        "title": loop.opportunity.title, "status": loop.opportunity.status, "people": "; ".join(a.people),
        "contact": a.contact, "channel": ", ".join(a.channels), "quote": a.quote, "quote_feedback": a.quote_feedback,
        "links": " ".join(a.links), "told_at": a.told_at, "told_by": a.told_by,
    } for loop in found for a in loop.accounts]


def loop_csv(found: Sequence[Loop]) -> str:
    """The lists as CSV, for a mail merge. A cell a spreadsheet would run as a formula is
    written with a leading ' (neutralise_cell); no control or bidi character is left."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LOOP_COLUMNS)
    for row in loop_rows(found):
        writer.writerow([neutralise_cell(row[column]) for column in LOOP_COLUMNS])
    return out.getvalue()


def loop_markdown(found: Sequence[Loop]) -> str:
    """The lists as Markdown: per opportunity, a table of its accounts and their quotes. Every
    piece of user text is escaped (a `|` never breaks the table, `<script>` shows as typed)."""
    if not found:
        return "# Close the loop\n\nNo opportunity has shipped yet: nobody to tell.\n"
    title = (f"# Close the loop: {found[0].opportunity.id} {markdown_line(found[0].opportunity.title)}" if len(found) == 1
             else f"# Close the loop: {plural(len(found), 'shipped opportunity', 'shipped opportunities')}")
    out = [title, "", RULE]
    for loop in found:
        o = loop.opportunity
        status = f"shipped {display_date(o.shipped_at)}" if o.status == "shipped" and o.shipped_at else o.status.replace("_", " ")
        out += ["", f"## {o.id} · {markdown_line(o.title)} ({markdown_line(status)})", ""]
        told_count = sum(1 for a in loop.accounts if a.told)
        out.append(f"{plural(len(loop.accounts), 'account')} asked: {told_count} told, {len(loop.accounts) - told_count} to tell.")
        if loop.accounts:
            out += ["", "| Account | People | Contact | Feedback | Told |", "| --- | --- | --- | --- | --- |"]
            for a in loop.accounts:
                when = f"{display_date(a.told_at)} by {markdown_line(a.told_by) or 'someone'}" if a.told else "not yet"
                out.append(f"| {markdown_line(a.account)} | {markdown_line(', '.join(a.people))} | {markdown_line(a.contact)} "
                           f"| {' '.join(a.feedback)} | {when} |")
            out += ["", "What they said:", ""]
            out += [f"- **{markdown_line(a.account)}** ({a.quote_feedback}): {markdown_line(a.quote)}" for a in loop.accounts]
        if loop.without_customer:
            out += ["", f"Without a customer, nobody to tell: {' '.join(loop.without_customer)}."]
    return "\n".join(out) + "\n"


def export_loop(store: Store, opportunity_id: str | None, fmt: str) -> str:
    """`prodops export loop [O-ID] --format csv|md`."""
    if fmt not in LOOP_FORMATS:
        raise InvalidInput(f"the close-the-loop list exports as csv or md, not {fmt!r}")
    found = loops(store, opportunity_id)
    return loop_csv(found) if fmt == "csv" else loop_markdown(found)
