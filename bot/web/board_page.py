"""The board: hosts × disks, every slot a Bob or free, capacity bars, a column per controller."""

from __future__ import annotations

from bot.web.filters import STATES, Filters
from bot.web.html import Html, attrs, html, join
from bot.web.snapshot import Board, Column
from handlers.overview import DiskView, HostView, SlotView
from provisioning.config.models import Fleet


def board_body(board: Board, fleet: Fleet, filters: Filters, make_form: Html) -> Html:
    """The whole board page's body: the Make it form, the filters and the live board."""
    query = filters.query()
    return html(
        """{}
{}
<section id="board" data-events="/board/events" data-fragment="/board/fragment{}">
{}
</section>""",
        make_form,
        filter_form(fleet, filters),
        f"?{query}" if query else "",
        board_fragment(board, filters),
    )


def filter_form(fleet: Fleet, filters: Filters) -> Html:
    def select(name: str, current: str, options: list[str], anything: str) -> Html:
        items = [html('<option value="">{}</option>', anything)]
        items += [
            html("<option{}>{}</option>", attrs(value=o, selected=o == current), o) for o in options
        ]
        return html('<label>{} <select name="{}">{}</select></label>', name, name, join(items))

    return html(
        '<form class="filters" method="get" action="/">{}{}{}<button>Filter</button></form>',
        select("host", filters.host, [h.name for h in fleet.hosts], "all hosts"),
        select("controller", filters.controller, [c.name for c in fleet.jenkins], "any"),
        select("state", filters.state, list(STATES), "any"),
    )


def board_fragment(board: Board, filters: Filters) -> Html:
    """What the live board replaces on every change."""
    hosts = [
        _host(h, board, filters)
        for h in board.overview.hosts
        if filters.shows_host(h.name) and _host_matches(h, filters)
    ]
    parts = [html('<div class="hosts">{}</div>', join(hosts) or Html("<p>nothing matches</p>"))]
    if board.overview.unplaced:
        slots = join(_slot(v, board, filters) for v in board.overview.unplaced)
        parts.append(
            html('<section class="unplaced"><h2>not in the config</h2><ol>{}</ol></section>', slots)
        )
    if board.columns:
        parts.append(_jenkins(board.columns, board.overview.strays))
    return html('<div class="fleet">{}</div>', join(parts))


def _host_matches(host: HostView, filters: Filters) -> bool:
    if not filters.narrows_bobs:
        return True
    return any(filters.matches(v) for d in host.disks for v in d.bobs) or (
        filters.matches_free() and any(d.free for d in host.disks)
    )


def _host(host: HostView, board: Board, filters: Filters) -> Html:
    marks = []
    if host.drained:
        marks.append(html('<span class="mark drained">drained in the config</span>'))
    if host.unavailable and not host.drained:
        kind = "cooling" if "cool" in host.unavailable else "drained"
        marks.append(html('<span class="mark {}">{}</span>', kind, host.unavailable))
    classes = "host" + (" unavailable" if host.drained or host.unavailable else "")
    base = f" · base v{host.base_version}" if host.base_version is not None else ""
    rebuild = html(
        '<a class="rebuild" href="/rebuild-base?hosts={}" title="build a new base version, '
        'then confirm">rebuild base</a>',
        host.name,
    )
    if any(v.stale for d in host.disks for v in d.bobs):
        rebuild = join(
            [
                rebuild,
                html(
                    ' <a class="refresh" href="/refresh?stale=1&amp;host={}" title="replace the '
                    'Bobs cloned from an older base, then confirm">refresh stale Bobs</a>',
                    host.name,
                ),
            ]
        )
    return html(
        """<section class="{}" data-host="{}">
<h2>{} <small>{} · {}{}</small> {} {}</h2>
<p class="capacity"><meter min="0" max="{}" value="{}"></meter> {}/{} used, {} free</p>
<div class="disks">{}</div>
</section>""",
        classes,
        host.name,
        host.name,
        host.datacenter,
        host.backend,
        base,
        join(marks),
        rebuild,
        max(host.capacity, 1),
        host.used,
        host.used,
        host.capacity,
        max(host.capacity - host.used, 0),
        join(_disk(d, board, filters) for d in host.disks),
    )


