"""Create N Bobs on one overlay sandbox host: bob's pipeline against a plain sequential script.

Run as root from the repository: ``.venv/bin/python bench/create.py [--bobs 14] [--rounds 3]``.

It builds a sandbox of its own (prefix ``bobbench``, addresses 10.250.60-61.*, everything under a
temporary directory) and always removes it again. Each round times, in alternating order:

- script: one ``ssh host sh -s`` running, one Bob after another, the commands bob's create
  pipeline runs per Bob (lxc-copy, config rewrite, lxc-start, lxc-wait, ping, lxc-attach ×3);
- bob concurrent: submit_create + JobRunner.run with the per-host limit bob uses;
- bob sequential: the same with per_host_limit=1, so (bob sequential − script) / N is the
  orchestration overhead per Bob.

Every run starts from an empty host and is cleaned up (untimed) before the next one. This is a
measurement: it exits 0 whether or not the goals are met, 1 only if the bench itself failed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shlex
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.runtime import PER_HOST_LIMIT
from handlers.provision import Caller, submit_create, submit_destroy
from handlers.requests import CreateBobs, DestroyBobs, build
from provisioning.config import Fleet, load_fleet
from provisioning.config.models import Host
from provisioning.core.models import PlannedBob
from provisioning.core.plan import plan_create
from provisioning.hosts.ssh import HostPool
from provisioning.jobs import JobKinds, JobRunner, ProgressBus, unique_owner
from provisioning.lxc import commands, layout
from provisioning.lxc.cgroups import DETECT_ARGV, CgroupLayout, layout_from_fstype
from provisioning.lxc.config import MARKER, NetworkSpec, render
from provisioning.pipeline import kinds
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.create import CREATE_STEPS, START_LOG
from provisioning.records import JobState, StepEvent
from provisioning.store import SqlStore
from sandbox import SandboxInfo, SandboxOptions, sandbox_down, sandbox_up
from sandbox.paths import StatePaths
from sandbox.sshd import ssh_argv

PREFIX, NET_INDEX = "bobbench", 60  # clear of the default sandbox (0) and the tests' (100+)
HOST = "host-a"
SCRIPT_TIMEOUT_S = 300.0
RATIO_GOAL, OVERHEAD_GOAL_MS = 0.5, 100.0
# The ping loop of the script gives up like bob's WaitReady: 20 s of 0.1 s tries (at least).
PING_TRIES = 200


class BenchError(Exception):
    """The bench could not measure: a run failed or left something behind."""


@dataclass
class Variant:
    label: str
    limit: int | None  # bob's per-host limit; None for the script
    walls: list[float] = field(default_factory=list)
    busy: list[float] = field(default_factory=list)  # CPUs of the machine busy, on average
    own_cpu: list[float] = field(default_factory=list)  # CPU seconds of this process
    steps: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    commands: list[int] = field(default_factory=list)  # SSH commands per run

    def add(self, meter: Meter) -> None:
        self.walls.append(meter.wall)
        self.busy.append(meter.busy)
        self.own_cpu.append(meter.own_cpu)


class Meter:
    """Wall time, this process's CPU time and the machine's busy CPUs over a ``with`` block."""

    wall = own_cpu = busy = 0.0

    def __enter__(self) -> Meter:
        self._start = (time.perf_counter(), time.process_time(), cpu_ticks())
        return self

    def __exit__(self, *_: object) -> None:
        wall, own, (busy, total) = self._start
        now_busy, now_total = cpu_ticks()
        self.wall = time.perf_counter() - wall
        self.own_cpu = time.process_time() - own
        cpus = os.cpu_count() or 1
        self.busy = cpus * (now_busy - busy) / max(now_total - total, 1)


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from /proc/stat (idle and iowait count as idle)."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:9]]
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


class CommandCounter(logging.Handler):
    """Counts the commands bob's SSH shells run (their ``host.command`` debug lines)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("host.command"):
            self.count += 1


# -- the plain script ---------------------------------------------------------------------------


