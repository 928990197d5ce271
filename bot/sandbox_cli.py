"""``bob sandbox up|down|status``: the local fleet of namespace hosts (see the sandbox package)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import ValidationError

from bot.parsing import Commands, add_command
from provisioning.config import load_fleet
from provisioning.errors import UsageError
from sandbox import (
    DEFAULT_DNS_PORT,
    DEFAULT_STATE_DIR,
    SandboxOptions,
    StatePaths,
    sandbox_down,
    sandbox_status,
    sandbox_up,
)


def add_parser(commands: Commands) -> None:
    sandbox = add_command(
        commands,
        "sandbox",
        help="a local fleet of physical hosts simulated with network namespaces (needs root)",
        description=(
            "Each sandbox host is a network namespace with its own sshd, bridge, LXC state and "
            "storage, reached over SSH like a real host. Addresses stay inside 10.250.0.0/16, "
            "which is blackholed in the root namespace first."
        ),
    )
    sandbox.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where the sandbox keeps keys, configs and host state; for status and down, "
        "default: $BOB_STATE_DIR, else the state_dir of --config or $BOB_CONFIG, if a sandbox "
        f"is recorded there, else {DEFAULT_STATE_DIR} (which up always defaults to)",
    )
    # --state-dir after the action too (`bob sandbox down --state-dir DIR`); SUPPRESS keeps
    # an action's missing flag from overwriting one given before it.
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument(
        "--state-dir", type=Path, metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    actions = sandbox.add_subparsers(dest="sandbox_action", required=True, metavar="ACTION")
    up = add_command(
        actions,
        "up",
        help="build the sandbox (a quick health check if it is up)",
        parents=[after],
        bare_handler=_up,
    )
    up.add_argument("--hosts", type=int, default=2, metavar="N", help="how many hosts (1-8)")
    up.add_argument(
        "--backend",
        choices=["overlay", "btrfs", "dir"],
        default="overlay",
        help="the hosts' storage backend (btrfs: a loop-mounted btrfs file per host)",
    )
    up.add_argument(
        "--base",
        choices=["busybox", "debian"],
        default="busybox",
        help="what Bobs are cloned from: busybox (tiny, built in seconds, offline) or debian "
        "(debootstrap: systemd and sshd like a real base; needs a mirror, ~3 min)",
    )
    up.add_argument(
        "--dns-port",
        type=int,
        default=DEFAULT_DNS_PORT,
        metavar="PORT",
        help="the sandbox BIND's port on 127.0.0.1",
    )
    # Another sandbox beside the default one (the tests' run in their own slots).
    up.add_argument(
        "--prefix",
        default=SandboxOptions().prefix,
        metavar="NAME",
        help="namespace name prefix, for a second sandbox on this machine",
    )
    up.add_argument(
        "--net-index",
        type=int,
        default=SandboxOptions().net_index,
        metavar="X",
        help="first third octet of its addresses in 10.250.0.0/16",
    )
    add_command(
        actions,
        "down",
        help="remove everything up made, bob's records of it too",
        parents=[after],
        bare_handler=_down,
    )
    add_command(
        actions,
        "status",
        help="the sandbox's hosts, their sshd and containers, and its DNS",
        parents=[after],
        bare_handler=_status,
    )


async def _up(args: argparse.Namespace) -> int:
    try:
        options = SandboxOptions(
            hosts=args.hosts,
            backend=args.backend,
            base=args.base,
            state_dir=args.state_dir or DEFAULT_STATE_DIR,
            dns_port=args.dns_port,
            prefix=args.prefix,
            net_index=args.net_index,
        )
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "options"
        raise UsageError(f"sandbox up: {where}: {problem['msg']}") from exc
    info = await sandbox_up(options)
    for host in info.hosts:
        print(f"{host.name}: namespace {host.namespace}, ssh root@{host.address}")
    print(
        f"DNS: BIND on 127.0.0.1:{options.dns_port} (zones bob.test and the hosts' reverse zones)"
    )
    print(f"fleet config: {info.config_path}")
    print(f"bob's records: {info.state_dir / 'bob.db'} (removed by `bob sandbox down`)")
    if options != SandboxOptions(state_dir=options.state_dir) or (
        options.state_dir != DEFAULT_STATE_DIR
    ):
        print(f"use it with: --config {info.config_path}  (or export BOB_CONFIG=...)")
    return 0


async def _down(args: argparse.Namespace) -> int:
    removed = await sandbox_down(recorded_state_dir(args))
    print("\n".join(removed) if removed else "nothing to remove")
    return 0


async def _status(args: argparse.Namespace) -> int:
    state_dir = recorded_state_dir(args)
    status = await sandbox_status(state_dir)
    if status.options is None:
        print(f"no sandbox in {state_dir}")
        return 1
    print(f"state directory: {state_dir}")
    print(f"sandbox: {status.options.describe()}, {'up' if status.up else 'NOT healthy'}")
    if status.dns is not None:
        dns = status.dns
        state = "up" if dns.alive else f"NOT answering for {', '.join(dns.unanswered) or 'all'}"
        print(f"  DNS {dns.address}:{dns.port}: {state}")
    for h in status.hosts:
        sshd = "sshd up" if h.sshd_alive else "sshd DOWN"
        ns = "" if h.namespace_exists else ", namespace MISSING"
        print(f"  {h.name} ({h.address}): {sshd}{ns}; containers: {', '.join(h.containers) or '-'}")
    return 0 if status.up else 1


def recorded_state_dir(args: argparse.Namespace) -> Path:
    """The sandbox ``status`` and ``down`` act on: the one the user's settings point at.

    ``--state-dir``; else ``$BOB_STATE_DIR`` or the fleet config's ``state_dir`` (``--config``,
    else ``$BOB_CONFIG``), the first that holds a sandbox record: `up` prints "use it with
    --config …", and a later `down` must take that sandbox, not the default one, down.
    """
    if args.state_dir is not None:
        return Path(args.state_dir)
    from bot.settings import read_environment  # loads the store's code: not for `--help`

    env = read_environment()
    candidates = [] if env.state_dir is None else [env.state_dir]
    config = getattr(args, "config", None) or env.config
    if config:
        fleet = load_fleet(Path(config))
        if fleet.state_dir is not None:
            candidates.append(fleet.state_dir)
    for candidate in candidates:
        if StatePaths(candidate).state_file.exists():
            return candidate
    return DEFAULT_STATE_DIR
