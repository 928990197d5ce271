"""The limits column of the board: each Bob's limits as its host's LXC configs keep them."""

from __future__ import annotations

from bot.web.board_page import board_fragment
from bot.web.filters import Filters
from bot.web.snapshot import Board
from handlers.limits import fleet_limits, in_short
from handlers.overview import build_overview
from provisioning.fakes import FakeShell
from provisioning.hosts.errors import HostUnreachable
from provisioning.hosts.shell import HostShell
from tests.fleets import make_fleet
from tests.handlers.test_limit_views import BOB  # bob001 ready on host-a/disk1, slot 0

FLEET = make_fleet(((2,), (2,)))


class TwoHosts:
    def __init__(self) -> None:
        self.a, self.b = FakeShell("host-a"), FakeShell("host-b")

    def get(self, host: str) -> HostShell:
        return self.a if host == "host-a" else self.b


def test_a_configs_limits_in_short_whichever_layout_its_lines_are_for():
    v1 = "lxc.cgroup.memory.limit_in_bytes = 268435456\nlxc.cgroup.cpu.shares = 512\n"
    v2 = "lxc.cgroup2.memory.max = 2147483648\nlxc.cgroup2.cpuset.cpus = 0-1\nlxc.cgroup.dir = x\n"
    assert ("256M · shares 512", "2G · cpus 0-1", "") == (in_short(v1), in_short(v2), in_short(""))


async def test_every_hosts_configs_are_read_in_one_command_and_a_host_away_is_left_out():
    shells = TwoHosts()
    root = FLEET.hosts[0].storage.root
    shells.a.on(
        "sh",
        stdout=f"{root}/disk1/bob001/config:lxc.cgroup.memory.limit_in_bytes = 201326592\n"
        f"{root}/disk1/bob001/config:lxc.cgroup.cpuset.cpus = 0\n"
        f"{root}/disk1/bob002/config:lxc.cgroup.cpu.shares = 300\n",
    )
    away = HostUnreachable(host="host-b", address="10.250.0.6", port=22, reason="no route")
    shells.b.on("sh", raises=away)

    found = await fleet_limits(FLEET, shells)

    assert {"bob001": "192M · cpus 0", "bob002": "shares 300"} == found
    assert [f"{root}/disk1"] == list(shells.a.argvs[0][4:])


def test_the_board_shows_each_bobs_limits_beside_it():
    board = Board(build_overview(FLEET, [BOB], []), [], frozenset(), {"bob001": "192M · cpus 0"})

    fragment = board_fragment(board, Filters())

    assert (
        '<span class="limits" title="cgroup limits (its LXC config)">192M · cpus 0</span>'
        in fragment
    )
