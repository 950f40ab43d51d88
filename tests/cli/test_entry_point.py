"""The real `prodops` command in a child process: what only a real process shows.

Every other CLI test calls `cli.main` in-process (tests/conftest.py `run_cli`); these
guard the entry points themselves, real pipes, and that an error never ends in a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from prodops_tui import __version__
from prodops_tui.core.storage.store import SNAPSHOT_NAME

from ..conftest import FIXED_NOW, run_cli_process


def test_python_m_prints_the_version(cli_env):
    result = run_cli_process(["--version"], env=cli_env)
    assert (result.returncode, result.stdout.strip()) == (0, f"prodops {__version__}")


def test_the_installed_prodops_script_runs(cli_env):
    """pyproject's [project.scripts] entry, as `pip install` puts it beside the interpreter."""
    script = Path(sys.executable).parent / "prodops"
    assert script.is_file(), f"{script} is missing: install the project (pip install -e .) before running the tests"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | cli_env  # the installed package, not the checkout path
    result = subprocess.run([str(script), "--version"], check=False, capture_output=True, text=True, timeout=60, env=env)
    assert (result.returncode, result.stdout.strip()) == (0, f"prodops {__version__}")


def test_a_pipe_into_capture_stores_the_text_and_json_parses(cli_env):
    result = run_cli_process(["capture", "-", "--json"], env=cli_env, stdin="Piped from a shell\nsecond line\n")
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert (item["id"], item["text"], item["received_at"]) == ("F-1", "Piped from a shell\nsecond line", FIXED_NOW)


def test_errors_and_wrong_usage_end_in_one_line_never_a_traceback(cli_env, workspace):
    assert run_cli_process(["capture", "kept"], env=cli_env).returncode == 0
    (workspace / SNAPSHOT_NAME).write_bytes(b'{"_meta": ')  # a corrupt workspace
    corrupt = run_cli_process(["list", "feedback"], env=cli_env)
    assert corrupt.returncode == 1 and "Traceback" not in corrupt.stderr
    assert corrupt.stderr.count("\n") == 1 and corrupt.stderr.startswith("prodops: error: ")
    usage = run_cli_process(["capture"], env=cli_env)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr and "usage:" in usage.stderr


def test_the_version_is_answered_without_importing_the_command_line_or_the_core(cli_env):
    """`prodops --version` imported the whole command line and the core (0.12 s of its 0.13 s)."""
    probe = ("import sys; from prodops_tui.launch import main; main(['--workspace', 'x', '--version']); "
             "print(sorted(m for m in sys.modules if m.startswith('prodops_tui.')))")
    result = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True, text=True, timeout=60, env=os.environ | cli_env)
    printed, loaded = result.stdout.splitlines()
    assert printed == f"prodops {__version__}" and json.loads(loaded.replace("'", '"')) == ["prodops_tui.launch"]


def test_the_launcher_reads_version_where_argparse_does():
    from prodops_tui.cli import build_parser
    from prodops_tui.launch import asks_for_version

    for args in (["--version"], ["--workspace", "w", "--version"], ["--as=Ana", "--demo", "--version"],
                 ["--theme", "prodops-light", "--debug", "--version"]):
        assert asks_for_version(args), args
    for args in (["capture", "--version"], ["capture", "x"], [], ["--workspace", "--version"], ["list", "feedback"]):
        assert not asks_for_version(args), args
    parser = build_parser()
    for args in (["capture", "x"], ["list", "feedback"]):
        parser.parse_args(args)  # the commands the launcher leaves to argparse still parse
