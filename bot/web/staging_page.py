"""The board's Staging tab: every pull request's environment, as ``bob stage list`` shows it."""

from __future__ import annotations

from aiohttp import web

from bot.web.html import Html, html, join
from bot.web.keys import CONTEXT, USER
from bot.web.layout import page
from handlers.staging import environments

COLUMNS = ("pr", "branch", "commit", "url", "state", "last request", "expiry")


async def staging(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    settings = context.fleet.staging
    if settings is None:
        body = html("<h1>Staging</h1><p>{}</p>", "No staging section in the fleet config.")
    else:
        rows = await environments(settings, context.store)
        body = html(
            "<h1>Staging</h1><table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
            join(html("<th>{}</th>", c) for c in COLUMNS),
            join(_row(r) for r in rows) if rows else html('<tr><td colspan="7">none</td></tr>'),
        )
    return web.Response(text=page("staging", body, user=request[USER]), content_type="text/html")


def _row(row: dict[str, str]) -> Html:
    cells = [
        html('<td><a href="{}">{}</a></td>', row[c], row[c])
        if c == "url"
        else html('<td class="state-{}">{}</td>', row[c], row[c])
        if c == "state"
        else html("<td>{}</td>", row[c])
        for c in COLUMNS
    ]
    return html("<tr>{}</tr>", join(cells))
