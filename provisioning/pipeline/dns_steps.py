"""DNS records for a Bob: A in the forward zone, PTR in the reverse zone, both tagged.

The claim carries the prerequisite "this PTR name does not exist", so two allocators can never
take one address. If the planned address was taken outside bob since the plan (a hand-made
record), the step claims the next free one in the same subnet and moves the reservation there.
"""

from __future__ import annotations

import ipaddress

from provisioning.config.models import Subnet
from provisioning.dns.allocate import claim_first_free
from provisioning.dns.errors import AddressTaken
from provisioning.dns.port import DnsZoneClient
from provisioning.dns.zone import reverse_zone
from provisioning.errors import ConfigError
from provisioning.jobs.steps import StepContext
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.create import BobStep


def subnet_of(pipeline: Pipeline, address: ipaddress.IPv4Address) -> Subnet:
    for subnet in pipeline.fleet.subnets:
        if address in subnet.cidr:
            return subnet
    raise ConfigError(f"{address} is in none of the configured subnets")


def dns_client(pipeline: Pipeline) -> DnsZoneClient:
    if pipeline.dns is None:
        raise ConfigError("the fleet config has no dns section")
    return pipeline.dns


class RegisterDns(BobStep):
    name = "dns"
    on_host = False

    async def _apply(self, ctx: StepContext) -> None:
        client = dns_client(self.p)
        address = await self.address(ctx)
        subnet = subnet_of(self.p, address)
        try:
            await client.claim(
                self.bob.name, subnet.forward_zone, address, reverse_zone(subnet), ctx.job.id
            )
            return
        except AddressTaken:
            await ctx.log(f"{address} is taken in DNS outside bob; claiming the next free one")
        held = {o.ip for o in await self.p.store.occupants() if o.ip is not None}
        settings = self.p.fleet.dns
        assert settings is not None  # dns_client() checked
        _, claimed = await claim_first_free(
            client,
            [subnet],  # same subnet: the plan's gateway and prefix stay right
            held | {address},
            name=self.bob.name,
            job_id=ctx.job.id,
            strategy=settings.allocation,
            concurrency=settings.scan_concurrency,
        )
        await self.p.store.readdress(ctx.job.id, self.bob.name, claimed)
        await ctx.log(f"claimed {claimed} instead of {address}")

    async def _undo(self, ctx: StepContext) -> None:
        address = await self.address(ctx)
        subnet = subnet_of(self.p, address)
        await dns_client(self.p).release(
            self.bob.name, address, subnet.forward_zone, reverse_zone(subnet)
        )

    async def check(self, ctx: StepContext) -> bool:
        # Claiming again is a no-op for the same job, so resume simply re-applies.
        return False
