"""The board's pages: each reads what it shows, renders it, and answers."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from bot.web import board_page, forms, job_page
from bot.web.context import BoardContext
from bot.web.filters import Filters
from bot.web.html import Html, html, join
from bot.web.keys import CONTEXT, LIMITS, NODES, SESSION, USER
from bot.web.layout import page
from bot.web.snapshot import LimitsCache, NodeCache, read_board
from handlers import queries
from handlers.jenkins import plan_attach
from handlers.provision import Caller
from handlers.requests import AttachBobs, CreateBobs, ListJobs, PlanCreate, ShowJob, build
from provisioning.errors import BobError, UsageError
from provisioning.jobs.liveness import job_status
from provisioning.records import JobRecord


def _context(request: web.Request) -> BoardContext:
    return request.app[CONTEXT]


def _csrf(request: web.Request) -> str:
    return _context(request).access.csrf_token(request[SESSION])


def _page(request: web.Request, title: str, body: Html, status: int = 200) -> web.Response:
    return web.Response(
        text=page(title, body, user=request[USER]), content_type="text/html", status=status
    )


def _caller(request: web.Request, command: str) -> Caller:
    return Caller(actor=request[USER], source="web", origin=request.remote or "-", command=command)


def _filters(request: web.Request, context: BoardContext) -> Filters:
    return Filters.from_query(
        request.query,
        {h.name for h in context.fleet.hosts},
        {c.name for c in context.fleet.jenkins},
    )


def _count(raw: object) -> object:
    """The form's text as a number when it is one; otherwise as given, for the validator to
    refuse with its usual message."""
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return raw


async def _make_form(
    request: web.Request, count: object = 1, host: str = "", problem: str = ""
) -> Html:
    return await make_form(_context(request), _csrf(request), count, host, problem)


async def make_form(
    context: BoardContext, csrf: str, count: object = 1, host: str = "", problem: str = ""
) -> Html:
    """The Make it form with the planner's dry run for ``count`` on ``host`` (or any host)."""
    dry = None
    if not problem:
        try:
            plan_request = build(PlanCreate, count=count, host=host or None)
            dry = await queries.dry_run_create(
                context.fleet, context.store, plan_request, context.dns
            )
        except BobError as exc:
            problem = str(exc)
    skipped = await queries.unavailable_hosts(context.store, context.fleet)
    shown = count if isinstance(count, int) else 1
    return forms.make_form(
        context.fleet,
        csrf,
        plan=dry.plan if dry else None,
        notes=dry.notes if dry else (),
        problem=problem,
        count=shown,
        host=host,
        skipped=skipped,
    )


async def board(request: web.Request) -> web.StreamResponse:
    context = _context(request)
    nodes = request.app[NODES]
    filters, limits = _filters(request, context), request.app[LIMITS]
    body = await board_html(context, nodes, filters, _csrf(request), limits)
    return _page(request, "board", body)


async def board_html(
    context: BoardContext,
    nodes: NodeCache,
    filters: Filters,
    csrf: str,
    limits: LimitsCache | None = None,
) -> Html:
    """The board page's body, everything read afresh (what ``bench/board.py`` times)."""
    snapshot = await read_board(context.fleet, context.store, nodes, limits)
    form = await make_form(context, csrf)
    return board_page.board_body(snapshot, context.fleet, filters, form)


async def board_fragment(request: web.Request) -> web.StreamResponse:
    context = _context(request)
    snapshot = await read_board(
        context.fleet, context.store, request.app[NODES], request.app[LIMITS]
    )
    fragment = board_page.board_fragment(snapshot, _filters(request, context))
    return web.Response(text=fragment, content_type="text/html")


async def make_preview(request: web.Request) -> web.StreamResponse:
    count = _count(request.query.get("count", "1"))
    host = request.query.get("host", "")
    return _page(request, "make it", await _make_form(request, count, host))


