"""The board's routes on an aiohttp application, each behind the login and CSRF guard.

``add_board(app, context)`` is the whole interface: ``bob board`` mounts it on an app of its
own, ``bob serve`` on the app that also carries the Slack endpoints (under ``/slack/``), so
the guard wraps each board handler rather than the whole app.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from importlib import resources

from aiohttp import web

from bot.metrics import Metrics
from bot.web import locker_pages, pages, rebuild_pages, refresh_pages, sse, staging_page
from bot.web.context import BoardContext
from bot.web.keys import CLOSING, CONTEXT, LIMITS, NODES, SESSION, USER
from bot.web.security import CSRF_FIELD, SESSION_COOKIE, new_session, valid_session
from bot.web.snapshot import NodeCache, limits_cache

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECURITY_HEADERS = {
    # The pages load only their own stylesheet and script; nothing inline runs.
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",  # a framed Make it button could be clicked by a stranger
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
STATIC = {"board.js": "text/javascript", "board.css": "text/css"}


def add_board(app: web.Application, context: BoardContext) -> None:
    app[CONTEXT] = context
    app[CLOSING] = asyncio.Event()
    app[NODES] = NodeCache(context.controllers, context.bus)
    app[LIMITS] = limits_cache(context.fleet, context.shells, context.bus)
    app.on_shutdown.append(_closing)

    def guarded(handler: Handler) -> Handler:
        return _guard(context, handler)

    app.router.add_get("/", guarded(pages.board))
    app.router.add_get("/board/fragment", guarded(pages.board_fragment))
    app.router.add_get("/board/events", guarded(board_events))
    app.router.add_get("/make", guarded(pages.make_preview))
    app.router.add_post("/make", guarded(pages.make_it))
    app.router.add_get("/attach", guarded(pages.attach_preview))
    app.router.add_post("/attach", guarded(pages.attach))
    app.router.add_get("/rebuild-base", guarded(rebuild_pages.confirm))
    app.router.add_post("/rebuild-base", guarded(rebuild_pages.rebuild))
    app.router.add_get("/refresh", guarded(refresh_pages.confirm))
    app.router.add_post("/refresh", guarded(refresh_pages.refresh))
    app.router.add_get("/lockers", guarded(locker_pages.lockers))
    app.router.add_post("/lockers", guarded(locker_pages.change))
    app.router.add_get("/jobs", guarded(pages.jobs))
    app.router.add_get("/staging", guarded(staging_page.staging))
    app.router.add_get("/jobs/{job_id}", guarded(pages.job))
    app.router.add_get("/jobs/{job_id}/events", guarded(job_events))
    app.router.add_get("/static/{name}", guarded(static))
    metrics = Metrics(
        context.fleet, context.store, context.bus, app[NODES].read, context.reconciles
    )
    app.router.add_get("/metrics", guarded(metrics.handle))


async def _closing(app: web.Application) -> None:
    app[CLOSING].set()  # open event streams end, so the server stops without waiting on them


def _guard(context: BoardContext, handler: Handler) -> Handler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        user = context.access.who(request)
        if user is None:
            return web.Response(
                status=401,
                text="login required\n",
                headers={"WWW-Authenticate": 'Basic realm="bob board", charset="UTF-8"'},
            )
        cookie = request.cookies.get(SESSION_COOKIE)
        session = cookie if valid_session(cookie) else None
        if request.method == "POST":
            form = await request.post()
            if session is None or not context.access.csrf_ok(session, form.get(CSRF_FIELD)):
                return web.Response(
                    status=403,
                    text="refused: the form's CSRF token is missing or wrong; "
                    "reload the page and try again\n",
                )
        request[USER] = user
        request[SESSION] = session or new_session()
        response = await handler(request)
        if not response.prepared:
            response.headers.update(SECURITY_HEADERS)
            if session is None:
                response.set_cookie(
                    SESSION_COOKIE, request[SESSION], httponly=True, samesite="Strict", path="/"
                )
        return response

    return guarded


async def static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in STATIC:
        raise web.HTTPNotFound()
    text = resources.files("bot.web").joinpath("static", name).read_text("utf-8")
    return web.Response(text=text, content_type=STATIC[name])


async def job_events(request: web.Request) -> web.StreamResponse:
    """The job's fragment whenever it changed, then ``end`` with the final state."""
    context = request.app[CONTEXT]
    job_id = pages.job_id(request)
    closing = request.app[CLOSING]
    async with context.bus.stream(job_id) as stream:  # subscribed before the first read
        await pages.known_job(context, job_id)  # before the stream opens: a 404 is still possible
        response = await sse.open_stream(request)
        last = ""

        async def push() -> bool:
            """Send the fragment if it changed; True once the job is over."""
            nonlocal last
            job, fragment = await pages.job_now(context, job_id)
            if fragment != last:
                await sse.send(response, "job", fragment)
                last = fragment
            if job.state.finished:
                await sse.send(response, "end", job.state.value)
            return job.state.finished

        # A reader that went away (page closed, navigated) ends the stream; nothing to report.
        with contextlib.suppress(ConnectionResetError):
            if not await push():
                async for _ in sse.wake_ups(stream, sse.TICK_S, closing):
                    if await push():
                        break
    return response


async def board_events(request: web.Request) -> web.StreamResponse:
    """``changed`` when a job may have moved something; the page then fetches the board."""
    context = request.app[CONTEXT]
    closing = request.app[CLOSING]
    async with context.bus.stream() as stream:
        response = await sse.open_stream(request)
        with contextlib.suppress(ConnectionResetError):
            async for event in sse.wake_ups(stream, sse.BOARD_TICK_S, closing):
                if sse.changes_board(event):
                    await sse.send(response, "changed", "")
    return response
