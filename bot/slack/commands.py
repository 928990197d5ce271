"""From command text to a reply: parse, check access, then one handler per request type.

Every refusal and every invalid command leaves an audit row with the user, the channel and
the text. All of it runs after Slack's ack (see app.py); handlers return the answer, and work
that must not wait for the answer to reach Slack goes in ``Reply.then``.
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
from handlers.parse import CommandError, Help, help_text, parse
from handlers.plans import dry_run_destroy, render_destroy_plan
from handlers.provision import Caller, skipped_hosts, submit_create
from handlers.rebuild import plan_rebuild
from handlers.reconcile import reconcile
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
        await self.service.rt.store.audit(self.caller.entry(outcome, detail))


@dataclass(frozen=True)
class Reply:
    text: str
    ok: bool = True
    blocks: list[Block] | None = None
    then: Coroutine[Any, Any, None] | None = None


Handler = Callable[[Invocation, Any], Awaitable[Reply]]


async def handle(inv: Invocation) -> Reply:
    if not inv.service.accepting:
        return Reply(RESTARTING, ok=False)
    try:
        parsed = parse(inv.text)
    except CommandError as exc:
        await inv.audit("invalid", str(exc).splitlines()[0])
        return Reply(_usage(str(exc)), ok=False)
    decision = await inv.service.gate.check(parsed.command, inv.user)
    if not decision.allowed:
        await inv.audit("refused", decision.reason)
        return Reply(f":no_entry: {decision.reason}. Nothing was done.", ok=False)
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
    rt, dns = inv.service.rt, inv.service.submit_dns
    preflight = CreatePreflight(rt.settings.fleet, rt.shells)
    job, plan = await submit_create(
        rt.settings.fleet, rt.store, request, inv.caller, dns, preflight
    )
    names = ", ".join(plan.names)
    skipped = "".join(f"\n{line}" for line in render.render_skipped(skipped_hosts(job)))
    return Reply(
        f"job {job.id}: creating {len(plan.names)} Bob{'s' if len(plan.names) != 1 else ''}"
        f" ({names}); progress follows in the channel{skipped}",
        then=_start(inv, job.id),
    )


async def _start(inv: Invocation, job_id: str) -> None:
    inv.service.start_job(job_id, inv.caller, inv.channel)


async def _plan(inv: Invocation, request: PlanCreate) -> Reply:
    rt = inv.service.rt
    dry = await queries.dry_run_create(rt.settings.fleet, rt.store, request, rt.dns)
    skipped = await queries.unavailable_hosts(rt.store, rt.settings.fleet)
    return Reply(code(render.render_plan(dry.plan, skipped, dry.notes)))


async def _attach(inv: Invocation, request: AttachBobs) -> Reply:
    rt = inv.service.rt
    job, choice = await submit_attach(rt.settings.fleet, rt.store, rt.jenkins, request, inv.caller)
    names = ", ".join(b.name for b in choice.chosen)
    return Reply(
        f"job {job.id}: attaching {names} to {request.controller} as {request.label}",
        then=_start(inv, job.id),
    )


async def _plan_attach(inv: Invocation, request: PlanAttach) -> Reply:
    rt = inv.service.rt
    choice = await plan_attach(rt.settings.fleet, rt.store, rt.jenkins, request)
    return Reply(code(choice.describe()))


async def _detach(inv: Invocation, request: DetachBobs) -> Reply:
    rt = inv.service.rt
    job, absent = await submit_detach(rt.store, rt.jenkins, request, inv.caller)
    none = f" (not attached: {', '.join(absent)})" if absent else ""
    if job is None:
        return Reply(f"nothing to detach{none}")
    return Reply(f"job {job.id}: draining and detaching{none}", then=_start(inv, job.id))


async def _rebuild(inv: Invocation, request: RebuildBase) -> Reply:
    rt = inv.service.rt
    plan = await plan_rebuild(rt.settings.fleet, rt.store, request, rt.shells)
    hosts = ", ".join(h.host for h in plan.hosts)
    what = f"rebuild the base on {hosts}"
    return await _confirm_first(
        inv, "rebuild-base", request, what, render.render_rebuild_plan(plan)
    )


async def _plan_rebuild(inv: Invocation, request: PlanRebuild) -> Reply:
    rt = inv.service.rt
    return Reply(
        code(
            render.render_rebuild_plan(
                await plan_rebuild(rt.settings.fleet, rt.store, request, rt.shells)
            )
        )
    )


async def _refresh(inv: Invocation, request: RefreshBobs) -> Reply:
    rt = inv.service.rt
    plan = await plan_refresh(rt.settings.fleet, rt.store, request)
    if not plan.bobs:
        return Reply(render_refresh_plan(plan))
    what = f"refresh {', '.join(b.name for b in plan.bobs)}"
    return await _confirm_first(inv, "refresh", request, what, render_refresh_plan(plan))


async def _plan_refresh(inv: Invocation, request: PlanRefresh) -> Reply:
    rt = inv.service.rt
    return Reply(
        code(render_refresh_plan(await plan_refresh(rt.settings.fleet, rt.store, request)))
    )


async def _reconcile(inv: Invocation, request: Reconcile) -> Reply:
    rt = inv.service.rt
    report = await reconcile(rt.settings.fleet, rt.store, rt.shells, rt.dns, rt.jenkins)
    if not request.fix or not report.findings:
        return Reply(code(render_reconcile(report)))
    what = f"repair {len(report.findings)} difference(s)"
    return await _confirm_first(inv, "reconcile --fix", request, what, render_reconcile(report))


async def _destroy(inv: Invocation, request: DestroyBobs) -> Reply:
    plan = await dry_run_destroy(inv.service.rt.store, request)
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
    rt = inv.service.rt
    overview = await queries.fleet_overview(rt.settings.fleet, rt.store, request, rt.jenkins)
    return Reply(code(render.render_overview(overview)))


async def _jobs(inv: Invocation, request: ListJobs) -> Reply:
    jobs = await queries.recent_jobs(inv.service.rt.store, request)
    return Reply(code(render.render_jobs(jobs, datetime.now(UTC))))


async def _job(inv: Invocation, request: ShowJob) -> Reply:
    job, journal = await queries.job_detail(inv.service.rt.store, request)
    return Reply(code(render.render_job(job, journal, datetime.now(UTC))))


async def _cancel(inv: Invocation, request: CancelJob) -> Reply:
    cancel = await cancel_job(inv.service.rt.store, request, inv.caller, datetime.now(UTC))
    if cancel.next is Next.CALLER:
        # No runner will see the request: this replica takes the job and undoes it.
        return Reply(cancel.text(), then=_start(inv, cancel.job.id))
    if cancel.accepted:
        # Stops a running step at once when the job runs in this process.
        await inv.service.rt.runner.cancel(cancel.job.id)
    return Reply(cancel.text())


async def _help(inv: Invocation, request: Help) -> Reply:
    return Reply(code(help_text(request.command)))


DISPATCH: dict[type[Any], Handler] = {
    CreateBobs: _create,
    PlanCreate: _plan,
    DestroyBobs: _destroy,
    ListBobs: _list,
    ListJobs: _jobs,
    ShowJob: _job,
    CancelJob: _cancel,
    Help: _help,
    AttachBobs: _attach,
    PlanAttach: _plan_attach,
    DetachBobs: _detach,
    RebuildBase: _rebuild,
    PlanRebuild: _plan_rebuild,
    RefreshBobs: _refresh,
    PlanRefresh: _plan_refresh,
    Reconcile: _reconcile,
    **STAGE_DISPATCH,
}
