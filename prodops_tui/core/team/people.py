"""Who may sign in to `prodops serve`: people invited by name with a role, their one-time
invite links and their sessions.

Everything is in the workspace's `.serve/people.json` (mode 0600, its folder 0700), written
atomically under a lock, so `prodops serve invite` and `revoke` work while the server runs
(it reads the file again when it changes). Only SHA-256 hashes of the tokens are stored: a
copy of the file signs nobody in. Tokens are 32 random bytes, so a plain hash is enough.

An invite is used once and expires after INVITE_DAYS; a session after SESSION_DAYS without
use. Revoking a person ends every session and open invite of theirs (the server closes their
open tabs when it sees the file change)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..dates import from_iso, to_iso, utc_now
from ..errors import InvalidInput, NotFound
from ..identity import person_name
from ..storage.files import atomic_write_bytes, ensure_private_dir
from ..storage.locking import EXCLUSIVE, holding
from ..text import fold

ROLES = ("member", "facilitator", "viewer")
ROLE_HELP = {
    "viewer": "reads everything, changes nothing",
    "member": "triages and writes retro cards and votes",
    "facilitator": "a member who also starts retros, moves their phases and reveals cards",
}
INVITE_DAYS = 7
SESSION_DAYS = 30
LAST_SEEN_EVERY_S = 60  # a session's last use is written at most this often
FOLDER = ".serve"


def team_folder(workspace: Path) -> Path:
    return workspace / FOLDER


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def person_key(name: str) -> str:
    """A folder name for a person (their own settings), the same for every spelling of case."""
    return hashlib.sha256(fold(name).encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    invited_at: str
    sessions: int = 0
    open_invites: int = 0
    last_seen: str = ""

    @property
    def key(self) -> str:
        return person_key(self.name)

    def record(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "invited_at": self.invited_at, "sessions": self.sessions,
                "open_invites": self.open_invites, "last_seen": self.last_seen or None}


@dataclass(frozen=True)
class Session:
    """A signed-in browser: who, and the hash that names the session (the cookie's hash)."""

    person: Person
    id: str


class Team:
    """The people of one workspace's server. Each call reads the file (it is small and another
    process may have changed it); a change is read, made and written under one lock."""

    def __init__(self, workspace: Path) -> None:
        self.folder = team_folder(workspace)
        self.path = self.folder / "people.json"

    # --- the file -------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = {}
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"{self.path} cannot be read ({exc}); fix it, or delete it and invite everyone again") from exc
        if not isinstance(data, dict):
            data = {}
        for part in ("people", "invites", "sessions"):
            if not isinstance(data.get(part), dict):
                data[part] = {}
        return data

    @contextmanager
    def _changing(self) -> Iterator[dict[str, Any]]:
        ensure_private_dir(self.folder)
        with holding(self.folder / "people.lock", EXCLUSIVE):
            data = self._read()
            yield data
            atomic_write_bytes(self.path, json.dumps(data, indent=2).encode())

    def signature(self) -> tuple[int, int] | None:
        """Changes when the file does: the server reads it again only then."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size

    # --- reading --------------------------------------------------------------------

    def anyone(self) -> bool:
        """Whether anyone was ever invited: sign-in is on from then on."""
        return bool(self._read()["people"])

    def people(self, *, now: datetime | None = None) -> list[Person]:
        data = self._read()
        now = now or utc_now()
        return sorted((self._person(data, key, now) for key in data["people"]), key=lambda p: fold(p.name))

    def session(self, token: str, *, now: datetime | None = None) -> Session | None:
        """The person a session cookie signs in, or None when this server did not issue it
        (or it was revoked, or it expired). Keeps the session's last use, now and then."""
        if not token or len(token) > 200:
            return None
        now = now or utc_now()
        digest = token_hash(token)
        data = self._read()
        found = data["sessions"].get(digest)
        if not isinstance(found, dict) or found.get("person") not in data["people"]:
            return None
        if _expired(found.get("expires"), now):
            return None
        if _older_than(found.get("last_seen"), now, LAST_SEEN_EVERY_S):
            with self._changing() as fresh:
                if digest in fresh["sessions"]:
                    fresh["sessions"][digest]["last_seen"] = to_iso(now)
                    fresh["sessions"][digest]["expires"] = to_iso(now + timedelta(days=SESSION_DAYS))
        return Session(self._person(data, found["person"], now), digest)

    def live_sessions(self) -> set[str]:
        """The ids (hashes) of every session that still signs someone in."""
        data = self._read()
        now = utc_now()
        return {digest for digest, found in data["sessions"].items()
                if isinstance(found, dict) and found.get("person") in data["people"] and not _expired(found.get("expires"), now)}

    # --- changing -------------------------------------------------------------------

    def invite(self, name: str, role: str = "member", *, now: datetime | None = None) -> tuple[Person, str]:
        """A one-time sign-in token for `name` (invited now, or again: a new link, the role
        given). Returns the person and the token, which is stored only as its hash."""
        name = person_name(name)
        if role not in ROLES:
            raise InvalidInput(f"no role {role!r}; the roles are {', '.join(ROLES)}")
        now = now or utc_now()
        token = secrets.token_urlsafe(32)
        with self._changing() as data:
            key = fold(name)
            known = data["people"].get(key)
            invited_at = known.get("invited_at") if isinstance(known, dict) else None
            data["people"][key] = {"name": name, "role": role, "invited_at": invited_at or to_iso(now)}
            data["invites"][token_hash(token)] = {"person": key, "expires": to_iso(now + timedelta(days=INVITE_DAYS))}
            _drop_expired(data, now)
            person = self._person(data, key, now)
        return person, token

    def sign_in(self, invite_token: str, *, now: datetime | None = None) -> tuple[Session, str] | None:
        """Trade an invite token (once) for a new session token; None when it is not an open
        invite of this server."""
        if not invite_token or len(invite_token) > 200:
            return None
        now = now or utc_now()
        session_token = secrets.token_urlsafe(32)
        with self._changing() as data:
            invite = data["invites"].pop(token_hash(invite_token), None)
            if not isinstance(invite, dict) or invite.get("person") not in data["people"] or _expired(invite.get("expires"), now):
                return None
            digest = token_hash(session_token)
            data["sessions"][digest] = {"person": invite["person"], "created": to_iso(now), "last_seen": to_iso(now),
                                        "expires": to_iso(now + timedelta(days=SESSION_DAYS))}
            _drop_expired(data, now)
            person = self._person(data, invite["person"], now)
        return Session(person, digest), session_token

    def revoke(self, name: str) -> tuple[Person, int]:
        """End every session and open invite of this person: signing in again takes a new
        invite. They stay listed (no sessions). Returns the person and how many sessions ended."""
        key = fold(name.strip())
        with self._changing() as data:
            if key not in data["people"]:
                known = ", ".join(sorted(p["name"] for p in data["people"].values())) or "nobody yet"
                raise NotFound(f"nobody called {clean(name)!r} was invited (invited: {known})")
            person = self._person(data, key, utc_now())
            data["sessions"] = {h: s for h, s in data["sessions"].items() if s.get("person") != key}
            data["invites"] = {h: i for h, i in data["invites"].items() if i.get("person") != key}
        return person, person.sessions

    # --- -----------------------------------------------------------------------------

    @staticmethod
    def _person(data: dict[str, Any], key: str, now: datetime) -> Person:
        found = data["people"][key]
        sessions = [s for s in data["sessions"].values() if s.get("person") == key and not _expired(s.get("expires"), now)]
        invites = [i for i in data["invites"].values() if i.get("person") == key and not _expired(i.get("expires"), now)]
        seen = max((str(s.get("last_seen") or "") for s in sessions), default="")
        return Person(name=str(found.get("name") or key), role=str(found.get("role") or "viewer"),
                      invited_at=str(found.get("invited_at") or ""), sessions=len(sessions), open_invites=len(invites),
                      last_seen=seen)


