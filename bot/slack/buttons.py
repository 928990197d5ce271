"""Confirm and Cancel: posting a destructive plan, answering its buttons, expiring it.

Only the requester or an admin may answer: any other click is refused and audited before it
gets here (guard.py, Bolt middleware). An answer settles the confirmation exactly once, so
two quick clicks cannot start two jobs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.slack import blocks
from bot.slack.blocks import CONFIRM_ACTION
from bot.slack.confirm import Pending
from bot.slack.service import BobService
from handlers.jenkins import agents_of
from handlers.provision import Caller, submit_destroy
from handlers.rebuild import submit_rebuild
from handlers.reconcile import repair
from handlers.refresh import RefreshBobs, submit_refresh
from handlers.requests import DestroyBobs, RebuildBase, Reconcile
from provisioning.reconcile.repair import DestroyBob

NO_LONGER_VALID = "This confirmation is no longer valid (answered, expired or bob restarted)."

Confirmed = Callable[[BobService, Pending, Caller], Awaitable[str]]


async def ask(service: BobService, pending: Pending, plan: str) -> None:
    """Post the plan with its buttons, then expire it unless answered in time."""
    pending.ts = await service.poster.post(
        pending.channel,
        f"{pending.question} — confirm in Slack to go ahead\n{plan}",
        blocks.confirmation(pending.token, pending.question, plan, service.confirmations.ttl_s),
    )
    delay = max(pending.expires_at - service.confirmations.now(), 0.0)
    service.after(delay, lambda: _expire(service, pending))


async def _expire(service: BobService, pending: Pending) -> None:
    if service.confirmations.settle(pending.token) is not None:
        await _close(service, pending, "expired: nothing was done")
        caller = Caller(pending.requester, "slack", pending.channel, pending.text)
        await service.store.audit(caller.entry("expired", "no confirmation in time"))


async def answer(
    service: BobService, action: str, token: str, user: str, channel: str
) -> str | None:
    """Act on a button click; what to tell the clicker privately, if anything."""
    pending = service.confirmations.get(token)
    if pending is None:
        return NO_LONGER_VALID
    caller = Caller(user, "slack", channel, f"{action} {pending.text}")
    if service.confirmations.expired(pending):
        if service.confirmations.settle(token) is not None:
            await _close(service, pending, "expired: nothing was done")
            await service.store.audit(caller.entry("expired", "clicked after expiry"))
        return "This confirmation has expired. Nothing was done."
    if service.confirmations.settle(token) is None:
        return NO_LONGER_VALID
    if action != CONFIRM_ACTION:
        await service.store.audit(caller.entry("cancelled"))
        await _close(service, pending, f"cancelled by <@{user}>: nothing was done")
        return None
    await service.store.audit(caller.entry("confirmed"))
    outcome = await CONFIRMED[type(pending.request)](service, pending, caller)
    await _close(service, pending, f"confirmed by <@{user}>: {outcome}")
    return None


async def _close(service: BobService, pending: Pending, outcome: str) -> None:
    if pending.ts is not None:
        await service.poster.update(
            pending.channel,
            pending.ts,
            f"{pending.question}: {outcome}",
            blocks.settled(pending.question, outcome),
        )


async def _destroy(service: BobService, pending: Pending, caller: Caller) -> str:
    assert isinstance(pending.request, DestroyBobs)
    agents = await agents_of(service.store, service.jenkins, pending.request.names)
    job, gone = await submit_destroy(
        service.fleet, service.store, pending.request, caller, agents=agents
    )
    already = f" (already gone: {', '.join(gone)})" if gone else ""
    if job is None:
        return f"nothing to do{already}"
    service.start_job(job.id, caller, pending.channel)
    return f"job {job.id}{already}"


async def _rebuild(service: BobService, pending: Pending, caller: Caller) -> str:
    assert isinstance(pending.request, RebuildBase)
    job = await submit_rebuild(service.fleet, service.store, pending.request, caller)
    service.start_job(job.id, caller, pending.channel)
    return f"job {job.id}"


async def _refresh(service: BobService, pending: Pending, caller: Caller) -> str:
    assert isinstance(pending.request, RefreshBobs)
    job = await submit_refresh(service.fleet, service.store, pending.request, caller)
    if job is None:
        return "nothing to do: every Bob is on its host's current base"
    service.start_job(job.id, caller, pending.channel)
    return f"job {job.id}"


async def _reconcile(service: BobService, pending: Pending, caller: Caller) -> str:
    report = await service.reconcile()
    repairer = service.repairer(_destroyer(service, caller, pending.channel))
    done = await repair(report, repairer, service.store, caller, destructive=True)
    failed = f", {len(done.failed)} failed" if done.failed else ""
    return f"{len(done.repaired)} repaired{failed}"


def _destroyer(service: BobService, caller: Caller, channel: str) -> DestroyBob:
    """Reconcile's record repairs go through a normal destroy job, with its own thread."""

    async def destroy(name: str) -> str:
        request = DestroyBobs(names=(name,))
        agents = await agents_of(service.store, service.jenkins, request.names)
        job, _ = await submit_destroy(service.fleet, service.store, request, caller, agents=agents)
        if job is None:
            return "already gone"
        service.start_job(job.id, caller, channel)
        return f"destroy job {job.id} started"

    return destroy


CONFIRMED: dict[type[Any], Confirmed] = {
    DestroyBobs: _destroy,
    RebuildBase: _rebuild,
    RefreshBobs: _refresh,
    Reconcile: _reconcile,
}