def create_script(fleet: Fleet, host: Host, bobs: list[PlannedBob], cgroups: CgroupLayout) -> str:
    """POSIX sh doing, one Bob after another, what bob's create pipeline does on the host."""
    defaults = fleet.bob_defaults
    drop = ("lxc\\.net\\.", "lxc\\.cgroup", "lxc\\.hook\\.", "lxc\\.uts\\.name")
    sed = ["sed", "-i", *(a for p in drop for a in ("-e", f"/^[[:space:]]*{p}/d"))]
    sed += ["-e", f"/^{MARKER}/d"]
    q = shlex.join
    lines = ["set -eu"]
    for bob in bobs:
        config = str(layout.config_path(host, bob.disk, bob.name))
        log_file = str(layout.container_dir(host, bob.disk, bob.name) / START_LOG)
        ours = render(
            "",
            name=bob.name,
            job_id="bench",
            network=NetworkSpec(host.bridge, bob.ip, bob.prefix_length, bob.gateway),
            limits=defaults.cgroup,
            layout=cgroups,
            hooks={str(kind): path for kind, path in defaults.hooks.items()},
        )
        attach = commands.attach(host, bob.disk, bob.name, [])
        lines += [f"# {bob.describe()}"]
        lines += [q(argv) for argv in commands.clone(host, bob.disk, bob.name)]
        lines += [q([*sed, config]), f"cat >> {q([config])} <<'BOB_EOF'", ours + "BOB_EOF"]
        lines += [
            q(commands.start(host, bob.disk, bob.name, log_file)),
            q(commands.wait_running(host, bob.disk, bob.name, 10)),  # as WaitReady
            f"n=0; until ping -c 1 -W 1 -q {bob.ip} >/dev/null 2>&1; do"
            f' n=$((n+1)); [ "$n" -lt {PING_TRIES} ] || {{ echo "{bob.ip} silent" >&2; exit 1; }};'
            " sleep 0.1; done",
            f"printf '%s\\n' {bob.name} | {q([*attach, 'tee', '/etc/hostname'])} >/dev/null",
        ]
        if defaults.strip_identity:
            lines.append(q([*attach, "rm", "-f", *defaults.strip_identity]))
        if defaults.bootstrap:
            lines.append(q([*attach, *defaults.bootstrap]))
    return "\n".join(lines) + "\n"


def cleanup_script(host: Host, bobs: list[PlannedBob]) -> str:
    lines = []
    for bob in bobs:
        lines.append(q_or_true(commands.stop(host, bob.disk, bob.name)))
        lines += [q_or_true(argv) for argv in commands.remove(host, bob.disk, bob.name)]
    return "\n".join(lines) + "\n"


def q_or_true(argv: list[str]) -> str:
    return shlex.join(argv) + " >/dev/null 2>&1 || true"


async def ssh_script(info: SandboxInfo, script: str, what: str) -> str:
    """Run ``script`` on the host through one ssh; its stdout."""
    argv = ssh_argv(StatePaths(info.state_dir), info.hosts[0].address, ["sh", "-s"])
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(SCRIPT_TIMEOUT_S):
            out, err = await proc.communicate(script.encode())
    except BaseException:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    if proc.returncode != 0:
        raise BenchError(f"{what}: ssh sh -s exited {proc.returncode}: {err.decode()[-1500:]}")
    return out.decode()


async def assert_host_empty(info: SandboxInfo, host: Host) -> None:
    disks = " ".join(str(layout.disk_path(host, d.name)) for d in host.disks)
    out = await ssh_script(info, f"ls -A {disks}\n", "listing the disks")
    if any(line and not line.endswith(":") for line in out.splitlines()):
        raise BenchError(f"{HOST} is not empty after a cleanup:\n{out}")


# -- bob ----------------------------------------------------------------------------------------


