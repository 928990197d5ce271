"""``bob host check [HOST…]`` and ``bob host prepare HOST``: is a host ready for Bobs?"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.common import EXIT_FAILED, EXIT_OK
from bot.parsing import Commands, RawHelpFormatter, add_command, add_json_option
from provisioning.errors import UsageError

if TYPE_CHECKING:  # imported by the command when it runs: `bob --help` needs none of it
    from provisioning.config.models import Fleet, Host
    from provisioning.hostcheck import Limits

CHECKS = """\
checks, one line each per host:
  ssh          an SSH session as configured, the host key accepted by the known_hosts file
  lxc          LXC installed, 3.0 or later
  cgroup       the cgroup layout (v1 or v2) bob writes limits for
  bridge       the host's bridge exists and is a bridge (the operator's to make)
  storage      the backend is usable: btrfs under storage.root for btrfs, overlayfs in the
               kernel for overlay, the LVM tools and each disk's volume group for lvm
  disk NAME    the disk's lxcpath {storage.root}/NAME exists and is writable (bob's: prepare)
  base         the base lxcpath {storage.root}/base exists and has a current base (its version)
  free NAME    free space on the disk, at least --min-free (advice: does not stop a create)
  boot NAME    the disk's autostart unit enabled, on a systemd host (advice; prepare adds it)
  clock        the host's clock against this machine's, within --max-skew (advice)

A create checks the hosts its plan uses the same way first and stops, reserving nothing, if
one fails a check that is not advice (a host SSH cannot reach is left to the job, as before).
"""
_SIZE = re.compile(r"^([0-9]+)([KMGT]?)$")


def add_parser(commands: Commands) -> None:
    host = add_command(
        commands,
        "host",
        help="check a host is ready for Bobs; prepare what bob owns there",
        description="Read-only checks of the hosts in the fleet config, and `prepare` for the "
        "part of a host bob owns (its disks' and base's lxcpaths).",
    )
    actions = host.add_subparsers(dest="host_action", required=True, metavar="ACTION")
    check = add_command(
        actions,
        "check",
        help="one line per check per host; exit 0 only if every check passes",
        description="Checks every host (or those named) at once, over SSH with each host's\n"
        "connect timeout. Changes nothing on a host but a throw-away directory that\n"
        "proves each storage directory writable.",
        epilog=CHECKS,
        formatter_class=RawHelpFormatter,
        bare_handler=_check,
    )
    check.add_argument("hosts", nargs="*", metavar="HOST", help="only these hosts (default all)")
    add_json_option(check)
    _add_limits(check)
    prepare = add_command(
        actions,
        "prepare",
        help="make the disks' and base's lxcpaths; refuse (and name) what is not bob's",
        description="Makes the directories bob owns on HOST ({storage.root}/DISK for each "
        "disk, {storage.root}/base), then checks the host. Everything else a check finds "
        "missing (the bridge, a btrfs mount, a volume group, LXC) is the operator's: prepare "
        "says so and exits non-zero. A missing base is built by `bob rebuild-base HOST`.",
        bare_handler=_prepare,
    )
    prepare.add_argument("host", metavar="HOST", help="a host from the fleet config")
    _add_limits(prepare)


def _add_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--min-free", default="1G", metavar="SIZE", help="free space each disk must have"
    )
    parser.add_argument(
        "--max-skew",
        type=float,
        default=5.0,
        metavar="S",
        help="how far in seconds the host's clock may be from this machine's",
    )


async def _check(args: argparse.Namespace) -> int:
    from provisioning.hostcheck import check_hosts
    from provisioning.hosts.ssh import HostPool

    fleet = _fleet(args)
    hosts = _hosts(fleet, args.hosts)
    pool = HostPool(hosts)
    try:
        reports = await check_hosts(hosts, pool, _limits(args))
    finally:
        await pool.close_all()
    if args.json:
        from handlers.documents import host_check_document, to_json

        print(to_json(host_check_document(reports)))
    else:
        for report in reports:
            print("\n".join(r.line() for r in report.results))
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


async def _prepare(args: argparse.Namespace) -> int:
    from provisioning.hostcheck import prepare_host
    from provisioning.hosts.ssh import HostPool

    fleet = _fleet(args)
    (host,) = _hosts(fleet, [args.host])
    pool = HostPool([host])
    try:
        done = await prepare_host(host, pool.get(host.name), _limits(args))
    finally:
        await pool.close_all()
    for path in done.made:
        print(f"{host.name}  made {path}")
    print("\n".join(r.line() for r in done.report.results))
    left = done.report.failed()
    if left:
        print(f"{host.name}: not ready; what is left is not bob's to make:")
        print(
            "\n".join(f"  {r.check}: {r.detail}" + (f" ({r.fix})" if r.fix else "") for r in left)
        )
        return EXIT_FAILED
    print(f"{host.name}: ready")
    return EXIT_OK


def _fleet(args: argparse.Namespace) -> Fleet:
    from bot.settings import load_settings

    return load_settings(getattr(args, "config", None)).fleet


def _hosts(fleet: Fleet, names: Sequence[str]) -> list[Host]:
    known = {h.name: h for h in fleet.hosts}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown host {', '.join(unknown)}; known hosts: {', '.join(known)}")
    return [known[n] for n in names] if names else list(fleet.hosts)


def _limits(args: argparse.Namespace) -> Limits:
    from provisioning.hostcheck import Limits

    match = _SIZE.match(args.min_free.upper())
    if match is None:
        raise UsageError(f"--min-free: {args.min_free!r} is not a size like 512M or 2G")
    unit = 1024 ** " KMGT".index(match.group(2) or " ")
    if args.max_skew <= 0:
        raise UsageError("--max-skew must be above 0")
    return Limits(min_free_bytes=int(match.group(1)) * unit, max_skew_s=args.max_skew)
