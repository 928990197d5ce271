"""From command text to a reply: parse, then one handler per request type.

Access was checked before this runs (guard.py, Bolt middleware). Every invalid command leaves
an audit row with the user, the channel and the text. All of it runs after Slack's ack (see
app.py); handlers return the answer, and work that must not wait for the answer to reach Slack
goes in ``Reply.then``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.slack.blocks import Block, code
from bot.slack.buttons import ask
from bot.slack.service import BobService
from bot.stage_slack import STAGE_DISPATCH
from handlers import queries, render
from handlers.cancel import Next, cancel_job
from handlers.jenkins import plan_attach, submit_attach, submit_detach
from handlers.limits import (
    LimitBobs,
    PlanLimits,
    ShowLimits,
    plan_limits,
    read_limits,
    render_limits,
    render_plan,
    submit_limits,
)
from handlers.lockers import LockerCommand
from handlers.lockers import perform as perform_locker
from handlers.parse import CommandError, Greeting, Help, greeting_text, help_text, parse
from handlers.plans import dry_run_destroy, render_destroy_plan
from handlers.provision import Caller, skipped_hosts, submit_create
from handlers.rebuild import plan_rebuild
from handlers.reconcile import render as render_reconcile
from handlers.refresh import PlanRefresh, RefreshBobs, plan_refresh, render_refresh_plan
from handlers.requests import (
    AttachBobs,
    CancelJob,
    CreateBobs,
    DestroyBobs,
    DetachBobs,
    ListBobs,
    ListJobs,
    PlanAttach,
    PlanCreate,
    PlanRebuild,
    RebuildBase,
    Reconcile,
    ShowJob,
)
from provisioning.errors import BobError, UsageError
from provisioning.hostcheck import CreatePreflight
from provisioning.words import plural

SLASH = "/bob"
RESTARTING = "bob is restarting; try again in a minute"
log = logging.getLogger("bob.slack")


@dataclass(frozen=True)
class Invocation:
    service: BobService
    user: str
    channel: str
    text: str

    @property
    def caller(self) -> Caller:
        return Caller(actor=self.user, source="slack", origin=self.channel, command=self.text)

    async def audit(self, outcome: str, detail: str | None = None) -> None:
        await self.service.store.audit(self.caller.entry(outcome, detail))


@dataclass(frozen=True)
class Reply:
    text: str
    ok: bool = True
    blocks: list[Block] | None = None
    then: Coroutine[Any, Any, None] | None = None
    # The job the command started: a mention's answer links to its message.
    job_id: str | None = None


Handler = Callable[[Invocation, Any], Awaitable[Reply]]


async def handle(inv: Invocation) -> Reply:
    if not inv.service.accepting:
        return Reply(RESTARTING, ok=False)
    try:
        parsed = parse(inv.text)
    except CommandError as exc:
        await inv.audit("invalid", str(exc).splitlines()[0])
        return Reply(_usage(str(exc)), ok=False)
    try:
        return await DISPATCH[type(parsed.request)](inv, parsed.request)
    except UsageError as exc:
        return Reply(f":warning: {exc}", ok=False)
    except BobError as exc:
        return Reply(f":x: {exc}", ok=False)
    except Exception:
        # Slack shows nothing useful for an unanswered command: always answer.
        log.exception("slack.command_crashed text=%r user=%s", inv.text, inv.user)
        return Reply(":x: bob failed on an internal error; it is in bob's log", ok=False)


def _usage(message: str) -> str:
    # The parser speaks in command words; in Slack they follow the slash command.
    return "\n".join(
        f"usage: `{SLASH} {line.removeprefix('usage: ')}`" if line.startswith("usage: ") else line
        for line in message.splitlines()
    )


# -- handlers -----------------------------------------------------------------------------------


async def _create(inv: Invocation, request: CreateBobs) -> Reply:
    svc = inv.service
    preflight = CreatePreflight(svc.fleet, svc.shells)
    job, plan = await submit_create(svc.fleet, svc.store, request, inv.caller, svc.dns, preflight)
    names = ", ".join(plan.names)
    skipped = "".join(f"\n{line}" for line in render.render_skipped(skipped_hosts(job)))
    return Reply(
        f"job {job.id}: creating {plural(len(plan.names), 'Bob')}"
        f" ({names}); progress follows in the channel{skipped}",
        then=_start(inv, job.id),
        job_id=job.id,
    )


async def _start(inv: Invocation, job_id: str) -> None:
    inv.service.start_job(job_id, inv.caller, inv.channel)


async def _plan(inv: Invocation, request: PlanCreate) -> Reply:
    svc = inv.service
    dry = await queries.dry_run_create(svc.fleet, svc.store, request, svc.dns)
    skipped = await queries.unavailable_hosts(svc.store, svc.fleet)
    return Reply(code(render.render_plan(dry.plan, skipped, dry.notes)))


async def _attach(inv: Invocation, request: AttachBobs) -> Reply:
    svc = inv.service
    job, choice = await submit_attach(svc.fleet, svc.store, svc.jenkins, request, inv.caller)
    names = ", ".join(b.name for b in choice.chosen)
    return Reply(
        f"job {job.id}: attaching {names} to {request.controller} as {request.label}",
        then=_start(inv, job.id),
        job_id=job.id,
    )


async def _plan_attach(inv: Invocation, request: PlanAttach) -> Reply:
    svc = inv.service
    choice = await plan_attach(svc.fleet, svc.store, svc.jenkins, request)
    return Reply(code(choice.describe()))


async def _detach(inv: Invocation, request: DetachBobs) -> Reply:
    svc = inv.service
    job, absent = await submit_detach(svc.store, svc.jenkins, request, inv.caller)
    none = f" (not attached: {', '.join(absent)})" if absent else ""
    if job is None:
        return Reply(f"nothing to detach{none}")
    return Reply(
        f"job {job.id}: draining and detaching{none}", then=_start(inv, job.id), job_id=job.id
    )


async def _rebuild(inv: Invocation, request: RebuildBase) -> Reply:
    svc = inv.service
    plan = await plan_rebuild(svc.fleet, svc.store, request, svc.shells)
    hosts = ", ".join(h.host for h in plan.hosts)
    what = f"rebuild the base on {hosts}"
    return await _confirm_first(
        inv, "rebuild-base", request, what, render.render_rebuild_plan(plan)
    )


async def _plan_rebuild(inv: Invocation, request: PlanRebuild) -> Reply:
    svc = inv.service
    return Reply(
        code(
            render.render_rebuild_plan(
                await plan_rebuild(svc.fleet, svc.store, request, svc.shells)
            )
        )
    )


async def _refresh(inv: Invocation, request: RefreshBobs) -> Reply:
    svc = inv.service
    plan = await plan_refresh(svc.fleet, svc.store, request)
    if not plan.bobs:
        return Reply(render_refresh_plan(plan))
    what = f"refresh {', '.join(b.name for b in plan.bobs)}"
    return await _confirm_first(inv, "refresh", request, what, render_refresh_plan(plan))


async def _plan_refresh(inv: Invocation, request: PlanRefresh) -> Reply:
    svc = inv.service
    return Reply(code(render_refresh_plan(await plan_refresh(svc.fleet, svc.store, request))))


async def _limit(inv: Invocation, request: LimitBobs) -> Reply:
    svc = inv.service
    job, changes = await submit_limits(svc.fleet, svc.store, svc.shells, request, inv.caller)
    return Reply(f"job {job.id}: {render_plan(changes, 'setting')}", then=_start(inv, job.id))


async def _plan_limits(inv: Invocation, request: PlanLimits) -> Reply:
    svc = inv.service
    changes = await plan_limits(svc.fleet, svc.store, svc.shells, request)
    return Reply(code(render_plan(changes)))


async def _show_limits(inv: Invocation, request: ShowLimits) -> Reply:
    svc = inv.service
    found = await read_limits(svc.fleet, svc.store, svc.shells, request.names)
    return Reply(code(render_limits(found)))


async def _reconcile(inv: Invocation, request: Reconcile) -> Reply:
    report = await inv.service.reconcile()
    if not request.fix or not report.findings:
        return Reply(code(render_reconcile(report)))
    what = f"repair {len(report.findings)} difference(s)"
    return await _confirm_first(inv, "reconcile --fix", request, what, render_reconcile(report))


async def _destroy(inv: Invocation, request: DestroyBobs) -> Reply:
    plan = await dry_run_destroy(inv.service.store, request)
    if not plan.doomed:
        return Reply(render_destroy_plan(plan))
    what = f"destroy {', '.join(b.name for b in plan.doomed)}"
    return await _confirm_first(inv, "destroy", request, what, render_destroy_plan(plan))


async def _confirm_first(
    inv: Invocation, command: str, request: Any, what: str, plan: str
) -> Reply:
    """Post ``plan`` with Confirm/Cancel for the requester (or an admin); nothing runs yet."""
    pending = inv.service.confirmations.add(
        requester=inv.user,
        channel=inv.channel,
        command=command.split()[0],
        text=inv.text,
        request=request,
        question=f"<@{inv.user}> asks to {what}",
    )
    await inv.audit("awaiting-confirmation", what)
    return Reply(
        f"{command} waits for a confirmation: press Confirm on the plan in the channel",
        then=ask(inv.service, pending, plan),
    )


async def _list(inv: Invocation, request: ListBobs) -> Reply:
    svc = inv.service
    overview = await queries.fleet_overview(svc.fleet, svc.store, request, svc.jenkins)
    return Reply(code(render.render_overview(overview)))


async def _jobs(inv: Invocation, request: ListJobs) -> Reply:
    jobs = await queries.recent_jobs(inv.service.store, request)
    return Reply(code(render.render_jobs(jobs, datetime.now(UTC))))


async def _job(inv: Invocation, request: ShowJob) -> Reply:
    job, journal = await queries.job_detail(inv.service.store, request)
    return Reply(code(render.render_job(job, journal, datetime.now(UTC))))


async def _cancel(inv: Invocation, request: CancelJob) -> Reply:
    cancel = await cancel_job(inv.service.store, request, inv.caller, datetime.now(UTC))
    if cancel.next is Next.CALLER:
        # No runner will see the request: this replica takes the job and undoes it.
        return Reply(cancel.text(), then=_start(inv, cancel.job.id))
    if cancel.accepted:
        # Stops a running step at once when the job runs in this process.
        await inv.service.runner.cancel(cancel.job.id)
    return Reply(cancel.text())


async def _locker(inv: Invocation, request: LockerCommand) -> Reply:
    svc = inv.service
    said, job = await perform_locker(svc.fleet, svc.store, inv.caller, request)
    if job is None:
        return Reply(code(said))
    return Reply(said, then=_start(inv, job.id))


async def _help(inv: Invocation, request: Help) -> Reply:
    return Reply(code(help_text(request.command)))


async def _greet(inv: Invocation, request: Greeting) -> Reply:
    head, *commands = greeting_text().splitlines()
    listed = code("\n".join(commands))
    return Reply(f"{head}\n{listed}\n`{SLASH} help` has the rest.")


DISPATCH: dict[type[Any], Handler] = {
    CreateBobs: _create,
    PlanCreate: _plan,
    DestroyBobs: _destroy,
    ListBobs: _list,
    ListJobs: _jobs,
    ShowJob: _job,
    CancelJob: _cancel,
    Help: _help,
    Greeting: _greet,
    AttachBobs: _attach,
    PlanAttach: _plan_attach,
    DetachBobs: _detach,
    RebuildBase: _rebuild,
    PlanRebuild: _plan_rebuild,
    RefreshBobs: _refresh,
    PlanRefresh: _plan_refresh,
    LimitBobs: _limit,
    PlanLimits: _plan_limits,
    ShowLimits: _show_limits,
    Reconcile: _reconcile,
    LockerCommand: _locker,
    **STAGE_DISPATCH,
}
