"""Staging environments: deploy a pull request, switch an idle one off and on, close it.

Each front end (CLI, webhook, Slack) goes through :class:`Stager`. A deploy is a job (its
output in the journal); switching off and waking are small direct actions, as a request
waiting at the gateway cannot wait for a job queue.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pydantic import Field

from handlers.create_plan import planner, read_dns
from handlers.provision import Caller, submit_destroy
from handlers.requests import DestroyBobs, _Request, build
from provisioning.config.models import Fleet, StagingSettings
from provisioning.core.health import unavailable
from provisioning.core.models import CreatePlan, Occupant
from provisioning.dns.port import DnsZoneClient
from provisioning.errors import BobError, ConflictError, UsageError
from provisioning.pipeline.containers import Container
from provisioning.pipeline.ready import wait_ready
from provisioning.ports import Shells, StateStore
from provisioning.records import BobState, JobRecord, JobState, NewJob
from provisioning.staging.app import answers, run_in_app, wait_port
from provisioning.staging.kind import STAGE
from provisioning.staging.nginx import Gateway, Upstream
from provisioning.staging.ports import StageStore
from provisioning.staging.records import (
    BRANCH_RE,
    StageEnv,
    StageState,
    bob_name,
    hostname,
    parse_ref,
)
from provisioning.staging.steps import Target

RunJob = Callable[[str], Awaitable[JobRecord]]
USAGE = "stage OWNER/NAME#N [--branch B] [--from GIT_URL] | stage list | stage close OWNER/NAME#N"


class StageDeploy(_Request):
    repo: str
    pr: int
    branch: str | None = Field(default=None, pattern=BRANCH_RE)
    git_url: str | None = Field(default=None, max_length=500)


class StageList(_Request):
    pass


class StageClose(_Request):
    repo: str
    pr: int


def parse_stage(args: list[str]) -> StageDeploy | StageList | StageClose:
    """The words after ``stage`` (chat): ``list``, ``close REF``, or ``REF [--branch B]
    [--from URL]``."""
    if args == ["list"]:
        return StageList()
    if len(args) == 2 and args[0] == "close":
        repo, pr = parse_ref(args[1])
        return StageClose(repo=repo, pr=pr)
    if not args:
        raise UsageError("stage needs a pull request, list or close")
    repo, pr = parse_ref(args[0])
    options: dict[str, str] = {}
    rest = iter(args[1:])
    for word in rest:
        key = {"--branch": "branch", "--from": "git_url"}.get(word)
        value = next(rest, None)
        if key is None or value is None:
            raise UsageError(f"unexpected {word!r}")
        options[key] = value
    if options.get("branch", "").startswith("-") or options.get("git_url", "").startswith("-"):
        raise UsageError("a branch or URL cannot start with '-'")
    return build(StageDeploy, repo=repo, pr=pr, **options)


def render_envs(rows: list[dict[str, str]]) -> str:
    """``bob stage list``'s table."""
    if not rows:
        return "no staging environments"
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns}
    lines = ["  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip()]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in columns).rstrip() for r in rows]
    return "\n".join(lines)


class StagingStore(StateStore, StageStore, Protocol):
    pass


@dataclass
class Stager:
    fleet: Fleet
    store: StagingStore
    shells: Shells
    run_job: RunJob
    dns: DnsZoneClient | None = None
    # Per environment: switching off, waking and closing never interleave in this process (a
    # sweep that read "up" must not stop a Bob a close just destroyed, nor route it again).
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def _lock(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())

    @property
    def settings(self) -> StagingSettings:
        return staging_of(self.fleet)

    @property
    def gateway(self) -> Gateway:
        return Gateway(self.settings.gateway)

    # -- deploy ------------------------------------------------------------------------------

    async def submit(
        self,
        repo: str,
        pr: int,
        caller: Caller,
        branch: str | None = None,
        git_url: str | None = None,
    ) -> JobRecord:
        """Record the environment as deploying and make its deploy job (a new Bob's first)."""
        staging, name = self.settings, bob_name(pr)
        env = await self.store.stage_env(pr)
        if env is not None and env.repo != repo:
            raise ConflictError(f"pr-{pr} is staged for {env.repo}, not {repo}")
        branch = branch or (env.branch if env else None)
        if branch is None:
            raise UsageError(f"{repo}#{pr}: which branch? (--branch)")
        url = (
            git_url
            or (env.git_url if env else None)
            or (staging.git_url.replace("{repo}", repo) if staging.git_url else None)
        )
        if url is None:
            raise UsageError(f"{repo}#{pr}: where from? (--from GIT_URL, or staging.git_url)")
        host = hostname(pr, staging.domain)
        await self.store.put_stage_env(
            StageEnv(
                pr=pr, repo=repo, branch=branch, git_url=url, bob=name,
                state=StageState.DEPLOYING, commit=env.commit if env else None,
                url=f"http://{host}/", last_request=env.last_request if env else None,
                updated_at=datetime.now(UTC),
            )
        )  # fmt: skip
        bob = await self.store.get_bob(name)
        # A Bob still being made (by the previous event's job) is redeployed after that job.
        making = [r for r in await self.store.list_reservations() if r.name == name]
        where = (bob.host, bob.disk) if bob and bob.state is BobState.READY else None
        where = where or ((making[0].host, making[0].disk) if making else None)
        try:
            if where is not None:
                target = Target(
                    pr=pr, name=name, host=where[0], disk=where[1], git_url=url,
                    branch=branch, hostname=host,
                )  # fmt: skip
                job = await self.store.create_job(self._new_job(target, caller))
            else:
                job = await self._reserve(pr, name, url, branch, host, caller)
        except BobError:
            await self.store.change_stage_env(pr, state=StageState.FAILED)
            raise
        await self.store.change_stage_env(pr, job_id=job.id)
        await self.store.audit(caller.entry("submitted", f"job {job.id}: stage {repo}#{pr}"))
        return job

    def _new_job(self, target: Target, caller: Caller) -> NewJob:
        return NewJob(
            kind=STAGE,
            params={"target": target.model_dump(mode="json")},
            requested_by=caller.actor,
            source=caller.source,
        )

    async def _reserve(
        self, pr: int, name: str, url: str, branch: str, host: str, caller: Caller
    ) -> JobRecord:
        view = await read_dns(self.fleet, self.dns)
        skip = unavailable(await self.store.host_states(), datetime.now(UTC))
        plan_one = planner(self.fleet, view, 1, unavailable=skip)

        def named(held: Sequence[Occupant]) -> CreatePlan:
            # The ordinary plan's slot and address, under the PR's name.
            planned = plan_one(held).bobs[0].model_copy(update={"name": name})
            return CreatePlan(bobs=(planned,))

        # Host and disk come from the plan (see provisioning.staging.kind).
        target = Target(
            pr=pr, name=name, host="", disk="", git_url=url, branch=branch, hostname=host
        )
        job, _ = await self.store.reserve(self._new_job(target, caller), named)
        return job

    async def deploy(self, job_id: str) -> JobRecord:
        """Run a deploy job; a failed one leaves the environment ``failed``."""
        job = await self.run_job(job_id)
        if job.state is not JobState.SUCCEEDED:
            pr = int(job.params["target"]["pr"])
            await self.store.change_stage_env(pr, state=StageState.FAILED)
        return job

    # -- off when idle, on when asked ----------------------------------------------------------

    def _container(self, env: StageEnv, host: str, disk: str) -> Container:
        return Container(self.shells.get(host), self.fleet.host(host), disk, env.bob, 120.0)

    async def _where(self, env: StageEnv) -> tuple[Container, ipaddress.IPv4Address]:
        bob = await self.store.get_bob(env.bob)
        if bob is None or bob.ip is None:
            raise ConflictError(f"{env.bob} is not in bob's records")
        return self._container(env, bob.host, bob.disk), bob.ip

    def last_request(self, env: StageEnv) -> datetime | None:
        return last_request(self.gateway, env)

    async def sweep(self, now: datetime | None = None) -> list[str]:
        """Switch off every environment nobody asked for in ``idle_off_s``; the names."""
        now = now or datetime.now(UTC)
        idle = timedelta(seconds=self.settings.idle_off_s)
        switched: list[str] = []
        for env in await self.store.stage_envs():
            if env.state is not StageState.UP:
                continue
            last = self.last_request(env)
            if now - max(t for t in (last, env.updated_at) if t is not None) < idle:
                continue
            if await self.switch_off(env, last):
                switched.append(env.bob)
        return switched

    async def switch_off(self, env: StageEnv, last: datetime | None = None) -> bool:
        """Route the hostname to the wake endpoint, then stop the container (its slot stays).
        False when it is no longer up (woken, redeployed or closed meanwhile)."""
        async with self._lock(env.bob):
            now = await self.store.stage_env(env.pr)
            if now is None or now.state is not StageState.UP or now.updated_at != env.updated_at:
                return False
            container, _ = await self._where(env)
            await self.gateway.route(env.bob, hostname(env.pr, self.settings.domain), None)
            await container.stop()
            await self.store.change_stage_env(env.pr, state=StageState.OFF, last_request=last)
            return True

    async def wake(self, name: str) -> Upstream:
        """Where the environment answers, started first if it is off."""
        async with self._lock(name):
            env = await self._env_named(name)
            container, address = await self._where(env)
            upstream = Upstream(address, self.settings.port)
            if env.state is StageState.UP and await answers(address, upstream.port):
                return upstream
            if env.state not in (StageState.UP, StageState.OFF):
                raise ConflictError(f"{name} is {env.state.value}")
            await container.start()
            await wait_ready(container, address)
            await run_in_app(container, self.settings, self.settings.start or self.settings.deploy)
            await wait_port(address, upstream.port)
            await self.gateway.route(name, hostname(env.pr, self.settings.domain), upstream)
            await self.store.change_stage_env(
                env.pr, state=StageState.UP, last_request=datetime.now(UTC)
            )
            return upstream

    async def _env_named(self, name: str) -> StageEnv:
        number = name.removeprefix("pr-")
        env = await self.store.stage_env(int(number)) if number.isdigit() else None
        if env is None:
            raise UsageError(f"no staging environment {name}")
        return env

    # -- what there is -----------------------------------------------------------------------

    async def listing(self, now: datetime | None = None) -> list[dict[str, str]]:
        """One row per environment, as ``bob stage list``, Slack and the board show it."""
        return await environments(self.settings, self.store, now)

    # -- close -----------------------------------------------------------------------------

    async def close(self, pr: int, caller: Caller) -> JobRecord | None:
        """Route, Bob (with its DNS records) and record gone; the destroy job, if one ran."""
        async with self._lock(bob_name(pr)):
            return await self._close(pr, caller)

    async def _close(self, pr: int, caller: Caller) -> JobRecord | None:
        env = await self.store.stage_env(pr)
        name = bob_name(pr)
        await self.gateway.unroute(name)
        job = None
        if await self.store.get_bob(name) is not None:  # a failed first deploy left none
            request = DestroyBobs(names=(name,))
            job, _ = await submit_destroy(self.fleet, self.store, request, caller)
        if job is not None:
            job = await self.run_job(job.id)
            if job.state is not JobState.SUCCEEDED:
                if env is not None:
                    await self.store.change_stage_env(pr, state=StageState.FAILED, job_id=job.id)
                return job
        await self.store.delete_stage_env(pr)
        return job


def ago(when: datetime | None, now: datetime) -> str:
    """``12 s ago``, ``in 4 h``; ``-`` for never."""
    if when is None:
        return "-"
    seconds = int((now - when).total_seconds())
    return f"in {_span(-seconds)}" if seconds < 0 else f"{_span(seconds)} ago"


def _span(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


async def environments(
    settings: StagingSettings, store: StageStore, now: datetime | None = None
) -> list[dict[str, str]]:
    """One row per environment: PR, branch, commit, URL, state, last request, expiry."""
    now = now or datetime.now(UTC)
    gateway = Gateway(settings.gateway)
    rows = []
    for env in await store.stage_envs():
        last = last_request(gateway, env)
        expiry = env.model_copy(update={"last_request": last}).expiry(settings.idle_off_s)
        rows.append(
            {
                "pr": f"{env.repo}#{env.pr}",
                "branch": env.branch,
                "commit": (env.commit or "-")[:12],
                "url": env.url,
                "state": env.state.value,
                "last request": ago(last, now),
                "expiry": "-" if expiry is None else f"off {ago(expiry, now)}",
            }
        )
    return rows


def last_request(gateway: Gateway, env: StageEnv) -> datetime | None:
    """nginx's latest log entry for it, or bob's record (a wake, an earlier sweep)."""
    seen = [t for t in (gateway.last_request(env.bob), env.last_request) if t]
    return max(seen) if seen else None


def staging_of(fleet: Fleet) -> StagingSettings:
    if fleet.staging is None:
        raise UsageError("staging is not configured: the fleet config has no staging section")
    return fleet.staging
