"""Reading the TOML files teams write by hand (templates): a bad one is one line naming it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

_LINE_IN_ERROR = re.compile(r"\(at line (\d+)")


def read_toml(path: Path) -> dict[str, Any]:
    """The file's table, or ValueError("name.toml:3: reason") for a file that cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path.name}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        line = _LINE_IN_ERROR.search(str(exc))
        where = f"{path.name}:{line.group(1)}" if line else path.name
        raise ValueError(f"{where}: {str(exc).split(' (at line')[0]}") from exc
