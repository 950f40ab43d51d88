"""Errors the core raises. Each message is one line a user can act on; the CLI
prints it as `prodops: error: …` and the app shows it as a notification."""

from __future__ import annotations

from pathlib import Path


class ProdopsError(Exception):
    """Base of every error the user should see as one line (never a traceback)."""


class WorkspaceError(ProdopsError):
    pass


class WorkspaceCorrupt(WorkspaceError):
    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(
            f"{self.path} cannot be read ({reason}); nothing was changed. "
            "Run `prodops doctor` to check the workspace, `prodops doctor --repair` to restore the last good backup"
        )


class WorkspaceTooNew(WorkspaceError):
    def __init__(self, path: Path | str, found: int, supported: int):
        self.path = Path(path)
        super().__init__(
            f"{self.path} was written by a newer prodops (workspace schema {found}, this version reads up to "
            f"{supported}); upgrade prodops to open it — nothing was changed"
        )


class NotFound(ProdopsError):
    pass


class InvalidInput(ProdopsError):
    """A value the user typed or a file held that cannot be used as it is."""


class NothingToUndo(ProdopsError):
    pass


class UndoConflict(ProdopsError):
    pass


class ChangeRefused(ProdopsError):
    """This process may read the workspace but not change it (a viewer's browser tab)."""
