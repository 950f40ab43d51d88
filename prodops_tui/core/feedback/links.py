"""An opportunity's links to the tracker issues or epics that deliver it: reading what a person
pastes (a URL, a Jira key) into a TrackerLink, and the link / unlink verbs.

What is read (parse_link):
- GitHub: https://github.com/OWNER/REPO/issues/N (or /pull/N) -> tracker "github", key
  "OWNER/REPO#N". The same path on another host is GitHub Enterprise when the host is one a
  GitHub sync of the workspace reads (its SyncState api_url) or its name says github.
- GitLab: https://HOST/GROUP[/SUB...]/PROJECT/-/issues/N (or /-/work_items/N, or the older
  /GROUP/PROJECT/issues/N on a host named gitlab) -> "gitlab",
  "GROUP/PROJECT#N"; an epic, https://HOST/groups/GROUP/-/epics/N -> "GROUP&N" (GitLab's own
  way to write both). Any host: the "/-/" is GitLab's, so self-hosted GitLab is recognised.
- Jira: https://SITE/browse/PROJ-7 (a site may live under a path: issues.apache.org/jira) ->
  "jira", "PROJ-7". A bare key, PROJ-7, takes its site from a Jira sync of the workspace
  (a SyncState whose source is "jira ..."); without one it is refused, asking for the URL.
- Any other http(s) URL is kept as tracker "" (a link that is never refreshed).

Refused in one line: text with a control character, anything that is not an http(s) URL or a
Jira key, a URL with a user name or password in it. A tracker link's URL is stored in its plain
form (no query or fragment), so the same issue pasted twice is found as the same link.

link and unlink are store changes: one history record, one undo step each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit, urlunsplit

from ..errors import InvalidInput, NotFound
from ..model import Opportunity, SyncState, TrackerLink
from ..storage.store import Store
from ..text import clean_line, first_control

TRACKERS = ("github", "gitlab", "jira")
JIRA_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)-(\d+)$")
MAX_LINK_CHARS = 2000
_GITHUB_PATH = re.compile(r"^/([^/]+)/([^/]+)/(issues|pull)/(\d+)/?$")
_GITLAB_ISSUE = re.compile(r"^/(.+?)/-/(issues|work_items)/(\d+)/?$")
_GITLAB_EPIC = re.compile(r"^/groups/(.+?)/-/epics/(\d+)/?$")
_GITLAB_OLD_ISSUE = re.compile(r"^/(.+?)/issues/(\d+)/?$")  # before GitLab put "/-/" in its paths
_JIRA_BROWSE = re.compile(r"^(.*?)/browse/([A-Za-z][A-Za-z0-9_]*-\d+)/?$")


@dataclass(frozen=True)
class LinkResult:
    """What link or unlink did: the opportunity as it is now, the link concerned, whether the
    workspace changed, and a note for the person (a link already there, a link never refreshed)."""

    opportunity: Opportunity
    link: TrackerLink
    changed: bool
    note: str = ""


# --- reading a URL or a key ----------------------------------------------------------------------


def parse_link(store: Store, text: str) -> TrackerLink:
    """A TrackerLink (url, tracker, key) from a URL or a Jira key; see the module's docstring."""
    raw = text.strip()
    control = first_control(raw)
    if control is not None:
        raise InvalidInput(f"the link holds a control character ({control!r}); paste the issue's URL or key as text")
    if not raw:
        raise InvalidInput("give the issue's URL (https://…) or a Jira key like PROJ-7")
    if len(raw) > MAX_LINK_CHARS:
        raise InvalidInput(f"the link is {len(raw):,} characters long; a tracker URL is far shorter")
    if any(ch.isspace() for ch in raw):
        raise InvalidInput(f"{clean_line(raw)!r} is not a URL or a key (it has spaces in it)")
    key = JIRA_KEY.match(raw)
    if key:
        return _jira_key(store, key.group(1).upper(), key.group(2))
    parts = urlsplit(raw)
    if "://" not in raw and "." in raw.split("/", 1)[0] and "/" in raw:
        raise InvalidInput(f"{clean_line(raw)!r} has no https:// in front: give the whole URL (https://{clean_line(raw)})")
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{clean_line(raw)!r} is not an http(s) URL or a Jira key like PROJ-7")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("the URL holds a user name or password; link the issue's address without them")
    scheme, host = parts.scheme.lower(), parts.netloc.rsplit("@", 1)[-1].lower()
    path = parts.path

    def plain(new_path: str) -> str:
        return urlunsplit((scheme, host, new_path, "", ""))

    if match := _GITLAB_EPIC.match(path):
        group, number = match.group(1), match.group(2)
        return TrackerLink(url=plain(f"/groups/{group}/-/epics/{number}"), tracker="gitlab", key=f"{group}&{number}")
    if match := _GITLAB_ISSUE.match(path):
        project, kind, number = match.group(1), match.group(2), match.group(3)
        return TrackerLink(url=plain(f"/{project}/-/{kind}/{number}"), tracker="gitlab", key=f"{project}#{number}")
    if (match := _GITLAB_OLD_ISSUE.match(path)) and "gitlab" in (parts.hostname or "").split("."):
        project, number = match.group(1), match.group(2)
        return TrackerLink(url=plain(f"/{project}/-/issues/{number}"), tracker="gitlab", key=f"{project}#{number}")
    if (match := _GITHUB_PATH.match(path)) and _is_github_host(store, host):
        owner, repo, kind, number = match.groups()
        return TrackerLink(url=plain(f"/{owner}/{repo}/{kind}/{number}"), tracker="github", key=f"{owner}/{repo}#{number}")
    if match := _JIRA_BROWSE.match(path):
        site_path, issue = match.group(1), match.group(2).upper()
        return TrackerLink(url=plain(f"{site_path}/browse/{issue}"), tracker="jira", key=issue)
    return TrackerLink(url=urlunsplit((scheme, parts.netloc.lower(), path, parts.query, parts.fragment)), tracker="", key="")


