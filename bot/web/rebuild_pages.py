"""Rebuild the base from the board: the plan first, then a confirm button (a POST with the
CSRF token), never a one-click rebuild — the same confirmation Slack asks for."""

from __future__ import annotations

from aiohttp import web

from bot.web.html import Html, html, join
from bot.web.keys import CONTEXT, SESSION, USER
from bot.web.layout import csrf_input, page
from handlers.provision import Caller
from handlers.rebuild import plan_rebuild
from handlers.render import render_rebuild_plan
from handlers.requests import RebuildBase, build
from provisioning.errors import BobError, UsageError


def _hosts(values: list[str]) -> tuple[str, ...]:
    # "all" (or nothing) means every host that is not drained, as on the command line.
    names = tuple(v for v in values if v and v != "all")
    return names


def _page(request: web.Request, body: Html, status: int = 200) -> web.Response:
    text = page("rebuild the base", body, user=request[USER])
    return web.Response(text=text, content_type="text/html", status=status)


async def confirm(request: web.Request) -> web.StreamResponse:
    """What a rebuild would do, and the button that starts it."""
    context = request.app[CONTEXT]
    try:
        wanted = build(RebuildBase, hosts=_hosts(request.query.getall("hosts", [])))
        plan = await plan_rebuild(context.fleet, context.store, wanted, context.shells)
    except BobError as exc:
        body = html('<p class="problem" id="rebuild-problem">{}</p>', str(exc))
        return _page(request, body, status=400 if isinstance(exc, UsageError) else 409)
    hidden = join(html('<input type="hidden" name="hosts" value="{}">', h) for h in wanted.hosts)
    body = html(
        """<section class="rebuild">
<h2>Rebuild the base</h2>
<pre class="plan" id="rebuild-plan">{}</pre>
<p>Running Bobs are not touched; each host keeps its old base if its new one fails.</p>
<form method="post" action="/rebuild-base" id="rebuild-form">{}{}
<button type="submit" id="confirm-rebuild">Confirm: rebuild</button>
<a href="/" id="cancel-rebuild">Cancel</a>
</form>
</section>""",
        render_rebuild_plan(plan),
        csrf_input(context.access.csrf_token(request[SESSION])),
        hidden,
    )
    return _page(request, body)


async def rebuild(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    form = await request.post()
    try:
        wanted = build(RebuildBase, hosts=_hosts([str(v) for v in form.getall("hosts", [])]))
        command = "rebuild-base " + (" ".join(wanted.hosts) or "all")
        caller = Caller(request[USER], "web", request.remote or "-", command)
        job_id = await context.launcher.rebuild_base(wanted, caller)
    except BobError as exc:
        body = html('<p class="problem" id="rebuild-problem">{}</p>', str(exc))
        return _page(request, body, status=400 if isinstance(exc, UsageError) else 409)
    return web.Response(status=303, headers={"Location": f"/jobs/{job_id}"})