@dataclass
class Bob:
    """bob's composition, as bot/runtime.py builds it, with a chosen per-host limit."""

    fleet: Fleet
    store: SqlStore
    per_host_limit: int

    async def create(self, count: int, variant: Variant, counter: CommandCounter) -> list[str]:
        pool = HostPool(self.fleet.hosts)
        runner = self._runner(pool)
        caller = _caller(f"create {count} on {HOST}")
        try:
            counter.count = 0
            with Meter() as meter:
                job, plan = await submit_create(
                    self.fleet, self.store, build(CreateBobs, count=count, host=HOST), caller
                )
                final = await runner.run(job.id)
        finally:
            await pool.close_all()
        if final.state is not JobState.SUCCEEDED:
            raise BenchError(f"bob create job {job.id} {final.state.value}: {final.error}")
        variant.add(meter)
        variant.commands.append(counter.count)
        for entry in await self.store.journal(job.id):
            if entry.event is StepEvent.SUCCEEDED and entry.duration_s is not None:
                variant.steps[entry.step].append(entry.duration_s)
        return plan.names

    async def destroy(self, names: list[str]) -> None:
        pool = HostPool(self.fleet.hosts)
        request = build(DestroyBobs, names=tuple(names))
        try:
            job, _ = await submit_destroy(self.fleet, self.store, request, _caller("destroy"))
            if job is None:
                raise BenchError(f"no destroy job for {names}: bob thinks they are gone")
            final = await self._runner(pool).run(job.id)
        finally:
            await pool.close_all()
        if final.state is not JobState.SUCCEEDED:
            raise BenchError(f"bob destroy job {job.id} {final.state.value}: {final.error}")

    def _runner(self, pool: HostPool) -> JobRunner:
        registry = JobKinds()
        kinds.register(registry, Pipeline(fleet=self.fleet, shells=pool, store=self.store))
        return JobRunner(
            self.store,
            registry,
            ProgressBus(),
            owner=unique_owner("bob-bench"),
            per_host_limit=self.per_host_limit,
        )


def _caller(command: str) -> Caller:
    return Caller(actor="bench", source="bench", origin=socket.gethostname(), command=command)


async def round_trip_ms(fleet: Fleet, tries: int = 20) -> float:
    """Median wall of bob's ``shell.run(["true"])`` on an open connection."""
    pool = HostPool(fleet.hosts)
    try:
        shell = pool.get(HOST)
        await shell.run(["true"])  # connect
        walls = []
        for _ in range(tries):
            started = time.perf_counter()
            await shell.run(["true"])
            walls.append(time.perf_counter() - started)
    finally:
        await pool.close_all()
    return statistics.median(walls) * 1000


# -- the bench ----------------------------------------------------------------------------------


def machine_facts() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"nproc {len(os.sched_getaffinity(0))}, load average {load}"


async def bench(info: SandboxInfo, db: Path, bobs: int, rounds: int) -> None:
    fleet = load_fleet(info.config_path)
    host = fleet.host(HOST)
    fstype = await ssh_script(info, shlex.join(DETECT_ARGV) + "\n", "cgroup detection")
    plan = plan_create(fleet, [], bobs, host=HOST)
    script = create_script(fleet, host, list(plan.bobs), layout_from_fstype(fstype))
    cleanup = cleanup_script(host, list(plan.bobs))
    store = await SqlStore.open(f"sqlite+aiosqlite:///{db}")
    counter = CommandCounter()
    hosts_log = logging.getLogger("bob.hosts")
    hosts_log.addHandler(counter)
    hosts_log.setLevel(logging.DEBUG)
    plain = Variant("script (sequential)", None)
    concurrent = Variant(f"bob concurrent (limit {PER_HOST_LIMIT})", PER_HOST_LIMIT)
    sequential = Variant("bob sequential (limit 1)", 1)
    try:
        for number in range(rounds):
            order = [plain, concurrent, sequential]
            for variant in order if number % 2 == 0 else order[::-1]:
                await assert_host_empty(info, host)
                if variant.limit is None:
                    with Meter() as meter:
                        await ssh_script(info, script, "the script")
                    variant.add(meter)
                    await ssh_script(info, cleanup, "the script's cleanup")
                else:
                    bob = Bob(fleet, store, variant.limit)
                    names = await bob.create(bobs, variant, counter)
                    await bob.destroy(names)
                print(
                    f"  round {number + 1}: {variant.label}: {variant.walls[-1]:.2f} s", flush=True
                )
        await assert_host_empty(info, host)
        rtt = await round_trip_ms(fleet)
    finally:
        hosts_log.removeHandler(counter)
        await store.close()
    report(bobs, [plain, concurrent, sequential], rtt)


