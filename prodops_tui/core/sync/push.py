"""`prodops push O-3 github OWNER/REPO` (or `gitlab GROUP/PROJECT`): the tracker issue that carries an opportunity's evidence,
created once and kept current, never made twice.

The issue:
- title: the opportunity's title (one line, at most TITLE_CHARS);
- body: the opportunity's description, then the evidence section between two marker lines,
  `<!-- prodops:evidence O-3 -->` and `<!-- /prodops:evidence -->`: the accounts that asked
  (core/feedback/loop.py's account rule) with their feedback ids, each once, the strongest quotes
  (up to QUOTES, the quote of each of the strongest accounts), the upvotes the linked feedback
  brought (metrics.demand.item_votes), the importance-weighted score the opportunities screen
  ranks by (opportunities.stats), and the area with its owners;
- labels: the area's own name (not its path), as one label, cut to LABEL_CHARS (GitHub's
  limit); an opportunity without an area gets none. Labels are sent when the issue is created
  only: what the team does with them afterwards is theirs.

User text is data in the body (evidence_text): every character Markdown or HTML reads as syntax
is escaped (so `<!-- prodops:evidence -->` in a quote is shown, never a marker, and
`[x](javascript:…)` is text), `&` too (an entity like `&#64;` would become an @), an @ or a # that
would mention someone or reference an issue is followed by a zero-width space (`@everyone` pings
nobody), e-mail addresses are left out, control and bidi characters are dropped. People's
contacts are never sent, nor anything of the token or the workspace.

Pushing again: the opportunity's pushed link to that repository (else the first link to an issue
of it, made by hand) is read (GET), only the text between its markers is replaced (the last
complete pair; none: the section is added at the end), and the body is sent back (PATCH) only
when it changed. Title, labels and everything the team wrote outside the markers stay as they
are. A linked issue that is gone (410) or cannot be read (404) creates nothing: the one line
says what to do.

The first push stores the link (tracker "github", pushed) in one change, one undo step; later
pushes refresh its upstream state and checked_at as bookkeeping (no undo step), as a sync does.
Nothing is sent without the command; a dry run builds the same title, labels and body and sends
nothing.

One push for every tracker that can take one (`push` over a client.TrackerClient, as run.sync):
the client says where a new issue goes and what it is sent with (new_issue_url, new_issue), the
field its text is in (body_field: GitHub's `body`, GitLab's `description`), how that text is
changed (update_method: PATCH, GitLab PUT), and how its answer reads (web_url, issue_link,
link_state). GitLab: the same Markdown and the same HTML-comment markers (GitLab hides HTML
comments too); the signs GitLab reads as references are broken as @ and # are (`@user`, `#12`,
`!12` a merge request, `~label`, `%milestone`, `$snippet`, `&epic`); the label is sent as
GitLab's comma-separated `labels` (a comma in the area's name becomes a space); the token goes in
PRIVATE-TOKEN. GitLab answers 404, not 410, for a deleted issue.

Jira (v2): the description is wiki markup (wiki_text escapes user text; headings `h3.`, bold
`*x*`, bullets `* `), HTML comments are no markers there, so the section is a panel whose first
line `{panel:title=prodops:evidence O-3}` and last line `{panel}` are the markers (user text
cannot write either: its `{` is escaped); the issue type is "Story" unless --issue-type says; the
key (`ACME-12`) is the link's; an update PUTs {fields: {description}} and Jira answers 204.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from ..areas.lookup import area_path, shown_name
from ..dates import display_date
from ..errors import InvalidInput, NotFound, ProdopsError
from ..feedback.links import link_name
from ..feedback.loop import RULE, LoopAccount, loop_for
from ..feedback.opportunities import stats
from ..importers import tracker
from ..metrics.demand import item_votes
from ..model import IMPORTANCE_LEVELS, FeedbackItem, Opportunity, Person, ProductArea, TrackerLink
from ..storage.store import Store
from ..storage.where import Where
from ..text import clean_line, markdown_literal, plural, without_bidi, without_controls
from .client import Fetch, Send, SyncError
from . import gitlab, jira
from .client import TrackerClient, plain_web_url
from .github import API_URL, TOKEN_ENV, GitHubIssues
from .http import Response

TITLE_CHARS = 256  # GitHub refuses a longer title
LABEL_CHARS = 50  # ... and a longer label name
QUOTES = 5
ACCOUNTS_LISTED = 100  # then "and N more": a body stays far below GitHub's 65,536 characters
START = "<!-- prodops:evidence {id} -->"
END = "<!-- /prodops:evidence -->"
_START = re.compile(r"^<!-- prodops:evidence (O-\d+) -->$")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_MENTION = re.compile(r"([@#＠])(?=[\w\-])")  # @user, @org/team, #12: a zero-width space after the sign
_REFERENCES = {  # the signs each tracker reads as a mention or a reference when a word follows
    "github": _MENTION,
    "gitlab": re.compile(r"([@#!~%$&＠])(?=[\w\-])"),  # user, issue, merge request, label, milestone, snippet, epic
}
_ZWSP = "\u200b"
_WIKI_SYNTAX = re.compile(r"([{}\[\]|*_\-+^~?!#])")
_WIKI_BLOCK = re.compile(r"^\s*(h[1-6]|bq)\.", re.IGNORECASE)
_RANK = {level: index for index, level in enumerate(IMPORTANCE_LEVELS, start=1)}


@dataclass(frozen=True)
class Draft:
    """What a push sends: the issue's title, labels and whole body (a new issue's)."""

    opportunity: str  # its id
    title: str
    labels: tuple[str, ...]
    body: str
    section: str  # the evidence section alone, markers included (what an update replaces)
    target: TrackerLink | None  # the linked issue a push would update, None: it would create one


@dataclass(frozen=True)
class PushResult:
    opportunity: str
    url: str
    key: str  # "OWNER/REPO#12"
    created: bool  # a new issue (False: the linked one's evidence was brought up to date)
    sent: bool  # False when the section was already current: nothing was sent
    requests: int
    note: str = ""  # one line worth saying (markers missing upstream, a link made by hand now used)

    def line(self) -> str:
        if self.created:
            return f"{self.opportunity}: created {self.key} {self.url}"
        if not self.sent:
            return f"{self.opportunity}: {self.key}'s evidence is already current, nothing sent ({self.url})"
        return f"{self.opportunity}: updated the evidence of {self.key} {self.url}"

    def to_dict(self) -> dict[str, object]:
        return {"opportunity": self.opportunity, "url": self.url, "key": self.key, "created": self.created,
                "sent": self.sent, "requests": self.requests, "note": self.note or None}


# --- the text ------------------------------------------------------------------------------------


def evidence_text(text: str, tracker: str = "github") -> str:
    """One line of user text as literal Markdown that mentions nobody and references nothing on
    `tracker` (the module's rules): the zero-width space goes in before the escaping, so an
    entity (`&amp;`) is never split and `&12` stays no epic. Jira's wiki markup: wiki_text."""
    if tracker == "jira":
        return wiki_text(text)
    line = clean_line(text)
    line = _EMAIL.sub("(e-mail left out)", line)
    line = _REFERENCES.get(tracker, _REFERENCES["gitlab"]).sub(lambda m: m.group(1) + _ZWSP, line)
    return markdown_literal(line.replace("&", "&amp;"))


def wiki_text(text: str) -> str:
    """One line of user text as literal Jira wiki markup (v2 descriptions): every character the
    wiki renderer reads as syntax (`{` macros, `[` links and `[~user]` mentions, `|` tables,
    `*` bold, `_` emphasis, `-` strike, `+` insert, `^` `~` super- and subscript, `?` citation,
    `!` images, `#` lists) is escaped with a backslash; a backslash itself is followed by a
    zero-width space, so it can neither escape what follows nor make a `\\` line break; an @
    before a word gets one too; a line that starts like a heading or a quote (`h1.`, `bq.`)
    starts with one. E-mail addresses are left out, control and bidi characters dropped."""
    line = without_bidi(clean_line(text))
    line = _EMAIL.sub("(e-mail left out)", line)
    line = line.replace("\\", "\\" + _ZWSP)
    line = _WIKI_SYNTAX.sub(r"\\\1", line)
    line = re.sub(r"([@＠])(?=[\w\-])", lambda m: m.group(1) + _ZWSP, line)
    return _ZWSP + line if _WIKI_BLOCK.match(line) else line


@dataclass(frozen=True)
class Markup:
    """How a tracker's text field writes the section: Markdown (GitHub, GitLab) or Jira's wiki."""

    start: str  # the first marker line, {id} the opportunity's
    end: str  # the last
    start_line: re.Pattern[str]  # matches a first marker, group 1 the opportunity's id
    heading: str  # "### {}"
    bold: str  # "**{}**"
    bullet: str  # "- "
    italic: str  # "_{}_"


MARKDOWN = Markup(START, END, _START, "### {}", "**{}**", "- ", "_{}_")
# Jira: HTML comments are shown as text there, so the section is a panel whose own first and last
# lines are the markers; user text cannot make either (its `{` is escaped).
JIRA_START = "{{panel:title=prodops:evidence {id}}}"
JIRA_END = "{panel}"
WIKI = Markup(JIRA_START, JIRA_END, re.compile(r"^\{panel:title=prodops:evidence (O-\d+)\}$"), "h3. {}", "*{}*",
              "* ", "_{}_")


def markup_for(tracker: str) -> Markup:
    return WIKI if tracker == "jira" else MARKDOWN


def _paragraphs(text: str, tracker: str = "github") -> str:
    """A description, line by line as evidence_text, its blank lines kept (at most one in a row)."""
    out: list[str] = []
    for raw in without_controls(text).split("\n"):
        line = evidence_text(raw, tracker)
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _strength(store: Store, account: LoopAccount) -> tuple[int, str, int]:
    item = store.get(account.quote_feedback)
    if not isinstance(item, FeedbackItem):
        return (0, "", 0)
    return (_RANK.get(item.importance or "", 0), item.received_at, item.number)


def _owners(store: Store, area: ProductArea) -> list[str]:
    names = []
    for person_id in area.owners:
        person = store.get(person_id)
        if isinstance(person, Person) and person.active:
            names.append(person.name)
    return names


def labels_for(store: Store, opportunity: Opportunity) -> tuple[str, ...]:
    """The area's own name as one label (the module's rule); () without an area."""
    area = store.get(opportunity.area) if opportunity.area else None
    if not isinstance(area, ProductArea):
        return ()
    name = clean_line(shown_name(area))[:LABEL_CHARS].strip()
    return (name,) if name else ()


def evidence_section(store: Store, opportunity: Opportunity, tracker: str = "github") -> str:
    """The evidence section, markers included (the module's docstring)."""

    def evidence_text(text: str) -> str:
        return _text_for(text, tracker)

    loop = loop_for(store, opportunity.id)
    found = next((s for s in stats(store) if s.opportunity.id == opportunity.id), None)
    linked = store.records_where(FeedbackItem, (Where("opportunity", "=", opportunity.id),))
    votes = sum(item_votes(store, item) for item in linked)
    people = len({p.casefold() for a in loop.accounts for p in a.people})
    accounts = sorted(loop.accounts, key=lambda a: _strength(store, a), reverse=True)
    m = markup_for(tracker)

    def bold(text: str) -> str:
        return m.bold.format(text)

    out = [m.start.format(id=opportunity.id), m.heading.format(f"Evidence from prodops ({opportunity.id})"), ""]
    asked = f"{bold(plural(len(loop.accounts), 'account'))} asked"
    if people:
        asked += f" ({plural(people, 'person', 'people')} named)"
    out.append(f"{m.bullet}{asked}, in {plural(found.feedback if found else len(linked), 'feedback item')}")
    out.append(f"{m.bullet}{bold(plural(votes, 'upvote'))} on the linked feedback where it came from")
    out.append(f"{m.bullet}Importance-weighted demand: {bold(str(found.score if found else 0))} "
               "(each item weighs by its importance: low or unrated 1, medium 2, high 3, critical 5)")
    area = store.get(opportunity.area) if opportunity.area else None
    if isinstance(area, ProductArea):
        owners = _owners(store, area)
        shown = f"{m.bullet}Area: {evidence_text(area_path(store, area))}"
        if owners:
            shown += f"; owners: {', '.join(evidence_text(name) for name in owners)}"
        out.append(shown)
    if accounts:
        out += ["", f"{bold('Who asked')}, strongest first ({evidence_text(RULE)}):", ""]
        for index, account in enumerate(accounts[:ACCOUNTS_LISTED]):
            line = f"{m.bullet}{bold(evidence_text(account.account))} ({', '.join(account.feedback)})"
            if index < QUOTES and account.quote:
                line += f": “{evidence_text(account.quote)}” ({account.quote_feedback})"
            out.append(line)
        if len(accounts) > ACCOUNTS_LISTED:
            out.append(f"{m.bullet}and {plural(len(accounts) - ACCOUNTS_LISTED, 'more account')}")
    if loop.without_customer:
        out += ["", f"Without a customer: {plural(len(loop.without_customer), 'feedback item')}."]
    kept = m.italic.format(f"Kept by prodops push, {display_date(store.clock())}: this section is replaced on each "
                           "push; write above or below it.")
    out += ["", kept, m.end]
    return "\n".join(out)


def draft(store: Store, opportunity_id: str, repo: str, tracker: str = "github") -> Draft:
    """The title, labels and body a push of the opportunity to `repo` of `tracker` would send."""
    opportunity = _require(store, opportunity_id)
    title = clean_line(opportunity.title)[:TITLE_CHARS].strip()
    if not title:
        raise InvalidInput(f"{opportunity.id} has no title to name the issue with")
    section = evidence_section(store, opportunity, tracker)
    intro = _paragraphs(opportunity.description, tracker)
    body = f"{intro}\n\n{section}\n" if intro else f"{section}\n"
    return Draft(opportunity.id, title, labels_for(store, opportunity), body, section,
                 pushed_link(opportunity, repo, tracker))


_text_for = evidence_text


def replace_section(body: str, section: str, opportunity_id: str, markup: Markup = MARKDOWN) -> tuple[str, bool]:
    """`body` with its evidence section (the last marker pair for this opportunity) replaced by
    `section`, the rest as written; (new body, whether the markers were found). No pair: the
    section is added at the end."""
    lines = body.splitlines(keepends=True)
    pair: tuple[int, int] | None = None
    start: int | None = None
    for index, line in enumerate(lines):
        text = line.strip()
        found = markup.start_line.match(text)
        if found:
            start = index if found.group(1) == opportunity_id else None
        elif text == markup.end and start is not None:
            pair, start = (start, index), None
    newline = "\r\n" if "\r\n" in body else "\n"
    if pair is None:
        gap = "" if not body.strip() else (newline * 2 if not body.endswith(("\n", "\r")) else newline)
        return body + gap + section.replace("\n", newline) + newline, False
    first, last = pair
    ending = newline if lines[last].endswith(("\n", "\r")) else ""
    return "".join(lines[:first]) + section.replace("\n", newline) + ending + "".join(lines[last + 1:]), True


def is_pushed_issue(record: object) -> bool:
    """Whether a tracker record is an issue `prodops push` made or keeps (its body holds an
    evidence section): the opportunity's own issue, not feedback, so a sync does not bring it in."""
    if not isinstance(record, dict):
        return False
    fields = record.get("fields")
    body = record.get("body") if isinstance(record.get("body"), str) else record.get("description")
    if body is None and isinstance(fields, dict):
        body = fields.get("description")  # Jira's
    return isinstance(body, str) and "prodops:evidence O-" in body and any(
        markup.start_line.match(line.strip()) for line in body.splitlines() for markup in (MARKDOWN, WIKI))


# --- the link ------------------------------------------------------------------------------------


def _require(store: Store, opportunity_id: str) -> Opportunity:
    found = store.get(clean_line(opportunity_id).upper())
    if not isinstance(found, Opportunity):
        raise NotFound(f"no opportunity {clean_line(opportunity_id)}")
    return found


def _repo_and_number(link: TrackerLink) -> tuple[str, int | None]:
    repo, _, number = link.key.rpartition("#")
    return repo, int(number) if number.isdigit() else None


def pushed_link(opportunity: Opportunity, repo: str, tracker: str = "github") -> TrackerLink | None:
    """The issue of `repo` a push updates: the link a push made, else the first link to an issue
    of that repository (made by hand); None: a push creates one."""
    if tracker == "jira":
        found = [link for link in opportunity.links if link.tracker == "jira"
                 and link.key.upper().startswith(repo.upper() + "-")]
        return next((link for link in found if link.pushed), found[0] if found else None)
    candidates = [link for link in opportunity.links if link.tracker == tracker
                  and _repo_and_number(link)[0].casefold() == repo.casefold() and _repo_and_number(link)[1] is not None
                  and "/issues/" in urlsplit(link.url).path]
    pushed = [link for link in candidates if link.pushed]
    found = pushed or candidates
    return found[0] if found else None


def link_state(record: dict[str, object]) -> str:
    """A GitHub issue's state as links keep it: "open", "closed: completed", "closed: not_planned"."""
    closed = str(record.get("state") or "").casefold() == "closed"
    reason = record.get("state_reason")
    return tracker.state(closed, reason if isinstance(reason, str) else "")[1]


def web_url(record: dict[str, object]) -> str:
    """The issue's html_url in the plain form links keep (no query or fragment); '' when it is not one."""
    return plain_web_url(record.get("html_url"))


# --- pushing -------------------------------------------------------------------------------------


def push_github(store: Store, opportunity_id: str, repo: str, *, api_url: str = API_URL, token: str | None = None,
                token_env: str = TOKEN_ENV, fetcher: Fetch | None = None, sender: Send | None = None,
                sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.time,
                on_wait: Callable[[float], None] | None = None, origin: str = "cli") -> PushResult:
    """Create the opportunity's issue in OWNER/REPO, or bring its evidence up to date (the
    module's docstring). Raises InvalidInput, NotFound, SyncError: one line each."""
    client = GitHubIssues(repo, api_url=api_url, token=token, token_env=token_env, fetcher=fetcher, sender=sender,
                          sleep=sleep, now=now, on_wait=on_wait)
    return push(store, client, opportunity_id, origin=origin)


def push_gitlab(store: Store, opportunity_id: str, project: str, *, api_url: str = gitlab.API_URL,
                token: str | None = None, token_env: str = gitlab.TOKEN_ENV, fetcher: Fetch | None = None,
                sender: Send | None = None, sleep: Callable[[float], None] = time.sleep,
                now: Callable[[], float] = time.time, on_wait: Callable[[float], None] | None = None,
                origin: str = "cli") -> PushResult:
    """The same for a GitLab project GROUP/PROJECT (the module's docstring)."""
    client = gitlab.GitLabIssues(project, api_url=api_url, token=token, token_env=token_env, fetcher=fetcher,
                                 sender=sender, sleep=sleep, now=now, on_wait=on_wait)
    return push(store, client, opportunity_id, origin=origin)


def push_jira(store: Store, opportunity_id: str, project: str, *, api_url: str, token: str | None = None,
              token_env: str = jira.TOKEN_ENV, user: str | None = None, user_env: str = jira.USER_ENV,
              issue_type: str = jira.ISSUE_TYPE, fetcher: Fetch | None = None, sender: Send | None = None,
              sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.time,
              on_wait: Callable[[float], None] | None = None, origin: str = "cli") -> PushResult:
    """The same for a Jira project KEY on the site `api_url`: description in wiki markup, the
    section in a panel (the module's docstring and jira.py's)."""
    client = jira.JiraIssues(project, api_url=api_url, token=token, token_env=token_env, user=user,
                             user_env=user_env, fetcher=fetcher, sender=sender, sleep=sleep, now=now,
                             on_wait=on_wait, issue_type=issue_type)
    return push(store, client, opportunity_id, origin=origin)


def push(store: Store, client: TrackerClient, opportunity_id: str, *, origin: str = "cli") -> PushResult:
    """Create the opportunity's issue in the client's project, or bring its evidence up to date."""
    made = draft(store, opportunity_id, client.project, client.kind)
    if not client.token:
        raise InvalidInput(f"pushing to {client.tracker} needs a token that may write issues in ${client.token_env}; "
                           "--dry-run shows what would be sent without one")
    if made.target is not None:
        return _update(store, client, made, made.target)
    return _create(store, client, made, origin)


def _create(store: Store, client: TrackerClient, made: Draft, origin: str) -> PushResult:
    payload = client.new_issue(made.title, made.body, made.labels)
    maybe = (f"; the issue may have been made all the same: look at {client.project}'s newest issues and link it "
             f"(prodops link {made.opportunity} URL) before pushing again")
    try:
        answer = client.ask("POST", client.new_issue_url(), payload, doing="create the issue")
    except SyncError as exc:
        raise SyncError(f"{exc}{maybe}") from None
    if answer.status != client.created_status:
        raise _refused(client, answer, "create the issue", maybe if answer.status >= 500 else "")
    record = _record(client, answer, "the new issue")
    issue = client.issue_link(record)
    if issue is None:
        raise SyncError(f"{client.source}: the new issue's answer has no usable web address or number; "
                        f"look at {client.project}'s newest issues and link it")
    try:
        with store.change(f"pushed {made.opportunity} to {link_name(issue)}", origin=origin) as tx:
            current = tx.require(made.opportunity)
            assert isinstance(current, Opportunity)
            made_link = replace(issue, checked_at=tx.now, linked_at=tx.now, linked_by=store.actor)
            kept = [existing for existing in current.links if _key(existing.url) != _key(issue.url)]
            tx.put(replace(current, links=[*kept, made_link]))
    except (ProdopsError, OSError) as exc:
        raise SyncError(f"{client.source}: created {issue.url} but could not link it ({clean_line(str(exc))}); "
                        f"link it with prodops link {made.opportunity} {issue.url}") from None
    return PushResult(made.opportunity, issue.url, issue.key, True, True, client.requests)


def _update(store: Store, client: TrackerClient, made: Draft, target: TrackerLink) -> PushResult:
    url = client.linked_issue(target)
    name = link_name(target)
    if not url:
        raise InvalidInput(f"{name} is not an issue of {client.project} at {client.host}: nothing was sent")
    answer = client.ask("GET", url, doing=f"read {name}")
    if answer.status in (404, 410):
        why = f"was deleted on {client.tracker}" if answer.status == 410 else \
            f"cannot be read: deleted, moved, or the token in ${client.token_env} cannot see it"
        raise SyncError(client.redact(
            f"{made.opportunity}'s issue {name} {why} ({answer.status}); nothing was sent. To make a new one: "
            f"prodops unlink {made.opportunity} {name}, then push again"))
    if answer.status != 200:
        raise _refused(client, answer, f"read {name}")
    record = _record(client, answer, name)
    body = client.issue_body(record)
    new_body, had_markers = replace_section(body, made.section, made.opportunity, markup_for(client.kind))
    note = "" if had_markers else f"{name} had no evidence section (its markers were removed?): added at the end"
    if not target.pushed:
        note = "; ".join(filter(None, [f"{name} was linked by hand: its evidence is kept there now", note]))
    sent = new_body != body
    if sent:
        answer = client.ask(client.update_method, url, client.body_update(new_body), doing=f"update {name}")
        if answer.status not in client.updated_statuses:
            raise _refused(client, answer, f"update {name}")
        if answer.body.strip():  # Jira answers 204 with no body: the issue read before stands
            record = _record(client, answer, name)
    state = client.link_state(record)
    with store.change(f"pushed {made.opportunity} to {name}", origin="sync", history=False) as tx:
        current = tx.require(made.opportunity)
        assert isinstance(current, Opportunity)
        links = [replace(existing, upstream_state=state, checked_at=tx.now, pushed=True)
                 if _key(existing.url) == _key(target.url) else existing for existing in current.links]
        tx.put(replace(current, links=links))
    return PushResult(made.opportunity, target.url, target.key, False, sent, client.requests, note)


def _key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc.lower()}{parts.path.rstrip('/').casefold()}"