def _disk(disk: DiskView, board: Board, filters: Filters) -> Html:
    by_slot = {v.slot: v for v in disk.bobs}
    cells = []
    for slot in range(disk.max_bobs):
        view = by_slot.pop(slot, None)
        if view is not None:
            cells.append(_slot(view, board, filters))
        else:
            dim = " dim" if filters.narrows_bobs and not filters.matches_free() else ""
            cells.append(html('<li class="slot free{}" data-slot="{}">free</li>', dim, slot))
    # Slots past max_bobs (the config shrank under a full disk): shown, never dropped.
    cells += [_slot(v, board, filters) for v in by_slot.values()]
    full = " full" if disk.free == 0 else ""
    return html(
        """<div class="disk{}" data-disk="{}">
<h3>{} <meter min="0" max="{}" value="{}"></meter> {}/{}</h3>
<ol class="slots">{}</ol>
</div>""",
        full,
        disk.name,
        disk.name,
        max(disk.max_bobs, 1),
        len(disk.bobs),
        len(disk.bobs),
        disk.max_bobs,
        join(cells),
    )


def _slot(view: SlotView, board: Board, filters: Filters) -> Html:
    dim = " dim" if filters.narrows_bobs and not filters.matches(view) else ""
    heavy = view.name in board.heavy
    parts = [
        html('<span class="name">{}</span>', view.name),
        html('<span class="state">{}</span>', view.state),
        html('<span class="ip">{}</span>', view.ip or "-"),
    ]
    if view.detail:
        parts.append(html('<span class="agent">{}</span>', view.detail))
    if heavy:
        parts.append(
            html('<span class="heavy" title="holds this disk\'s heavy executor">heavy</span>')
        )
    if view.job_id and view.state in ("reserved", "creating", "destroying", "interrupted"):
        parts.append(html('<a class="job" href="/jobs/{}">job {}</a>', view.job_id, view.job_id))
    if view.flag:
        parts.append(html('<span class="flag">! {}</span>', view.flag))
    if view.base_version is not None:
        parts.append(html('<span class="base">base v{}</span>', view.base_version))
    if limits := board.limits.get(view.name):
        parts.append(
            html(
                '<span class="limits" title="cgroup limits (its LXC config)">{}</span>',
                limits,
            )
        )
    if view.stale:
        parts.append(
            html(
                '<span class="stale" title="cloned from an older base than its host\'s">'
                "stale</span>"
            )
        )
        parts.append(
            html(
                '<a class="refresh" href="/refresh?names={}" title="replace it with a clone '
                'of the current base, then confirm">refresh</a>',
                view.name,
            )
        )
    return html(
        '<li class="slot bob state-{}{}"{}>{}</li>',
        view.state,
        dim,
        attrs(data_bob=view.name, data_slot=view.slot),
        join(parts, " "),
    )


def _jenkins(columns: list[Column], strays: list[str]) -> Html:
    cols = []
    for c in columns:
        if c.error:
            body = html('<p class="flag">{}</p>', c.error)
        elif not c.agents:
            body = html("<p>no agents made by bob</p>")
        else:
            body = html(
                "<ul>{}</ul>",
                join(
                    html(
                        '<li data-agent="{}"><span class="name">{}</span> {} {}</li>',
                        a.name,
                        a.name,
                        a.labels,
                        html('<span class="mark">{}</span>', a.condition) if a.condition else "",
                    )
                    for a in c.agents
                ),
            )
        cols.append(
            html(
                '<section class="controller" data-controller="{}"><h2>{}</h2>{}</section>',
                c.controller,
                c.controller,
                body,
            )
        )
    stray = join(html('<p class="flag">! {}</p>', s) for s in strays)
    return html('<aside class="jenkins"><h2>Jenkins</h2>{}{}</aside>', join(cols), stray)
