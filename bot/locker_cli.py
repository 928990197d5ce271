"""``bob locker create|list|mount|unmount|destroy``: data volumes mounted into running Bobs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.common import EXIT_OK, cli_caller, follow
from bot.parsing import Commands, RawHelpFormatter, add_command
from provisioning.errors import UsageError

if TYPE_CHECKING:  # imported by the command when it runs: `bob --help` needs none of it
    from bot.settings import Settings
    from provisioning.store import SqlStore

ABOUT = """\
A locker is a volume on one host (a directory; a btrfs subvolume on btrfs; a logical volume
on lvm) that outlives every Bob. Mounted, it is /lockers/NAME inside the Bob, at once and
without a restart. Destroying or refreshing a Bob unmounts its lockers, never deletes them.
A locker is read-write in one Bob at a time unless every such mount says --shared.
A locker named like a Bob, and those in bob_defaults.lockers, are mounted at its create.
"""


def add_parser(commands: Commands) -> None:
    locker = add_command(
        commands,
        "locker",
        help="persistent data volumes mounted into running Bobs",
        description=ABOUT,
        formatter_class=RawHelpFormatter,
        handler=_locker,
    )
    actions = locker.add_subparsers(dest="locker_action", required=True, metavar="ACTION")
    create = add_command(actions, "create", help="make a locker on a host")
    create.add_argument("name", metavar="NAME", help="the locker's name")
    create.add_argument("--host", required=True, metavar="HOST", help="the host it lives on")
    create.add_argument(
        "--size", metavar="SIZE", help="e.g. 10G: the volume's size on lvm (elsewhere recorded)"
    )
    add_command(actions, "list", help="every locker and where it is mounted")
    mount = add_command(actions, "mount", help="mount a locker into a running Bob at /lockers/NAME")
    mount.add_argument("name", metavar="NAME", help="the locker")
    mount.add_argument("bob", metavar="BOB", help="the running Bob to mount it into")
    mount.add_argument("--read-only", action="store_true", help="the Bob cannot write to it")
    mount.add_argument(
        "--shared",
        action="store_true",
        help="may be read-write in other Bobs at once (every such mount must say so)",
    )
    unmount = add_command(actions, "unmount", help="take a locker out of a Bob")
    unmount.add_argument("name", metavar="NAME", help="the locker")
    unmount.add_argument("bob", metavar="BOB", help="the Bob it is mounted into")
    destroy = add_command(
        actions, "destroy", help="delete a locker and its data (never while mounted)"
    )
    destroy.add_argument("name", metavar="NAME", help="the locker")
    destroy.add_argument("--yes", action="store_true", help="required: the data is deleted")


async def _locker(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from bot.runtime import runtime
    from handlers.lockers import LockerCommand, perform
    from handlers.requests import build

    action = args.locker_action
    if action == "destroy" and not args.yes:
        raise UsageError(f"destroying locker {args.name} deletes its data: pass --yes")
    command = build(
        LockerCommand,
        action=action,
        name=getattr(args, "name", None),
        bob=getattr(args, "bob", None),
        host=getattr(args, "host", None),
        size=getattr(args, "size", None),
        read_only=getattr(args, "read_only", False),
        shared=getattr(args, "shared", False),
        yes=getattr(args, "yes", False),
    )
    named = [] if action == "list" else [args.name]
    named += [args.bob] if action in ("mount", "unmount") else []
    caller = cli_caller(" ".join(["locker", action, *named]))
    said, job = await perform(settings.fleet, store, caller, command)
    print(said, flush=True)
    if job is None:
        return EXIT_OK
    async with runtime(settings, store) as rt:
        return await follow(rt, caller, job.id)