async def make_it(request: web.Request) -> web.StreamResponse:
    context = _context(request)
    form = await request.post()
    count, host = _count(form.get("count")), str(form.get("host") or "")
    try:
        create = build(CreateBobs, count=count, host=host or None)
        job_id = await context.launcher.create(
            create, _caller(request, f"create {create.count}" + (f" on {host}" if host else ""))
        )
    except UsageError as exc:
        body = await _make_form(request, count, host, problem=str(exc))
        return _page(request, "make it", body, status=400)
    except BobError as exc:
        body = await _make_form(request, count, host, problem=str(exc))
        return _page(request, "make it", body, status=409)
    return _see_other(f"/jobs/{job_id}")


async def attach_preview(request: web.Request) -> web.StreamResponse:
    context = _context(request)
    query = request.query
    controller, label = query.get("controller", ""), query.get("label", "")
    count = _count(query.get("count", "1"))
    choice, problem = None, ""
    if controller and label:
        try:
            wanted = build(AttachBobs, count=count, controller=controller, label=label)
            choice = await plan_attach(context.fleet, context.store, context.controllers, wanted)
        except BobError as exc:
            problem = str(exc)
    body = forms.attach_form(
        context.fleet,
        _csrf(request),
        controller=controller,
        label=label,
        count=count if isinstance(count, int) else 1,
        choice=choice,
        problem=problem,
    )
    return _page(request, "attach", body)


async def attach(request: web.Request) -> web.StreamResponse:
    context = _context(request)
    form = await request.post()
    controller, label = str(form.get("controller") or ""), str(form.get("label") or "")
    count = _count(form.get("count"))
    try:
        wanted = build(AttachBobs, count=count, controller=controller, label=label)
        command = f"attach {wanted.count} to {controller} {label}"
        job_id = await context.launcher.attach(wanted, _caller(request, command))
    except BobError as exc:
        body = forms.attach_form(
            context.fleet,
            _csrf(request),
            controller=controller,
            label=label,
            count=count if isinstance(count, int) else 1,
            problem=str(exc),
        )
        return _page(request, "attach", body, status=400 if isinstance(exc, UsageError) else 409)
    return _see_other(f"/jobs/{job_id}")


async def jobs(request: web.Request) -> web.StreamResponse:
    records = await queries.recent_jobs(_context(request).store, ListJobs(limit=50))
    now = datetime.now(UTC)
    rows = join(
        html(
            '<tr><td><a href="/jobs/{}">{}</a></td><td>{}</td><td class="state-{}">{}</td>'
            "<td>{}</td><td>{}</td></tr>",
            j.id,
            j.id,
            j.kind,
            job_status(j, now),
            job_status(j, now),
            j.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            j.requested_by,
        )
        for j in records
    )
    body = html(
        "<h1>Jobs</h1><table><thead><tr><th>id</th><th>kind</th><th>state</th>"
        "<th>created (UTC)</th><th>by</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )
    return _page(request, "jobs", body)


def job_id(request: web.Request) -> str:
    try:
        return build(ShowJob, job_id=request.match_info["job_id"]).job_id
    except UsageError as exc:
        raise web.HTTPNotFound(text=f"{exc}\n") from exc


async def known_job(context: BoardContext, job_id: str) -> JobRecord:
    try:
        return await context.store.get_job(job_id)
    except UsageError as exc:  # the store's "no job with id …"
        raise web.HTTPNotFound(text=f"{exc}\n") from exc


async def job_now(context: BoardContext, job_id: str) -> tuple[JobRecord, Html]:
    job, journal = await queries.job_detail(context.store, ShowJob(job_id=job_id))
    return job, job_page.job_fragment(job, journal, datetime.now(UTC))


async def job(request: web.Request) -> web.StreamResponse:
    context = _context(request)
    wanted = job_id(request)
    await known_job(context, wanted)
    record, fragment = await job_now(context, wanted)
    live = "" if record.state.finished else f"/jobs/{wanted}/events"
    body = html(
        '<section id="job" data-events="{}" data-state="{}">{}</section>',
        live,
        job_status(record, datetime.now(UTC)),
        fragment,
    )
    return _page(request, f"job {wanted}", body)


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})
