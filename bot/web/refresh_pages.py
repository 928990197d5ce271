"""Refresh Bobs from the board: the plan first, then a confirm button (a POST with the CSRF
token), never a one-click refresh — the same confirmation Slack asks for."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiMapping

from bot.web.html import Html, html, join
from bot.web.keys import CONTEXT, SESSION, USER
from bot.web.layout import csrf_input, page
from handlers.provision import Caller
from handlers.refresh import RefreshBobs, plan_refresh, render_refresh_plan
from handlers.requests import build
from provisioning.errors import BobError, UsageError


def _wanted(values: MultiMapping[Any]) -> RefreshBobs:
    """``names`` (any number), or ``stale=1``; ``host`` narrows either."""
    names = tuple(str(v) for v in values.getall("names", []) if v)
    host = str(values.get("host") or "") or None
    return build(RefreshBobs, names=names, stale=values.get("stale") == "1", host=host)


def _page(request: web.Request, body: Html, status: int = 200) -> web.Response:
    text = page("refresh Bobs", body, user=request[USER])
    return web.Response(text=text, content_type="text/html", status=status)


def _problem(request: web.Request, exc: BobError) -> web.Response:
    body = html('<p class="problem" id="refresh-problem">{}</p>', str(exc))
    return _page(request, body, status=400 if isinstance(exc, UsageError) else 409)


async def confirm(request: web.Request) -> web.StreamResponse:
    """What a refresh would do, and the button that starts it."""
    context = request.app[CONTEXT]
    try:
        wanted = _wanted(request.query)
        plan = await plan_refresh(context.fleet, context.store, wanted)
    except BobError as exc:
        return _problem(request, exc)
    hidden = [html('<input type="hidden" name="names" value="{}">', n) for n in wanted.names]
    if wanted.stale:
        hidden.append(html('<input type="hidden" name="stale" value="1">'))
    if wanted.host is not None:
        hidden.append(html('<input type="hidden" name="host" value="{}">', wanted.host))
    button = (
        html(
            """<form method="post" action="/refresh" id="refresh-form">{}{}
<button type="submit" id="confirm-refresh">Confirm: refresh</button>
<a href="/" id="cancel-refresh">Cancel</a>
</form>""",
            csrf_input(context.access.csrf_token(request[SESSION])),
            join(hidden),
        )
        if plan.bobs
        else html('<a href="/">Back</a>')
    )
    body = html(
        """<section class="refresh">
<h2>Refresh Bobs</h2>
<pre class="plan" id="refresh-plan">{}</pre>
<p>Each Bob gets a clone of its host's current base; its name, address and agent stay. A Bob
whose refresh fails is put back as it was.</p>
{}
</section>""",
        render_refresh_plan(plan),
        button,
    )
    return _page(request, body)


async def refresh(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    form = await request.post()
    try:
        wanted = _wanted(form)
        what = " ".join(wanted.names) or "--stale"
        command = f"refresh {what}" + (f" --host {wanted.host}" if wanted.host else "")
        caller = Caller(request[USER], "web", request.remote or "-", command)
        job_id = await context.launcher.refresh(wanted, caller)
    except BobError as exc:
        return _problem(request, exc)
    if job_id is None:
        return web.Response(status=303, headers={"Location": "/"})
    return web.Response(status=303, headers={"Location": f"/jobs/{job_id}"})