def _is_github_host(store: Store, host: str) -> bool:
    name = host.rsplit(":", 1)[0]
    if name in ("github.com", "www.github.com") or "github" in name.split("."):
        return True
    for state in _syncs(store, "github"):
        if urlsplit(state.api_url).netloc.lower() == host:
            return True
    return False


def _syncs(store: Store, tracker: str) -> list[SyncState]:
    return [s for s in store.all(SyncState) if s.source.split(" ", 1)[0].casefold() == tracker]


def jira_site(api_url: str) -> str:
    """A Jira site's address from the API URL a sync reads: https://acme.atlassian.net/rest/api/2 ->
    https://acme.atlassian.net; a site under a path keeps it (https://issues.apache.org/jira)."""
    parts = urlsplit(api_url.strip())
    path = parts.path.rstrip("/")
    cut = path.find("/rest/")
    if cut >= 0:
        path = path[:cut]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


def _jira_key(store: Store, project: str, number: str) -> TrackerLink:
    key = f"{project}-{number}"
    states = [s for s in _syncs(store, "jira") if s.api_url]
    same_project = [s for s in states if s.source.split()[1:2] and s.source.split()[1].upper() == project]
    sites = sorted({jira_site(s.api_url) for s in (same_project or states)})
    if len(sites) != 1:
        why = "no Jira sync in this workspace says which site it is on" if not sites else \
            f"the workspace syncs several Jira sites ({', '.join(sites)})"
        raise InvalidInput(f"{key} is a Jira key but {why}: give the issue's URL (https://SITE/browse/{key})")
    return TrackerLink(url=f"{sites[0]}/browse/{key}", tracker="jira", key=key)


