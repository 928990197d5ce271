"""Lockers on the board: each locker and where it is mounted, and small forms to create, mount,
unmount and destroy (POSTs with the CSRF token; destroy needs its box ticked, as the CLI needs
--yes). The same request and checks as the CLI and Slack (handlers.lockers)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiMapping

from bot.web.html import Html, html, join
from bot.web.keys import CONTEXT, SESSION, USER
from bot.web.layout import csrf_input, page
from handlers.lockers import LockerCommand, list_lockers
from handlers.provision import Caller
from handlers.requests import build
from provisioning.errors import BobError, UsageError

_FORMS = """<form method="post" action="/lockers" class="locker-form" id="locker-{action}">{csrf}
<input type="hidden" name="action" value="{action}">{fields}
<button type="submit">{action}</button></form>"""
_FIELDS = {
    "create": '<input name="name" placeholder="locker"> on <input name="host" placeholder="host">'
    ' <input name="size" placeholder="size (lvm)">',
    "mount": '<input name="name" placeholder="locker"> into <input name="bob" placeholder="Bob">'
    ' <label><input type="checkbox" name="read_only" value="1"> read-only</label>'
    ' <label><input type="checkbox" name="shared" value="1"> shared</label>',
    "unmount": '<input name="name" placeholder="locker"> from <input name="bob" placeholder="Bob">',
    "destroy": '<input name="name" placeholder="locker">'
    ' <label><input type="checkbox" name="yes" value="1"> delete its data</label>',
}


def _command(form: MultiMapping[Any]) -> LockerCommand:
    def text(key: str) -> str | None:
        return str(form.get(key) or "").strip() or None

    return build(
        LockerCommand,
        action=text("action") or "",
        name=text("name"),
        bob=text("bob"),
        host=text("host"),
        size=text("size"),
        read_only=form.get("read_only") == "1",
        shared=form.get("shared") == "1",
        yes=form.get("yes") == "1",
    )


async def lockers(request: web.Request) -> web.StreamResponse:
    return await _page(request)


async def _page(request: web.Request, problem: str | None = None) -> web.Response:
    context = request.app[CONTEXT]
    rows = await list_lockers(context.store)
    csrf = csrf_input(context.access.csrf_token(request[SESSION]))
    forms = join(
        Html(_FORMS.format(action=action, csrf=csrf, fields=fields))
        for action, fields in _FIELDS.items()
    )
    listing = join(html('<li class="locker">{}</li>', r.line()) for r in rows)
    body = html(
        """<section class="lockers">
<h2>Lockers</h2>{}
<ul id="locker-list">{}</ul>
<p>A locker is mounted into a running Bob at /lockers/NAME at once; read-write in one Bob unless
shared. Destroying a Bob unmounts its lockers, never deletes them.</p>
{}
</section>""",
        html('<p class="problem" id="locker-problem">{}</p>', problem) if problem else Html(""),
        listing if rows else Html("<li>no lockers</li>"),
        forms,
    )
    text = page("lockers", body, user=request[USER])
    status = 200 if problem is None else 400
    return web.Response(text=text, content_type="text/html", status=status)


async def change(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    form = await request.post()
    try:
        command = _command(form)
        if not command.changes:
            raise UsageError("say what to change")
        caller = Caller(request[USER], "web", request.remote or "-", f"locker {command.action}")
        job_id = await context.launcher.locker(command, caller)
    except BobError as exc:
        return await _page(request, str(exc))
    return web.Response(status=303, headers={"Location": f"/jobs/{job_id}"})
