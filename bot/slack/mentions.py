"""Answering an ``@bob`` mention in its own thread, where the conversation is.

A refusal or a mistake is shown only to the one who asked, in that same thread (not in the
channel beside it). A mention that starts a job is answered once the job's message is in the
channel, with a link to it: the mention's thread then leads to the job's.
"""

from __future__ import annotations

import asyncio

from bot.slack import blocks
from bot.slack.commands import Invocation, Reply
from bot.slack.service import BobService

# How long an answer waits for its job's message to be posted before it goes without a link.
JOB_MESSAGE_WAIT_S = 10.0
_POLL_S = 0.05


async def answer_mention(
    service: BobService, inv: Invocation, reply: Reply, thread_ts: str
) -> None:
    if not reply.ok:
        await service.poster.ephemeral(inv.channel, inv.user, reply.text, thread_ts=thread_ts)
        return
    text = reply.text
    if reply.job_id is not None and (link := await job_message_link(service, reply.job_id)):
        text = f"{text}\n<{link}|the job's progress>"
    await service.poster.post(
        inv.channel, text, reply.blocks or blocks.reply(text), thread_ts=thread_ts
    )


async def job_message_link(
    service: BobService, job_id: str, wait_s: float = JOB_MESSAGE_WAIT_S
) -> str | None:
    """A link to the job's message once it is posted; None if that takes over ``wait_s``."""
    try:
        async with asyncio.timeout(wait_s):
            # The thread is made by the start task spawned beside this one, and its ts comes
            # with the courier's post: a short bounded poll needs no hook in either for the
            # one reader that waits on them.
            while (thread := service.thread(job_id)) is None or thread.ts is None:  # noqa: ASYNC110
                await asyncio.sleep(_POLL_S)
    except TimeoutError:
        return None
    return await service.poster.permalink(thread.channel, thread.ts)
