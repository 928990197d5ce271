"""``/bob stage …`` in Slack: deploy or close a pull request's environment, list them all.

The deploy and the close run in the serving process after the reply (their jobs are on the
board and in ``bob jobs``); the reply says where the environment will answer.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from handlers.staging import StageClose, StageDeploy, StageList, Stager, render_envs

if TYPE_CHECKING:  # bot.slack.commands imports this module for its dispatch table
    from bot.slack.commands import Invocation, Reply


def _stager(inv: Invocation) -> Stager:
    svc = inv.service
    return Stager(svc.fleet, svc.store, svc.shells, svc.runner.run, svc.dns)


async def _deploy(inv: Invocation, request: StageDeploy) -> Reply:
    from bot.slack.commands import Reply

    stager = _stager(inv)
    job = await stager.submit(
        request.repo, request.pr, inv.caller, branch=request.branch, git_url=request.git_url
    )
    url = f"http://pr-{request.pr}.{stager.settings.domain}/"
    return Reply(
        f"deploying {request.repo}#{request.pr} to {url} (job {job.id})",
        then=_ran(stager.deploy(job.id)),
    )


async def _close(inv: Invocation, request: StageClose) -> Reply:
    from bot.slack.commands import Reply

    stager = _stager(inv)
    return Reply(
        f"closing pr-{request.pr}: Bob, route and DNS",
        then=_ran(stager.close(request.pr, inv.caller)),
    )


async def _list(inv: Invocation, request: StageList) -> Reply:
    from bot.slack.blocks import code
    from bot.slack.commands import Reply

    return Reply(code(render_envs(await _stager(inv).listing())))


async def _ran(work: Awaitable[object]) -> None:
    await work


STAGE_DISPATCH: dict[type[Any], Any] = {
    StageDeploy: _deploy,
    StageClose: _close,
    StageList: _list,
}
