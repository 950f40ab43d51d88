"""Who acts: the name that signs triage, ticks, votes and merges.

In order (CONTRACTS.md): `--as NAME`, $PRODOPS_USER, the name in the settings file,
`git config user.name`, the login name. The app asks once for a name when none of the
first three is set, and keeps it in the settings."""

from __future__ import annotations

import getpass
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from .text import clean_line

ACTOR_ENV = "PRODOPS_USER"
SOURCES = ("--as", ACTOR_ENV, "settings", "git", "login")


@dataclass(frozen=True)
class Actor:
    name: str
    source: str  # one of SOURCES, or "" when nothing gave a name

    @property
    def chosen(self) -> bool:
        """Named on purpose (flag, variable or settings), not guessed from git or the login."""
        return self.source in ("--as", ACTOR_ENV, "settings")


def git_user_name(timeout: float = 0.5) -> str:
    try:
        done = subprocess.run(["git", "config", "--get", "user.name"], capture_output=True, text=True, timeout=timeout)
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