def _record(client: TrackerClient, answer: Response, what: str) -> dict[str, object]:
    try:
        data = json.loads(answer.body)
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise SyncError(f"{client.source}: {client.host} answered for {what} with something that is not an issue")
    return data


def _refused(client: TrackerClient, answer: Response, doing: str, hint: str = "") -> SyncError:
    said = client.message(answer)
    detail = f"{answer.status} {said}" if said else str(answer.status)
    name = client.tracker
    if answer.status == 401:
        why = f"{name} refused the token in ${client.token_env} ({detail}): it may have expired; set a new one"
    elif answer.status == 403:
        why = (f"{name} refused to {doing} ({detail}): the token in ${client.token_env} may not write issues of "
               f"{client.project}")
    elif answer.status == 404:
        why = f"no {client.project_word} {client.project} at {client.api_url}, or the token cannot see it ({detail})"
    elif answer.status == 410:
        why = f"{client.project} has its issues turned off ({detail})"
    elif answer.status in (400, 422):
        why = f"{name} would not {doing} ({detail})"
    elif 300 <= answer.status < 400:
        why = f"{client.host} answered with a redirect ({answer.status}); give --api-url as that host's API"
    else:
        why = f"{client.host} could not {doing} ({detail})"
    return SyncError(client.redact(f"{client.source}: {why}{hint}"))


def shown_draft(made: Draft, repo: str) -> str:
    """What --dry-run prints: what would be sent, and where."""
    if made.target is not None:
        head = [f"would update the evidence section of {link_name(made.target)} ({made.target.url}), nothing else;",
                "its title and labels stay as the team keeps them. The section:", ""]
        return without_bidi("\n".join(head) + "\n" + made.section + "\n")
    labels = ", ".join(made.labels) or "(none)"
    head = [f"would create an issue in {repo}", f"title: {made.title}", f"labels: {labels}", "body:", ""]
    return without_bidi("\n".join(head) + "\n" + made.body)