def report(bobs: int, variants: list[Variant], rtt_ms: float) -> None:
    plain, concurrent, sequential = variants
    print(f"\n{bobs} Bobs on one overlay host (medians over the rounds)")
    print(
        f"  {'':26} {'wall s':>6} {'min s':>6}  {'busy CPUs':>9} {'CPU ms/Bob':>10}"
        f" {'bob ms/Bob':>10}   rounds (s)"
    )
    for v in variants:
        each = " ".join(f"{w:.2f}" for w in v.walls)
        wall, busy = statistics.median(v.walls), statistics.median(v.busy)
        cpu = statistics.median(b * w for b, w in zip(v.busy, v.walls, strict=True)) / bobs * 1000
        own = statistics.median(v.own_cpu) / bobs * 1000
        print(
            f"  {v.label:26} {wall:6.2f} {min(v.walls):6.2f}  {busy:9.1f} {cpu:10.0f}"
            f" {own:10.0f}   {each}"
        )
    print(
        "  (busy CPUs: machine-wide average; CPU ms/Bob: all of the machine's CPU time;"
        " bob ms/Bob: this process's)"
    )
    script = statistics.median(plain.walls)
    ratio = statistics.median(concurrent.walls) / script
    overhead = (statistics.median(sequential.walls) - script) / bobs * 1000
    # Even with no overhead at all, the script's work cannot finish faster than its CPU time
    # spread over every CPU of the machine: busy / CPUs of the script's wall.
    floor = statistics.median(plain.busy) / (os.cpu_count() or 1)
    print()
    verdict = "PASS" if ratio <= RATIO_GOAL else "MISS"
    print(f"  ratio bob concurrent / script   {ratio:7.2f}     goal <= {RATIO_GOAL}     {verdict}")
    print(f"    (floor on this machine: the script's CPU time over all CPUs = {floor:.2f})")
    verdict = "PASS" if overhead < OVERHEAD_GOAL_MS else "MISS"
    print(
        f"  per-Bob overhead (seq - script) {overhead:7.0f} ms  goal < {OVERHEAD_GOAL_MS:.0f} ms"
        f"  {verdict}"
    )
    print("\nbob's journal: median step duration, ms (per Bob, over all rounds)")
    print(f"  {'step':14} {'concurrent':>10} {'sequential':>10}")
    total_c = total_s = 0.0
    for step in (s.name for s in CREATE_STEPS):
        c = statistics.median(concurrent.steps[step]) * 1000
        s = statistics.median(sequential.steps[step]) * 1000
        total_c, total_s = total_c + c, total_s + s
        print(f"  {step:14} {c:10.1f} {s:10.1f}")
    print(f"  {'sum':14} {total_c:10.1f} {total_s:10.1f}")
    print(f"  script, whole Bob (median wall / {bobs}): {script / bobs * 1000:.1f} ms")
    per_bob = [statistics.median(v.commands) / bobs for v in (concurrent, sequential)]
    print(
        f"\nSSH commands per Bob: concurrent {per_bob[0]:.1f}, sequential {per_bob[1]:.1f};"
        f" bob's round trip for `true` on an open connection: {rtt_ms:.1f} ms (median of 20)"
    )


async def amain(bobs: int, rounds: int, work: Path) -> None:
    options = SandboxOptions(
        hosts=1,
        backend="overlay",
        state_dir=work / "sandbox",
        prefix=PREFIX,
        net_index=NET_INDEX,
        dns_port=free_port(),  # never the default sandbox's port
    )
    print(f"machine: {machine_facts()}")
    try:
        started = time.perf_counter()
        info = await sandbox_up(options)
        print(f"sandbox up in {time.perf_counter() - started:.1f} s: {options.describe()}")
        await bench(info, work / "bob.db", bobs, rounds)
    finally:
        await sandbox_down(options.state_dir)
        print(f"\nmachine after: {machine_facts()}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bobs", type=int, default=14, help="Bobs per run (default 14)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    args = parser.parse_args()
    if not (1 <= args.bobs <= 14 and args.rounds >= 1):
        parser.error("--bobs must be 1..14 (one host's slots) and --rounds at least 1")
    if os.geteuid() != 0:
        print("bench/create.py: the sandbox needs root", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="bob-bench-"))
    try:
        asyncio.run(amain(args.bobs, args.rounds, work))
    except KeyboardInterrupt:
        print("bench/create.py: interrupted", file=sys.stderr)
        return 130
    except BenchError as exc:
        print(f"bench/create.py: {exc}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C can cut the in-loop teardown short: finish it before removing files.
        if StatePaths(work / "sandbox").state_file.exists():
            asyncio.run(sandbox_down(work / "sandbox"))
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
