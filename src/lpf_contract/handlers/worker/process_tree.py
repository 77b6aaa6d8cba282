"""The process tree below a worker, read from /proc: who its descendants are, and killing them all
(a busy loop never yields, and no child process may outlive the case that started it)."""

from __future__ import annotations

import collections
import os
import signal


def read_proc(fd: int | None) -> bytes:
    # A kept-open /proc file re-generates on every pread from offset 0: about 1 µs, no open/close.
    if fd is None:
        return b""
    try:
        return os.pread(fd, 4096, 0)
    except OSError:  # the process is gone
        return b""


def open_proc(path: str) -> int | None:
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # no such process, or a kernel without CONFIG_PROC_CHILDREN
        return None


def children_of(pid: int) -> list[int]:
    """Direct children of every thread of ``pid``, from /proc/<pid>/task/<tid>/children."""
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        fd = open_proc(f"/proc/{pid}/task/{tid}/children")
        out.extend(int(c) for c in read_proc(fd).split())
        if fd is not None:
            os.close(fd)
    return out


def kill_tree_below(pid: int) -> list[int]:
    """SIGKILL everything below ``pid``; stopped first, level by level, so nothing forks away meanwhile."""
    stopped: list[int] = []
    seen: set[int] = set()
    frontier = [pid]
    while frontier:
        below = [c for p in frontier for c in children_of(p) if c not in seen]
        for c in below:
            seen.add(c)
            try:
                os.kill(c, signal.SIGSTOP)
                stopped.append(c)
            except (ProcessLookupError, PermissionError):
                pass
        frontier = below
    for c in stopped:
        try:
            os.kill(c, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return stopped


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc), so children that left the group die too."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # Field 4 (ppid) comes after the parenthesised command, which may itself hold spaces.
        rest = stat[stat.rfind(b")") + 2 :].split()
        children[int(rest[1])].append(int(name))
    out: list[int] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), ()):
            out.append(child)
            stack.append(child)
    return out
