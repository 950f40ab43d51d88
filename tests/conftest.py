"""Shared fixtures: every test gets its own workspace, settings and a fixed clock."""

from __future__ import annotations

import io
import shutil
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from prodops_tui.core.storage.store import Store

FIXED_NOW = "2026-11-24T15:00:00Z"
# The real exports the tests run on, copied into the repository (tests/data/SOURCES.md says
# from where): a user's clone has nothing beside it, and the suite must pass there.
TEST_DATA = Path(__file__).resolve().parent / "data"


def fixed_clock() -> str:
    return FIXED_NOW


TEST_USER = "Sam Tester"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's real workspace or settings, and
    nothing in the environment changes how the app draws (docs/PITFALLS.md)."""
    monkeypatch.setenv("PRODOPS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("PRODOPS_WORKSPACE", raising=False)
    monkeypatch.delenv("PRODOPS_NOW", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)
    # Who acts is named, so no test depends on the machine's git name or login (nor asks for one).
    monkeypatch.setenv("PRODOPS_USER", TEST_USER)
    # urllib honours *_proxy variables: a loopback test must not be sent through one; and no test
    # sends the developer's own tracker tokens (a test that wants one sets it).
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                 "GITHUB_TOKEN", "GITLAB_TOKEN", "JIRA_TOKEN", "JIRA_USER"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def utc_local_zone(monkeypatch: pytest.MonkeyPatch):
    """Pin local time to UTC for tests of dates typed as people say them (09:00 local)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "ws"


DEMO_NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)  # FIXED_NOW as a datetime


@pytest.fixture(scope="session")
def prepared_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace, filled once per run: filling costs ~200 ms, copying it ~20 ms."""
    from prodops_tui.core.demo import fill_demo

    directory = tmp_path_factory.mktemp("demo-template") / "ws"
    store = Store.open(directory, clock=fixed_clock)
    fill_demo(store, now=DEMO_NOW)
    store.close()
    return directory


@pytest.fixture
def demo_store(prepared_demo: Path, workspace: Path):
    """A private copy of the demo workspace: a test changes its own copy only."""
    shutil.copytree(prepared_demo, workspace)
    store = Store.open(workspace, clock=fixed_clock)
    yield store
    store.close()


@pytest.fixture
def store(workspace: Path):
    opened = Store.open(workspace, clock=fixed_clock)
    yield opened
    opened.close()


def write_file(folder: Path, filename: str, text: str | bytes) -> Path:
    """A file a user wrote by hand (a template, a settings file), bytes kept as they are."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- the command line, in-process -------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]


@dataclass
class CliResult:
    """What a shell sees of one `prodops` run: the exit status and both streams."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(args: Sequence[str], *, env: Mapping[str, str], stdin: str | None = None) -> CliResult:
    """`prodops ARGS` through `cli.main`, in this process: a child process costs ~0.5 s of
    start-up, and 100+ of them were a fifth of the suite. The environment, stdin, stdout and
    stderr are the run's own and restored afterwards. A few tests in tests/cli/test_entry_point.py
    still start the real command, to guard what only a real process shows."""
    from prodops_tui import cli

    out, err = io.StringIO(), io.StringIO()
    stdin_stream = io.TextIOWrapper(io.BytesIO((stdin or "").encode("utf-8")), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.setattr(sys, "stdin", stdin_stream)
        patch.setattr(sys, "stdout", out)
        patch.setattr(sys, "stderr", err)
        try:
            code = cli.main(list(args))
        except SystemExit as exit_:  # argparse: usage errors, --help, --version
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return CliResult(code, out.getvalue(), err.getvalue())


def run_cli_process(args: Sequence[str], *, env: Mapping[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m prodops_tui ARGS` as a child process, for what only a real process shows."""
    full_env = dict(os.environ, PYTHONPATH=str(REPO), **env)
    return subprocess.run([sys.executable, "-m", "prodops_tui", *args], input=stdin, capture_output=True,
                          text=True, env=full_env, timeout=60, check=False)  # tests read its return code


@pytest.fixture
def cli_env(tmp_path: Path, workspace: Path) -> dict[str, str]:
    """The test's workspace, config folder and fixed clock, as a shell would pass them."""
    return {"PRODOPS_WORKSPACE": str(workspace), "PRODOPS_NOW": FIXED_NOW, "PRODOPS_CONFIG_DIR": str(tmp_path / "config"),
            "PRODOPS_USER": TEST_USER}


@pytest.fixture
def prodops(cli_env: dict[str, str]) -> Callable[..., CliResult]:
    """Run `prodops ARGS` against the test's workspace; `env=` adds or overrides variables."""

    def run(*args: str, stdin: str | None = None, env: Mapping[str, str] | None = None) -> CliResult:
        return run_cli(args, env={**cli_env, **(env or {})}, stdin=stdin)

    return run
