"""The create plan, decided one way for ``create`` and for every dry run of it.

``bob plan create``, ``create --dry-run``, Slack's plan and the board's preview used to plan
from the store alone while ``create`` also counted what the DNS zones hold, so a dry run
showed a hand-made name or address that the create then skipped. Both now read DNS with
:func:`read_dns` and plan with :func:`planner`; a dry run that cannot read DNS says so.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from provisioning.config.models import Fleet
from provisioning.core.models import CreatePlan, Occupant
from provisioning.core.plan import plan_create
from provisioning.dns.allocate import forward_names, used_addresses
from provisioning.dns.errors import DnsError
from provisioning.dns.port import DnsZoneClient
from provisioning.dns.zone import reverse_zone
from provisioning.ports import Planner


@dataclass(frozen=True)
class DnsView:
    """What the zones hold that a plan must not hand out, and what a reader of it should know."""

    names: frozenset[str] = frozenset()
    addresses: frozenset[ipaddress.IPv4Address] = frozenset()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DryRun:
    plan: CreatePlan
    notes: tuple[str, ...] = ()


async def read_dns(fleet: Fleet, dns: DnsZoneClient | None) -> DnsView:
    """Names in the forward zones and, for the axfr strategy, addresses in the reverse zones.

    The scan strategy looks each address up when the job claims it (a taken one moves the Bob
    to the next free address), so its plan cannot know them yet: the view says so. Raises
    DnsError when the server does not answer.
    """
    if dns is None:
        return DnsView()
    names: set[str] = set()
    for zone in sorted({s.forward_zone for s in fleet.subnets}):
        names |= await forward_names(dns, zone)
    if fleet.dns is not None and fleet.dns.allocation == "scan":
        note = (
            "addresses are looked up in DNS one by one when claimed (allocation: scan); "
            "a taken one moves its Bob to the next free address"
        )
        return DnsView(names=frozenset(names), notes=(note,))
    addresses: set[ipaddress.IPv4Address] = set()
    for zone in sorted({reverse_zone(s) for s in fleet.subnets}):
        addresses |= used_addresses(await dns.axfr(zone))
    return DnsView(names=frozenset(names), addresses=frozenset(addresses))


async def read_dns_for_dry_run(
    fleet: Fleet, dns: DnsZoneClient | None, problem: str | None = None
) -> DnsView:
    """As :func:`read_dns`, but DNS that cannot be read (``problem``: no client could be made)
    becomes a note, not a failure: the plan is still worth seeing, as long as it says what it
    could not know."""
    if problem is None:
        try:
            return await read_dns(fleet, dns)
        except DnsError as exc:
            problem = str(exc)
    return DnsView(
        notes=(
            f"DNS not read ({problem}): this plan ignores the zones' records, "
            "and create refuses until DNS can be read",
        )
    )


def planner(
    fleet: Fleet,
    view: DnsView,
    count: int,
    *,
    host: str | None = None,
    unavailable: Mapping[str, str] | None = None,
) -> Planner:
    """The plan for ``count`` Bobs over whatever the store holds when it is called."""

    def plan(held: Sequence[Occupant]) -> CreatePlan:
        return plan_create(
            fleet,
            held,
            count,
            host=host,
            other_names=view.names,
            other_addresses=view.addresses,
            unavailable=unavailable,
        )

    return plan
