"""The staging endpoints on ``bob serve``: the pull-request webhook and the wake endpoint.

- ``POST /hooks/pull-request``: a Git host's ``pull_request`` event (GitHub's shape), signed
  with HMAC-SHA256 of the body in ``X-Hub-Signature-256``; anything else is 401 and nothing
  runs. opened/reopened/synchronize deploy, closed destroys. Answers 202 at once: the job runs
  in this process.
- ``/stage/wake/{name}``: where nginx sends a request for an environment that is off (or whose
  Bob does not answer). It starts the Bob and its app, routes the hostname to it again, and
  answers the waiting request itself by passing it on (its URI in ``X-Bob-Uri``).

Independent of how serve is put together: :func:`add_staging` takes an aiohttp application,
and also runs the idle sweep while the application runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from bot.runtime import Runtime
from handlers.provision import Caller
from handlers.staging import Stager
from provisioning.errors import BobError
from provisioning.staging.records import BRANCH_RE, parse_ref

log = logging.getLogger("bob.staging")

STAGER = web.AppKey("bob_stager", Stager)
PROXY_TIMEOUT_S = 60.0
DEPLOY = ("opened", "reopened", "synchronize")
# Hop-by-hop headers are the proxy's own business, never passed on.
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host", "content-length"}


def signature_ok(secret: bytes, body: bytes, header: str) -> bool:
    if not secret:
        return False  # no secret configured: no request can be trusted
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def add_staging(app: web.Application, stager: Stager, secret: bytes) -> None:
    tasks: set[asyncio.Task[Any]] = set()
    # Per pull request, the last work started for it: a push that arrives while the previous
    # deploy runs waits for it (its restart would pull the Bob from under that deploy), and a
    # close waits for both.
    latest: dict[int, asyncio.Task[Any]] = {}

    def spawn(pr: int, work: Awaitable[Any]) -> None:
        before = latest.get(pr)

        async def run() -> None:
            if before is not None:
                await asyncio.wait([before])
            try:
                await work
            except BobError as exc:
                log.warning("staging.failed pr=%s error=%s", pr, exc)

        task = asyncio.create_task(run())
        tasks.add(task)
        latest[pr] = task
        task.add_done_callback(tasks.discard)
        task.add_done_callback(lambda done: latest.pop(pr) if latest.get(pr) is done else None)

    async def webhook(request: web.Request) -> web.Response:
        body = await request.read()
        if not signature_ok(secret, body, request.headers.get("X-Hub-Signature-256", "")):
            return web.json_response({"error": "bad signature"}, status=401)
        if request.headers.get("X-GitHub-Event", "pull_request") != "pull_request":
            return web.json_response({"ignored": "not a pull_request event"}, status=202)
        try:
            event = json.loads(body)
            action, number = str(event["action"]), int(event["number"])
            repo, pr = parse_ref(f"{event['repository']['full_name']}#{number}")
            head = event["pull_request"]["head"]
        except (ValueError, KeyError, TypeError, BobError) as exc:
            return web.json_response({"error": f"not a pull_request event: {exc}"}, status=400)
        who = str((event.get("sender") or {}).get("login") or "webhook")
        caller = Caller(who, "webhook", repo, f"pull_request {action} {repo}#{pr}")
        try:
            if action in DEPLOY:
                branch = str(head["ref"])
                if re.fullmatch(BRANCH_RE, branch) is None or branch.startswith("-"):
                    return web.json_response({"error": f"branch {branch!r}"}, status=400)
                # The configured source (a mirror, say) wins over the one the event names.
                url = None if stager.settings.git_url else (head.get("repo") or {}).get("clone_url")
                job = await stager.submit(repo, pr, caller, branch=branch, git_url=url)
                spawn(pr, stager.deploy(job.id))
                return web.json_response({"job": job.id}, status=202)
            if action == "closed":
                spawn(pr, stager.close(pr, caller))
                return web.json_response({"closing": f"pr-{pr}"}, status=202)
        except BobError as exc:
            return web.json_response({"error": str(exc)}, status=409)
        return web.json_response({"ignored": action}, status=202)

    async def wake(request: web.Request) -> web.StreamResponse:
        uri = request.headers.get("X-Bob-Uri", "/")
        if not uri.startswith("/"):  # a path, or the upstream URL could name another place
            return web.Response(status=400, text="bad X-Bob-Uri")
        try:
            upstream = await stager.wake(request.match_info["name"])
        except BobError as exc:
            log.warning("staging.wake_failed name=%s error=%s", request.match_info["name"], exc)
            return web.Response(status=503, text=f"staging environment not available: {exc}")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        headers.pop("X-Bob-Uri", None)
        headers["Host"] = request.host
        url = f"http://{upstream.address}:{upstream.port}{uri}"
        timeout = aiohttp.ClientTimeout(total=PROXY_TIMEOUT_S)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.request(
                request.method, url, headers=headers, data=await request.read(),
                allow_redirects=False,
            ) as answer,
        ):  # fmt: skip
            body = await answer.read()
            passed = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP}
            passed.pop("Content-Encoding", None)  # the body was decoded on the way
            return web.Response(status=answer.status, body=body, headers=passed)

    async def sweeping(app: web.Application) -> AsyncIterator[None]:
        sweeper = asyncio.create_task(sweep_forever(stager))
        yield
        sweeper.cancel()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(sweeper, *tasks, return_exceptions=True)

    app[STAGER] = stager
    app.router.add_post("/hooks/pull-request", webhook)
    app.router.add_route("*", "/stage/wake/{name}", wake)
    app.cleanup_ctx.append(sweeping)


def sweep_interval(idle_off_s: float) -> float:
    return max(1.0, min(60.0, idle_off_s / 10))


async def sweep_forever(stager: Stager) -> None:
    every = sweep_interval(stager.settings.idle_off_s)
    while True:
        await asyncio.sleep(every)
        try:
            off = await stager.sweep()
        except BobError as exc:
            log.warning("staging.sweep_failed error=%s", exc)
            continue
        if off:
            log.info("staging.off names=%s", ",".join(off))


Mount = Callable[[web.Application], None]


def with_staging(rt: Runtime, mount: Mount | None) -> Mount | None:
    """``mount`` and, when the fleet has a staging section, the staging endpoints too."""
    staging = rt.settings.fleet.staging
    if staging is None:
        return mount
    stager = Stager(rt.settings.fleet, rt.store, rt.shells, rt.runner.run, rt.dns)
    secret = os.environ.get(staging.webhook_secret_env, "").encode()
    if not secret:
        log.warning(
            "staging.no_secret variable=%s: every webhook gets 401", staging.webhook_secret_env
        )

    def both(app: web.Application) -> None:
        if mount is not None:
            mount(app)
        add_staging(app, stager, secret)

    return both
