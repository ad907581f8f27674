"""Watching the machine during a benchmark: whether it is quiet, and the peak memory of every process."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

SAMPLE_SECONDS = float(os.environ.get("BENCH_SAMPLE_SECONDS", "0.5"))
# Processes of other work sharing the cores: a figure measured while one runs is not valid.
# (an extended regular expression for `pgrep -f`: test runs and the other benchmarks; not our own processes)
QUIET_PATTERN = os.environ.get("BENCH_QUIET_PATTERN", r"pytest|_bench\.py")
QUIET_WAIT = float(os.environ.get("BENCH_QUIET_WAIT", "900"))
QUIET_POLL = 30.0
# Cores other processes may use on average during a run that still counts as measured on a quiet machine.
QUIET_CPU = float(os.environ.get("BENCH_QUIET_CPU", "0.1"))


def busy_pids() -> list[str] | None:
    """Pids of processes matching BENCH_QUIET_PATTERN (not ours); None when pgrep is missing."""
    if not QUIET_PATTERN:
        return []
    try:
        found = subprocess.run(["pgrep", "-f", QUIET_PATTERN], capture_output=True, text=True).stdout.split()
    except FileNotFoundError:
        return None
    ours = {str(pid) for pid in proc_ancestors()}
    return [pid for pid in found if pid not in ours]


def proc_ancestors() -> list[int]:
    """This process and its ancestors (the orchestrator, bench/nightly...)."""
    pids, pid = [], os.getpid()
    while pid > 1:
        pids.append(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
    return pids


def machine_busy_cores(seconds: float = 3.0) -> float:
    """Cores the whole machine kept busy over the next `seconds` (from /proc/stat; iowait counts as idle)."""
    def busy_and_all() -> tuple[int, int]:
        fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return sum(fields) - fields[3] - fields[4], sum(fields)

    try:
        busy0, all0 = busy_and_all()
        time.sleep(seconds)
        busy1, all1 = busy_and_all()
    except (OSError, ValueError):
        return 0.0
    return (busy1 - busy0) / max(all1 - all0, 1) * (os.cpu_count() or 1)


def quiet_wait() -> bool | None:
    """Wait (polling every 30 s, up to BENCH_QUIET_WAIT) until no other work runs (no BENCH_QUIET_PATTERN
    process, and the machine idle but for 2 x BENCH_QUIET_CPU cores); whether it is quiet."""
    deadline = time.monotonic() + QUIET_WAIT
    while True:
        busy = busy_pids()
        if busy is None:
            print("machine quiet: unknown (no pgrep)", flush=True)
            return None
        cores = machine_busy_cores()
        if not busy and cores < 2 * QUIET_CPU:
            return True
        why = (f"{QUIET_PATTERN!r} processes {' '.join(busy)} run" if busy else
               f"other processes keep {cores:.2f} cores busy")
        if time.monotonic() >= deadline:
            print(f"machine NOT quiet after {QUIET_WAIT:.0f} s: {why}; measuring anyway: the figures are not valid",
                  flush=True)
            return False
        print(f"waiting for quiet: {why} (load {os.getloadavg()[0]:.2f}); next look in {QUIET_POLL:.0f} s",
              flush=True)
        time.sleep(QUIET_POLL)


def proc_status(pid: int) -> dict:
    """VmHWM and VmRSS of a process in MB ({} when it is gone or unreadable)."""
    found = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    found[line[:5]] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return found


def proc_children(pid: int) -> list[int]:
    children = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                children += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
            except OSError:
                pass
    except OSError:
        pass
    return children


def proc_cpu(pid: int) -> tuple[str, int] | None:
    """(comm, utime + stime in clock ticks) of a process; None when it is gone."""
    try:
        head, tail = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
        fields = tail.split()
        return head.split("(", 1)[1], int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def proc_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


class CpuWatch:
    """Whose CPU time the run's seconds saw: ours (the processes under the sampler's roots, this process,
    the PostgreSQL backends on the bench database and their parallel workers), the shared servers'
    (PostgreSQL's own processes, Redis, kernel threads) and other work's, from /proc at every sample. A
    process that lives less than one sample interval is missed."""

    SERVERS = ("redis-server", "postgres", "kworker", "ksoftirqd", "kswapd", "kcompactd", "jbd2", "kdamond")

    def __init__(self, database: str):
        self.database = database
        self.first: dict[int, int] = {}  # pid -> CPU ticks when first seen (0 for a process born in the run)
        self.last: dict[int, int] = {}
        self.kind: dict[int, str] = {}  # pid -> ours / server / other
        self.names: dict[int, str] = {}
        self.began = time.monotonic()
        self.initial = True

    def _kind(self, pid: int, comm: str, ours: set[int]) -> str:
        if pid in ours:
            return "ours"
        cmdline = proc_cmdline(pid)
        if comm == "postgres" or cmdline.startswith("postgres"):
            if f" {self.database} " in cmdline:
                return "ours"
            if "parallel worker for PID" in cmdline:
                leader = cmdline.split()[-1]
                return "ours" if leader.isdigit() and self.kind.get(int(leader)) == "ours" else "other"
            return "server" if " postgres " not in cmdline.split(":", 2)[-1] else "other"
        if comm.startswith(self.SERVERS) or not cmdline:  # no cmdline: a kernel thread
            return "server"
        return "other"

    def sample(self, ours: set[int]) -> None:
        for pid in proc_pids():
            found = proc_cpu(pid)
            if found is None:
                continue
            comm, ticks = found
            if pid not in self.first:
                self.first[pid] = ticks if self.initial else 0
                self.names[pid] = proc_cmdline(pid)[:100] or comm
            if self.kind.get(pid) != "ours":  # a backend's title names its database once it has connected
                self.kind[pid] = self._kind(pid, comm, ours)
            self.last[pid] = ticks
        self.initial = False

    def cores(self) -> dict:
        """Average cores used over the run, by kind, and the other processes that used the most."""
        seconds = max(time.monotonic() - self.began, 1e-9)
        ticks = os.sysconf("SC_CLK_TCK")
        used = {"ours": 0.0, "server": 0.0, "other": 0.0}
        others = []
        for pid, last in self.last.items():
            share = (last - self.first[pid]) / ticks / seconds
            used[self.kind[pid]] += share
            if self.kind[pid] == "other" and share >= 0.01:
                others.append((share, pid, self.names[pid]))
        used["top_other"] = [f"{pid} {name} ({share:.2f} cores)" for share, pid, name in sorted(others)[::-1][:3]]
        return used


def proc_cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Sampler:
    """Peak memory (VmHWM) of every process under `roots` ({pid: role}) and of the PostgreSQL backends on
    `database`, sampled every SAMPLE_SECONDS; also the largest sum of our processes' VmRSS at one moment,
    and whether other work showed up while it ran (a BENCH_QUIET_PATTERN process, or other processes'
    CPU time: `quiet`)."""

    def __init__(self, *, roots: dict[int, str], child_role, admin_url: str, database: str,
                 backend_roles: dict[int, str] | None = None, backends_skipped: frozenset = frozenset()):
        self.roots, self.child_role = roots, child_role
        self.backend_roles, self.backends_skipped = backend_roles or {}, backends_skipped
        self.admin_url, self.database = admin_url, database
        self.peaks: dict[int, dict] = {}  # pid -> {"role", "mb"}
        self.backends: dict[int, dict] = {}  # pid -> {"role", "mb"}
        self.together_mb = 0.0
        self.busy_seen: list[str] = []
        self._halt = threading.Event()
        self._conn = None
        self._last_busy_check = 0.0
        self._began = time.monotonic()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._own_backends = set(backends_skipped)  # this process's own connections: its CPU is ours
        self.cpu = CpuWatch(database)
        self.cpu.sample(set(self.roots) | set(proc_ancestors()))

    def _ours(self):
        todo = [(pid, role) for pid, role in self.roots.items()]
        while todo:
            pid, role = todo.pop()
            yield pid, role
            todo += [(child, self.child_role(child, role)) for child in proc_children(pid)]

    def _record(self, table: dict, pid: int, role: str, mb: float) -> None:
        if mb > table.get(pid, {}).get("mb", 0.0):
            table[pid] = {"role": role, "mb": mb}

    def sample(self) -> None:
        together = 0.0
        ours = set(proc_ancestors()) | self._own_backends
        for pid, role in self._ours():
            ours.add(pid)
            status = proc_status(pid)
            self._record(self.peaks, pid, role, status.get("VmHWM", 0.0))
            together += status.get("VmRSS", 0.0)
        self.together_mb = max(self.together_mb, together)
        self.cpu.sample(ours)
        try:
            if self._conn is None:
                import psycopg

                self._conn = psycopg.connect(self.admin_url, autocommit=True)
                self._own_backends.add(self._conn.execute("SELECT pg_backend_pid()").fetchone()[0])
            rows = self._conn.execute(
                "SELECT pid, coalesce(backend_type, '') FROM pg_stat_activity WHERE datname = %s",
                [self.database]).fetchall()
        except Exception:  # the server's view is a nicety; the figures of our processes still stand
            rows = []
        for pid, kind in rows:
            if pid not in self.backends_skipped:
                role = self.backend_roles.get(pid, kind or "backend")
                self._record(self.backends, pid, role, proc_status(pid).get("VmHWM", 0.0))
        if time.monotonic() - self._last_busy_check >= 5:
            self._last_busy_check = time.monotonic()
            busy = busy_pids() or []
            if busy and not self.busy_seen:
                self.busy_seen = [f"+{time.monotonic() - self._began:.0f}s: "
                                  + "; ".join(f"{pid} {proc_cmdline(int(pid))[:100]}" for pid in busy)]

    def start(self) -> None:
        self._thread.start()

    def quiet(self) -> tuple[bool, str]:
        """Whether no other work ran beside ours, and the line that says so."""
        cores = self.cpu.cores()
        line = (f"CPU over the run: ours {cores['ours']:.2f} cores, shared servers' {cores['server']:.2f}, "
                f"other work's {cores['other']:.2f} (of {os.cpu_count()})")
        if cores["top_other"]:
            line += "; most: " + "; ".join(cores["top_other"])
        if self.busy_seen:
            line += f"; {QUIET_PATTERN!r} seen at {self.busy_seen[0]}"
        return not self.busy_seen and cores["other"] < QUIET_CPU, line

    def _loop(self) -> None:
        while not self._halt.wait(SAMPLE_SECONDS):
            self.sample()

    def finish(self) -> None:
        self._halt.set()
        self._thread.join()
        self.sample()
        if self._conn is not None:
            self._conn.close()


def peaks_line(peaks: dict[int, dict]) -> str:
    return ", ".join(f"{p['role']} {p['mb']:.0f} MB" for _, p in sorted(peaks.items(), key=lambda kv: kv[1]["role"]))


def backends_line(backends: dict[int, dict]) -> str:
    if not backends:
        return "PostgreSQL backends: none seen (a remote server, or /proc unreadable)"
    roles: dict[str, list[float]] = {}
    for backend in backends.values():
        roles.setdefault(backend["role"], []).append(backend["mb"])
    shown = "; ".join(f"{role}s: {len(mbs)}, largest {max(mbs):.0f} MB, median {sorted(mbs)[len(mbs) // 2]:.0f} MB"
                      if len(mbs) > 1 else f"{role} {mbs[0]:.0f} MB" for role, mbs in sorted(roles.items()))
    return f"PostgreSQL backends on the bench database (VmHWM, with the shared buffers each touched): {shown}"


# ---------------------------------------------------------------- the orchestrator


