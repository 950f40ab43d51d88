"""Where there is no fcntl (Windows, where many PMs work), prodops still runs (issue 16, defect 8).

The real command in a child process in which `import fcntl` fails. On Linux there is no msvcrt
either, so for the Windows path a stand-in msvcrt is given whose `locking` is a real lock between
processes (os.lockf, a POSIX byte-range lock, as LockFile is on Windows): several processes
capturing at once through it must lose nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

from ..conftest import REPO, run_cli_process

# Run prodops with fcntl unimportable and, if asked, a stand-in msvcrt.
WITHOUT_FCNTL = textwrap.dedent('''
    import os, sys, types
    sys.modules["fcntl"] = None  # import fcntl -> ImportError, as on Windows
    if os.environ.get("STAND_IN_MSVCRT"):
        import getpass, subprocess  # noqa: F401 - they take msvcrt's presence to mean Windows: loaded first
        msvcrt = types.ModuleType("msvcrt")
        msvcrt.LK_UNLCK, msvcrt.LK_LOCK, msvcrt.LK_NBLCK = 0, 1, 2
        def locking(fd, mode, nbytes):
            os.lockf(fd, {0: os.F_ULOCK, 1: os.F_LOCK, 2: os.F_TLOCK}[mode], nbytes)
        msvcrt.locking = locking
        sys.modules["msvcrt"] = msvcrt
    from prodops_tui.cli import main
    if sys.argv[1] == "--times":  # the same command N times in one process: a race long enough to lose
        times, args = int(sys.argv[2]), sys.argv[3:]
        sys.exit(max(main([*args[:-1], f"{args[-1]} #{n}"]) for n in range(times)))
    sys.exit(main(sys.argv[1:]))
''')


def prodops_without_fcntl(args: list[str], env: dict[str, str], *, stand_in_msvcrt: bool) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, PYTHONPATH=str(REPO), **env)
    if stand_in_msvcrt:
        full_env["STAND_IN_MSVCRT"] = "1"
    return subprocess.run([sys.executable, "-c", WITHOUT_FCNTL, *args], capture_output=True, text=True, env=full_env, timeout=120,
                          check=False)


def test_version_and_help_run_without_fcntl_or_msvcrt(cli_env):
    version = prodops_without_fcntl(["--version"], cli_env, stand_in_msvcrt=False)
    assert version.returncode == 0 and version.stdout.startswith("prodops "), version.stderr
    assert prodops_without_fcntl(["--help"], cli_env, stand_in_msvcrt=False).returncode == 0


def test_with_no_way_to_lock_a_command_on_the_workspace_says_so_in_one_line(cli_env):
    result = prodops_without_fcntl(["capture", "hello"], cli_env, stand_in_msvcrt=False)
    assert result.returncode == 1
    assert result.stderr.startswith("prodops: error: this platform can lock files with neither fcntl nor msvcrt")
    assert len(result.stderr.strip().splitlines()) == 1


def test_several_processes_capturing_through_the_windows_lock_lose_nothing(cli_env):
    prodops_without_fcntl(["capture", "first"], cli_env, stand_in_msvcrt=True)  # the workspace exists before the race
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(
            lambda n: prodops_without_fcntl(["--times", "25", "capture", f"from process {n}"], cli_env, stand_in_msvcrt=True),
            range(4)))
    assert [r.returncode for r in results] == [0] * 4, [r.stderr for r in results]

    listing = run_cli_process(["list", "feedback", "--json"], env=cli_env)
    items = json.loads(listing.stdout)
    wanted = ["first", *(f"from process {n} #{k}" for n in range(4) for k in range(25))]
    assert sorted(item["text"] for item in items) == sorted(wanted)
    assert len({item["id"] for item in items}) == len(wanted)
    printed = [line for r in results for line in r.stdout.split()]
    assert sorted(printed) == sorted(item["id"] for item in items if item["text"] != "first")


def test_on_the_windows_path_no_lock_is_left_marked_on_a_closed_file(workspace, monkeypatch):
    """msvcrt's locks are kept by descriptor number (locking._held): a lock file closed while
    locked left its number marked as holding, and the next file given that number took no lock
    at all (a fold's turn, doctor's repair, then the store that proves the repair reads back)."""
    import types

    from prodops_tui.core.model import FeedbackItem
    from prodops_tui.core.storage import doctor, locking
    from prodops_tui.core.storage.fold_turn import fold_failure
    from prodops_tui.core.storage.store import Store

    from ..conftest import fixed_clock

    stand_in = types.ModuleType("msvcrt")
    stand_in.LK_UNLCK, stand_in.LK_LOCK, stand_in.LK_NBLCK = 0, 1, 2
    stand_in.locking = lambda fd, mode, nbytes: os.lockf(fd, {0: os.F_ULOCK, 1: os.F_LOCK, 2: os.F_TLOCK}[mode], nbytes)
    monkeypatch.setattr(locking, "fcntl", None)
    monkeypatch.setattr(locking, "msvcrt", stand_in)
    store = Store.open(workspace, clock=fixed_clock)
    with store.change("captured feedback") as tx:
        tx.add(FeedbackItem(text="kept"))
    assert store.fold()
    store.close()
    assert fold_failure(workspace) is None
    (workspace / "prodops.json").write_text("{broken")
    assert "restored from" in doctor.repair(workspace, fixed_clock)
    assert locking._held == set()
    assert Store.open(workspace, clock=fixed_clock).get("F-1").text == "kept"
