"""Carry out one finding's repair, after checking that it is still needed.

The findings come from a snapshot; between reading and repairing, a job may have started on
the same name. Every destructive repair therefore looks again first and stands down if the
thing is no longer an orphan.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace

from provisioning.config.models import Fleet
from provisioning.dns.port import DnsZoneClient
from provisioning.errors import ConfigError, ConflictError
from provisioning.hosts.errors import CommandFailed, HostError
from provisioning.jenkins.port import JenkinsController
from provisioning.lxc.config import Autostart, owner_of, with_autostart
from provisioning.pipeline import remote
from provisioning.pipeline.containers import Container
from provisioning.pipeline.host_bases import HostBases
from provisioning.pipeline.ready import wait_ready
from provisioning.ports import Shells, StateStore
from provisioning.reconcile.model import Finding, Repair
from provisioning.records import BobRecord, BobState

REMOVE_TIMEOUT_S = 120.0
START_TIMEOUT_S = 60.0

# Destroys one Bob the way `bob destroy` does (a journaled job); returns what happened.
DestroyBob = Callable[[str], Awaitable[str]]


@dataclass
class Repairer:
    fleet: Fleet
    store: StateStore
    shells: Shells
    dns: DnsZoneClient | None
    jenkins: Mapping[str, JenkinsController]
    destroy: DestroyBob

    async def repair(self, finding: Finding) -> str:
        """What was done; raises BobError when the repair failed."""
        match finding.repair:
            case Repair.REMOVE_CONTAINER:
                return await self._remove_container(finding)
            case Repair.REMOVE_MARK:
                await self._container(finding).unmark()
                return "clone mark removed"
            case Repair.DESTROY_BOB:
                return await self.destroy(finding.subject)
            case Repair.RELEASE_RESERVATION:
                freed = await self.store.release_reservations(
                    finding.args["job_id"], [finding.subject]
                )
                return f"reservation released ({freed})"
            case Repair.RELEASE_DNS:
                await self._dns().release(
                    finding.subject,
                    ipaddress.IPv4Address(finding.args["address"]),
                    finding.args["forward_zone"],
                    finding.args["reverse_zone"],
                )
                return f"A/PTR/TXT for {finding.args['address']} removed"
            case Repair.REGISTER_DNS:
                await self._dns().claim(
                    finding.subject,
                    finding.args["forward_zone"],
                    ipaddress.IPv4Address(finding.args["address"]),
                    finding.args["reverse_zone"],
                    finding.args["job_id"],
                )
                return f"A and PTR for {finding.args['address']} registered"
            case Repair.REMOVE_NODE:
                return await self._remove_node(finding)
            case Repair.RECORD_ATTACHMENT:
                return await self._record_attachment(finding)
            case Repair.REMOVE_BASE:
                return await self._remove_base(finding)
            case Repair.START_CONTAINER:
                return await self._start_container(finding)
            case Repair.SET_AUTOSTART:
                return await self._set_autostart(finding)
            case Repair.CLEAR_ATTACHMENT:
                await self.store.clear_attachment(finding.subject, finding.args["controller"])
                return "attachment record cleared"
            case None:
                raise ConflictError(f"{finding.kind.value} of {finding.subject}: no repair")

    def _container(self, finding: Finding) -> Container:
        assert finding.host is not None
        assert finding.disk is not None
        host = self.fleet.host(finding.host)
        shell = self.shells.get(finding.host)
        return Container(shell, host, finding.disk, finding.subject, REMOVE_TIMEOUT_S)

    async def _remove_container(self, finding: Finding) -> str:
        bob = await self.store.get_bob(finding.subject)
        held = [r for r in await self.store.list_reservations() if r.name == finding.subject]
        # A reservation of a job that is over holds the name for nothing but this container.
        live = [r for r in held if not (await self.store.get_job(r.job_id)).state.finished]
        if (bob is not None and (bob.host, bob.disk) == (finding.host, finding.disk)) or live:
            raise ConflictError(f"{finding.subject} is in bob's records now: left alone")
        container = self._container(finding)
        await container.remove()
        await container.unmark()
        return "container and volume removed"

    async def _ready_bob(self, finding: Finding) -> BobRecord:
        """The Bob the finding is about, still ready where the pass saw it; else stand down."""
        bob = await self.store.get_bob(finding.subject)
        if (
            bob is None
            or bob.state is not BobState.READY
            or (bob.host, bob.disk) != (finding.host, finding.disk)
            or ("address" in finding.args and str(bob.ip) != finding.args["address"])
        ):
            raise ConflictError(f"{finding.subject} is no longer that ready Bob: left alone")
        return bob

    async def _start_container(self, finding: Finding) -> str:
        """Start a ready Bob's stopped container, then wait until it is up as a new Bob must be."""
        await self._ready_bob(finding)
        container = replace(self._container(finding), timeout=START_TIMEOUT_S)
        state = await container.state()
        if state != "STOPPED":
            now = state or "gone"
            raise ConflictError(f"{finding.subject}'s container is {now} now: left alone")
        try:
            await container.start()
        except CommandFailed as exc:
            detail = await container.start_log_excerpt()
            raise HostError(f"{exc}\n{detail}".rstrip(), host=exc.host) from exc
        address = ipaddress.IPv4Address(finding.args["address"])
        await wait_ready(container, address)
        return f"container started: RUNNING, {address} answers ping"

    async def _set_autostart(self, finding: Finding) -> str:
        """Rewrite the lxc.start lines of a ready Bob's config; the rest of it stays as it is."""
        bob = await self._ready_bob(finding)
        container = self._container(finding)
        config = await container.config() or ""
        owner = owner_of(config)
        if owner is None or owner[0] != bob.name:
            raise ConflictError(f"{container.config_path} is not {bob.name}'s as bob wrote it")
        wanted = Autostart(order=int(finding.args["order"]), delay=int(finding.args["delay"]))
        text = with_autostart(config, wanted)
        await remote.write_file(container.shell, container.config_path, text)
        return f"lxc.start lines set: order {wanted.order}, delay {wanted.delay} s"

    async def _remove_base(self, finding: Finding) -> str:
        assert finding.host is not None
        bases = HostBases(self.shells.get(finding.host), self.fleet.host(finding.host))
        state = await bases.state()
        if state.lock is not None or finding.subject == state.current:
            raise ConflictError(f"{finding.subject} on {finding.host} is in use now: left alone")
        if finding.subject in await bases.referenced():
            raise ConflictError(f"a clone on {finding.host} uses {finding.subject} now: left alone")
        removed = await bases.remove(finding.subject)
        return "old base removed" if removed else "already gone"

    async def _remove_node(self, finding: Finding) -> str:
        name, controller = finding.subject, self.jenkins[finding.args["controller"]]
        if await self.store.get_bob(name) is not None:
            raise ConflictError(f"{name} is in bob's records now: its agent is left alone")
        await controller.drain(name, "bob reconcile: this agent's Bob does not exist")
        result = await controller.detach(name)
        if result.status == "busy":
            raise ConflictError(
                f"{name} on {controller.name} runs {result.busy_executors} build(s): drained, "
                "run reconcile --fix again when it is idle"
            )
        return f"agent {result.status} from {controller.name}"

    async def _record_attachment(self, finding: Finding) -> str:
        controller, label = finding.args["controller"], finding.args["label"]
        config = next((c for c in self.fleet.jenkins if c.name == controller), None)
        heavy = config is not None and label in config.heavy_labels
        bob = await self.store.get_bob(finding.subject)
        if bob is not None and bob.controller is not None:
            await self.store.clear_attachment(finding.subject, bob.controller)
        if not await self.store.claim_attachment(finding.subject, controller, label, heavy):
            raise ConflictError(f"{finding.subject}: its record changed meanwhile")
        return f"recorded as {controller}/{label}"

    def _dns(self) -> DnsZoneClient:
        if self.dns is None:
            raise ConfigError("the fleet config has no dns section")
        return self.dns