def clean(text: str) -> str:
    from ..text import clean_line

    return clean_line(text)[:60]


def _expired(when: object, now: datetime) -> bool:
    if not isinstance(when, str):
        return True
    try:
        return from_iso(when) <= now
    except ValueError:
        return True


def _older_than(when: object, now: datetime, seconds: float) -> bool:
    if not isinstance(when, str):
        return True
    try:
        return (now - from_iso(when)).total_seconds() >= seconds
    except ValueError:
        return True


def _drop_expired(data: dict[str, Any], now: datetime) -> None:
    for part in ("invites", "sessions"):
        data[part] = {h: v for h, v in data[part].items() if isinstance(v, dict) and not _expired(v.get("expires"), now)}


# --- a server's own secret: it signs the cookie that names a browser without sign-in -------------


def _kept_secret(path: Path) -> bytes | None:
    try:
        kept = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
    return kept if len(kept) == 32 else None


def server_secret(workspace: Path) -> bytes:
    """32 random bytes kept in the workspace (0600), made on first use."""
    folder = team_folder(workspace)
    path = folder / "secret"
    if (kept := _kept_secret(path)) is not None:
        return kept
    ensure_private_dir(folder)
    with holding(folder / "people.lock", EXCLUSIVE):
        if (kept := _kept_secret(path)) is not None:  # another process made it meanwhile
            return kept
        made = secrets.token_bytes(32)
        atomic_write_bytes(path, made.hex().encode())
        return made


def signed_browser_token(secret: bytes) -> str:
    """A browser's token this server issued: 22 random characters and their 22-character MAC."""
    random_part = secrets.token_urlsafe(16)
    return random_part + _mac(secret, random_part)


def is_ours(secret: bytes, token: str) -> bool:
    return len(token) == 44 and hmac.compare_digest(_mac(secret, token[:22]), token[22:])


def _mac(secret: bytes, text: str) -> str:
    import base64

    digest = hmac.new(secret, text.encode("ascii", "replace"), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
