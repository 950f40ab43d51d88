"""The memory the first look-alike index may take is the least of the machine's free memory, its
cgroup's room and `ulimit -v`: in a container or a systemd service with a 16 GB limit on a
64 GB machine, the kernel ends the process at 16 GB, so that is what the guard must count."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prodops_tui.core.memory import available_memory, cgroup_room

GiB = 1 << 30


def _proc(tmp_path: Path, cgroup_lines: str, available_gib: int = 60) -> Path:
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "meminfo").write_text(f"MemTotal:       67108864 kB\nMemAvailable:   {available_gib * 1024 * 1024} kB\n")
    (proc / "self" / "cgroup").write_text(cgroup_lines)
    return proc


def _cgroup(directory: Path, files: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text + "\n")


def test_a_cgroup_v2_limit_counts_its_used_memory_less_the_page_cache_it_can_drop(tmp_path):
    proc = _proc(tmp_path, "0::/user.slice/prodops.service\n")
    cgroups = tmp_path / "cgroup"
    _cgroup(cgroups / "user.slice" / "prodops.service", {
        "memory.max": str(16 * GiB), "memory.current": str(5 * GiB),
        "memory.stat": f"anon {3 * GiB}\nfile {2 * GiB}\ninactive_file {2 * GiB}\nactive_file 0"})
    _cgroup(cgroups / "user.slice", {"memory.max": "max", "memory.current": str(9 * GiB)})
    assert cgroup_room(proc, cgroups) == 13 * GiB
    assert available_memory(proc, cgroups) == 13 * GiB  # not the machine's 60 GiB free


def test_a_parent_cgroup_s_lower_limit_wins(tmp_path):
    proc = _proc(tmp_path, "0::/ci/job\n")
    cgroups = tmp_path / "cgroup"
    _cgroup(cgroups / "ci" / "job", {"memory.max": "max", "memory.current": str(1 * GiB)})
    _cgroup(cgroups / "ci", {"memory.max": str(8 * GiB), "memory.current": str(6 * GiB)})
    assert available_memory(proc, cgroups) == 2 * GiB


def test_a_cgroup_v1_limit_is_read_and_its_no_limit_is_none(tmp_path):
    proc = _proc(tmp_path, "5:cpu,cpuacct:/\n4:memory:/docker/abc\n0::/\n")
    cgroups = tmp_path / "cgroup"
    _cgroup(cgroups / "memory" / "docker" / "abc", {
        "memory.limit_in_bytes": str(4 * GiB), "memory.usage_in_bytes": str(3 * GiB),
        "memory.stat": f"cache {GiB}\ntotal_inactive_file {GiB}"})
    _cgroup(cgroups / "memory", {"memory.limit_in_bytes": "9223372036854771712", "memory.usage_in_bytes": str(30 * GiB)})
    assert available_memory(proc, cgroups) == 2 * GiB
    (cgroups / "memory" / "docker" / "abc" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert cgroup_room(proc, cgroups) is None
    assert available_memory(proc, cgroups) == 60 * GiB


def test_inside_a_container_its_own_cgroup_is_the_root(tmp_path):
    """A container's cgroup namespace shows its path as one the container's /sys does not
    have: its limit is then the root's files."""
    proc = _proc(tmp_path, "0::/kubepods/pod1/abc\n")
    cgroups = tmp_path / "cgroup"
    _cgroup(cgroups, {"memory.max": str(2 * GiB), "memory.current": str(GiB // 2)})
    assert available_memory(proc, cgroups) == GiB + GiB // 2


def test_without_proc_or_cgroups_the_machine_s_memory_is_the_answer(tmp_path):
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert 0 < available_memory(tmp_path / "none", tmp_path / "none") <= physical


def test_ulimit_v_bounds_it():
    limit = 3 * GiB
    script = ("import resource; from prodops_tui.core.memory import available_memory; "
              f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, resource.RLIM_INFINITY)); print(available_memory())")
    room = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)
    assert 0 < room < limit  # less what the interpreter already has