def same_issue(a: TrackerLink, b: TrackerLink) -> bool:
    """Whether two links name one issue: one tracker, host and key (GitHub and GitLab paths are
    case-insensitive), or the same URL for a link to another site."""
    if a.tracker and a.tracker == b.tracker and a.key and b.key:
        host_a, host_b = (urlsplit(a.url).hostname or "").lower(), (urlsplit(b.url).hostname or "").lower()
        keys_match = a.key.upper() == b.key.upper() if a.tracker == "jira" else a.key.casefold() == b.key.casefold()
        return keys_match and (host_a == host_b or not host_a or not host_b)
    return _plain_url(a.url) == _plain_url(b.url)


def _plain_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))


def link_name(link: TrackerLink) -> str:
    """How a link is named in a sentence: its key ("OWNER/REPO#12", "PROJ-7"), else its URL."""
    return link.key or link.url


# --- the verbs -----------------------------------------------------------------------------------


def _require(store: Store, opportunity_id: str) -> Opportunity:
    found = store.get(clean_line(opportunity_id).upper())
    if not isinstance(found, Opportunity):
        raise NotFound(f"no opportunity {clean_line(opportunity_id)}")
    return found


def link(store: Store, opportunity_id: str, target: str, *, origin: str = "app") -> LinkResult:
    """Link the opportunity to a tracker issue or epic (a URL or a Jira key). Linking one it
    already has changes nothing and says so. Who linked it (store.actor) and when are kept."""
    opportunity = _require(store, opportunity_id)
    wanted = parse_link(store, target)
    for existing in opportunity.links:
        if same_issue(existing, wanted):
            return LinkResult(opportunity, existing, False, f"{opportunity.id} is already linked to {link_name(existing)}")
    note = "" if wanted.tracker else "kept as a link; prodops reads the state of GitHub, GitLab and Jira issues only"
    with store.change(f"linked {opportunity.id} to {link_name(wanted)}", origin=origin) as tx:
        current = tx.require(opportunity.id)
        assert isinstance(current, Opportunity)
        made = replace(wanted, linked_at=tx.now, linked_by=store.actor)
        changed = tx.put(replace(current, links=[*current.links, made]))
    return LinkResult(changed, made, True, note)


def find_link(store: Store, opportunity: Opportunity, target: str) -> TrackerLink:
    """The opportunity's link a URL or key names (its key as shown: "OWNER/REPO#12",
    "GROUP/PROJECT#3", "PROJ-7"; a Jira key needs no site here)."""
    text = target.strip()
    control = first_control(text)
    if control is not None:
        raise InvalidInput(f"the link holds a control character ({control!r}); paste the issue's URL or key as text")
    for existing in opportunity.links:
        if existing.key and existing.key.casefold() == text.casefold():
            return existing
        if _plain_url(existing.url) == _plain_url(text):
            return existing
    if "://" in text:
        wanted = parse_link(store, text)
        for existing in opportunity.links:
            if same_issue(existing, wanted):
                return existing
    have = ", ".join(link_name(existing) for existing in opportunity.links) or "none"
    raise NotFound(f"{opportunity.id} has no link to {clean_line(text)!r} (its links: {have})")


def unlink(store: Store, opportunity_id: str, target: str, *, origin: str = "app") -> LinkResult:
    """Remove the opportunity's link to an issue, named by URL or key: one undo step."""
    opportunity = _require(store, opportunity_id)
    found = find_link(store, opportunity, target)
    with store.change(f"unlinked {opportunity.id} from {link_name(found)}", origin=origin) as tx:
        current = tx.require(opportunity.id)
        assert isinstance(current, Opportunity)
        changed = tx.put(replace(current, links=[existing for existing in current.links if existing != found]))
    return LinkResult(changed, found, True)


def link_records(opportunity: Opportunity) -> list[dict[str, object]]:
    """An opportunity's links as JSON (the contract: opportunities carry `links`, tracker URLs
    with their upstream state)."""
    return [{"url": existing.url, "tracker": existing.tracker or None, "key": existing.key or None,
             "upstream_state": existing.upstream_state or None, "checked_at": existing.checked_at or None,
             "pushed": existing.pushed, "linked_at": existing.linked_at or None, "linked_by": existing.linked_by or None}
            for existing in opportunity.links]
