"""Where a workspace lives, how it is opened, and the per-user settings file."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import platformdirs

from .dates import parse_when, to_iso, utc_now
from .errors import InvalidInput
from .storage.files import atomic_write_bytes, ensure_private_dir
from .storage.store import Store

APP_NAME = "prodops"
WORKSPACE_ENV = "PRODOPS_WORKSPACE"
CONFIG_ENV = "PRODOPS_CONFIG_DIR"
# A fixed "now" for reproducible runs (tests, screenshots): any date form prodops reads.
NOW_ENV = "PRODOPS_NOW"


def workspace_dir(flag: str | None, env: Mapping[str, str] = os.environ) -> Path:
    """--workspace, else $PRODOPS_WORKSPACE, else the user data directory."""
    if flag:
        return Path(flag).expanduser()
    if env.get(WORKSPACE_ENV):
        return Path(env[WORKSPACE_ENV]).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def make_clock(env: Mapping[str, str] = os.environ) -> Callable[[], str]:
    """The clock every change is stamped with: real UTC now, or $PRODOPS_NOW frozen."""
    fixed = env.get(NOW_ENV)
    if fixed:
        frozen = to_iso(parse_when(fixed))
        return lambda: frozen
    return lambda: to_iso(utc_now())


def open_workspace(directory: Path, *, clock: Callable[[], str] | None = None, create: bool = True) -> Store:
    return Store.open(directory, clock=clock or make_clock(), create=create)


class Settings:
    """Per-user preferences (the theme), in the user config directory, written atomically."""

    def __init__(self, directory: Path | None = None, env: Mapping[str, str] = os.environ):
        if directory is None:
            directory = Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
        self.path = directory / "settings.json"

    def load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"{self.path} cannot be read ({exc}); fix or delete it") from exc
        return data if isinstance(data, dict) else {}

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self.load().get(key, default)
        except InvalidInput:
            return default

    def set(self, key: str, value: Any) -> None:
        try:
            data = self.load()
        except InvalidInput:
            data = {}  # an unreadable settings file is replaced, it holds only preferences
        data[key] = value
        ensure_private_dir(self.path.parent)
        atomic_write_bytes(self.path, json.dumps(data, indent=2).encode())
