"""How much more memory this process can take before something ends it: the least of the
machine's free memory, its cgroup's room (a container, a systemd service or slice, a CI job:
the kernel ends the process at the cgroup's limit however much the machine has free) and its
address-space limit (`ulimit -v`: Python raises MemoryError there)."""

from __future__ import annotations

import os
from pathlib import Path

# cgroup v1 writes "no limit" as the largest page-aligned 63-bit number.
NO_LIMIT_FROM = 1 << 60


def available_memory(proc: Path = Path("/proc"), cgroups: Path = Path("/sys/fs/cgroup")) -> int | None:
    """Bytes this process may still take without swapping or being ended; None when nothing
    is known (then nothing should be refused)."""
    free = _mem_available(proc)
    if free is None:
        try:
            free = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (AttributeError, ValueError, OSError):
            free = None
    known = [room for room in (free, cgroup_room(proc, cgroups), _address_space_room(proc)) if room is not None]
    return max(0, min(known)) if known else None


def _mem_available(proc: Path) -> int | None:
    """Linux's MemAvailable: free memory plus what the kernel can reclaim without swapping."""
    for line in _lines(proc / "meminfo"):
        if line.startswith("MemAvailable:"):
            return _kib(line)
    return None


def cgroup_room(proc: Path = Path("/proc"), cgroups: Path = Path("/sys/fs/cgroup")) -> int | None:
    """The least room under the memory limits of this process's cgroup and its ancestors (v2
    or v1), None when none is set. Used memory leaves out the inactive page cache, which the
    kernel reclaims before it ends anything (what `docker stats` and the kubelet count)."""
    rooms: list[int] = []
    for line in _lines(proc / "self" / "cgroup"):
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and controllers == "":
            rooms += _rooms(cgroups, path, ("memory.max", "memory.current", "inactive_file"))
        elif "memory" in controllers.split(","):
            rooms += _rooms(cgroups / "memory", path, ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"))
    return min(rooms) if rooms else None


def _rooms(root: Path, path: str, names: tuple[str, str, str]) -> list[int]:
    """limit - (usage - inactive page cache) of the cgroup at `path` under `root` and of each
    ancestor up to `root` (inside a container the path may name a cgroup that is its root)."""
    limit_name, usage_name, inactive_name = names
    here = root / path.strip("/")
    if not here.is_dir():
        here = root
    rooms = []
    while True:
        limit = _number(here / limit_name)
        if limit is not None and limit < NO_LIMIT_FROM:
            usage = _number(here / usage_name) or 0
            inactive = next((int(line.split()[1]) for line in _lines(here / "memory.stat")
                             if line.split()[:1] == [inactive_name] and len(line.split()) == 2), 0)
            rooms.append(limit - max(0, usage - inactive))
        if here == root or root not in here.parents:
            return rooms
        here = here.parent


def _address_space_room(proc: Path) -> int | None:
    """RLIMIT_AS (`ulimit -v`) less the address space this process already has."""
    try:
        import resource  # not on Windows
    except ImportError:
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    size = next((_kib(line) for line in _lines(proc / "self" / "status") if line.startswith("VmSize:")), None)
    return soft - (size or 0)


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _number(path: Path) -> int | None:
    text = "".join(_lines(path)).strip()
    return int(text) if text.isdigit() else None  # "max" (cgroup v2's no limit) or missing: None


def _kib(line: str) -> int | None:
    parts = line.split()
    return int(parts[1]) * 1024 if len(parts) >= 2 and parts[1].isdigit() else None
