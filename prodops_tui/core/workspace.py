"""Where a workspace lives, how it is opened, and the per-user settings file."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, overload

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


# The settings file's keys and the type each must have. A value of another type (a hand-edited
# {"theme": 5}) is read as unset, so it cannot reach the code as something it is not; a key
# the code does not know is a programming error, caught by the type checker and at run time.
SettingKey = Literal["theme", "keymap", "name", "name_asked"]
SETTING_TYPES: dict[str, type] = {"theme": str, "keymap": dict, "name": str, "name_asked": bool}


class Settings:
    """Per-user preferences (the theme, the keymap, the name that signs changes), in the user
    config directory, written atomically. Keys and value types are SETTING_TYPES."""

    def __init__(self, directory: Path | None = None, env: Mapping[str, str] = os.environ):
        if directory is None:
            directory = Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
        self.path = directory / "settings.json"

    def load(self) -> dict[str, Any]:
        """The file as it is (unknown keys kept, so a newer version's settings survive a write)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"{self.path} cannot be read ({exc}); fix or delete it") from exc
        return data if isinstance(data, dict) else {}

    @overload
    def get(self, key: Literal["theme", "name"], default: str | None = None) -> str | None: ...
    @overload
    def get(self, key: Literal["keymap"], default: dict[str, Any] | None = None) -> dict[str, Any] | None: ...
    @overload
    def get(self, key: Literal["name_asked"], default: bool | None = None) -> bool | None: ...

    def get(self, key: SettingKey, default: Any = None) -> Any:
        expected = _expected_type(key)
        try:
            value = self.load().get(key, default)
        except InvalidInput:
            return default
        return value if isinstance(value, expected) else default

    def set(self, key: SettingKey, value: str | bool | dict[str, Any]) -> None:
        expected = _expected_type(key)
        if not isinstance(value, expected):
            raise TypeError(f"setting {key!r} takes a {expected.__name__}, not {type(value).__name__}")
        try:
            data = self.load()
        except InvalidInput:
            data = {}  # an unreadable settings file is replaced, it holds only preferences
        data[key] = value
        ensure_private_dir(self.path.parent)
        atomic_write_bytes(self.path, json.dumps(data, indent=2).encode())


def _expected_type(key: str) -> type:
    try:
        return SETTING_TYPES[key]
    except KeyError:
        raise KeyError(f"no setting {key!r}: the settings are {', '.join(SETTING_TYPES)}") from None
