"""Who acts: the name that signs triage, ticks, votes and merges.

In order (docs/REFERENCE.md): `--as NAME`, $PRODOPS_USER, the name in the settings file,
`git config user.name`, the login name. The app asks once for a name when none of the
first three is set, and keeps it in the settings.

A browser tab of `prodops serve` is someone else: the server's settings, git name and login
are its owner's, and would sign every tab's changes. There, after `--as`, the name this
browser gave before (kept per browser token, beside the settings) acts, else the app asks.
With sign-in (`prodops serve invite`), the server names the signed-in person to the tab
($PRODOPS_PERSON) and nobody is asked: that person acts, whatever the browser sends.

A name is one line, trimmed, at most NAME_MAX characters (person_name): a prompt answer
that swallowed typed-ahead text ("live retroAlice, Bob]nAlice card: …") is not a name."""

from __future__ import annotations

import getpass
import json
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, overload

from .errors import InvalidInput
from .storage.files import atomic_write_bytes, ensure_private_dir
from .text import clean_line

ACTOR_ENV = "PRODOPS_USER"
# Set by `prodops serve` for each tab's process: the browser's token from its cookie, or ""
# when the browser keeps no cookie. Present at all means "a browser tab".
BROWSER_ENV = "PRODOPS_BROWSER"
# Set by `prodops serve` with sign-in: the signed-in person and their role. Only the server
# starts a tab, so a browser cannot set them.
PERSON_ENV = "PRODOPS_PERSON"
ROLE_ENV = "PRODOPS_ROLE"
SOURCES = ("--as", ACTOR_ENV, "signed in", "browser", "settings", "git", "login")
NAME_MAX = 40  # characters: a name on a card, in a list, in `prodops serve people`
BROWSER_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,64}")  # safe as a file name; serve.py checks cookies with it


@dataclass(frozen=True)
class Actor:
    name: str
    source: str  # one of SOURCES, or "" when nothing gave a name

    @property
    def chosen(self) -> bool:
        """Named on purpose (flag, variable or settings), not guessed from git or the login."""
        return self.source in ("--as", ACTOR_ENV, "signed in", "browser", "settings")


def person_name(text: str) -> str:
    """A name as given, made one clean line; InvalidInput, in one line, when it is none: empty,
    more than one line, or longer than NAME_MAX."""
    if "\n" in text.strip() or "\r" in text.strip():
        raise InvalidInput("a name is one line")
    name = clean_line(text)
    if not name:
        raise InvalidInput("a name cannot be empty")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"a name is at most {NAME_MAX} characters (this one has {len(name)})")
    return name


def git_user_name(timeout: float = 0.5) -> str:
    try:
        done = subprocess.run(["git", "config", "--get", "user.name"], capture_output=True, text=True, timeout=timeout,
                              check=False)  # no name set exits 1: read below as no name
    except (OSError, subprocess.SubprocessError):
        return ""
    return clean_line(done.stdout) if done.returncode == 0 else ""


def login_name() -> str:
    try:
        return clean_line(getpass.getuser())
    except (OSError, KeyError):
        return ""


def resolve_actor(explicit: str | None = None, *, env: Mapping[str, str] = os.environ, settings_name: object = None) -> Actor:
    for source, value in (("--as", explicit), (ACTOR_ENV, env.get(ACTOR_ENV)), ("settings", settings_name)):
        name = clean_line(value) if isinstance(value, str) else ""
        if name:
            return Actor(name, source)
    name = git_user_name()
    if name:
        return Actor(name, "git")
    name = login_name()
    return Actor(name, "login" if name else "")


# --- where a name the app asked for is kept ------------------------------------------------


class SettingsLike(Protocol):
    path: Path

    @overload
    def get(self, key: Literal["name"]) -> str | None: ...
    @overload
    def get(self, key: Literal["name_asked"]) -> bool | None: ...

    def set(self, key: Literal["name", "name_asked"], value: str | bool) -> None: ...


class NameMemory:
    """Who acts in the app, and where the name it asks for is kept: in a terminal, the
    user's settings (asked once); in a browser tab of `prodops serve`, a small file per
    browser beside the settings (asked once per browser: the cookie's token names it)."""

    def __init__(self, settings: SettingsLike, *, env: Mapping[str, str] = os.environ) -> None:
        self.settings = settings
        self.served = BROWSER_ENV in env
        # Signed in (the server said who): that person, never asked.
        self.signed_in = clean_line(env.get(PERSON_ENV, "")) if self.served else ""
        token = env.get(BROWSER_ENV, "")
        self.browser = token if BROWSER_TOKEN.fullmatch(token) else None
        self.folder = settings.path.parent / "browsers"
        self._env = env

    @property
    def _browser_file(self) -> Path | None:
        return self.folder / f"{self.browser}.json" if self.browser else None

    def remembered(self) -> str:
        """The name this browser gave before, or ""."""
        path = self._browser_file
        if path is None:
            return ""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return ""
        name = data.get("name") if isinstance(data, dict) else None
        return clean_line(name) if isinstance(name, str) else ""

    def resolve(self, explicit: str | None = None) -> Actor:
        if not self.served:
            return resolve_actor(explicit, env=self._env, settings_name=self.settings.get("name"))
        if self.signed_in:
            return Actor(self.signed_in, "signed in")  # not even --as: the server signed this person in
        for source, value in (("--as", explicit), ("browser", self.remembered())):
            name = clean_line(value) if isinstance(value, str) else ""
            if name:
                return Actor(name, source)
        return Actor("", "")  # nobody guessed: the server's git name or login is not this person

    def should_ask(self, actor: Actor) -> bool:
        if self.served:
            return not actor.chosen
        return not actor.chosen and not self.settings.get("name_asked")

    @property
    def question(self) -> str:
        if not self.served:
            return "Your name: it signs triage, ticks and votes (asked once)"
        if self.browser:
            return "Your name, once for this browser: it signs your changes"
        return "Your name for this tab (no cookie): it signs your changes"

    def keep(self, name: str) -> str:
        """Keep the name given (clean; "" when none) and say where it is kept, or why not (a
        name longer than NAME_MAX or of several lines is not kept)."""
        if name.strip():
            try:
                name = person_name(name)
            except InvalidInput as not_a_name:
                return f"not kept: {not_a_name}"
        else:
            name = ""
        if not self.served:
            self.settings.set("name_asked", True)
            if name:
                self.settings.set("name", name)
            return str(self.settings.path)
        path = self._browser_file
        if path is None or not name:
            return "this tab only"
        ensure_private_dir(path.parent)
        atomic_write_bytes(path, json.dumps({"name": name}).encode())
        return "this browser"
