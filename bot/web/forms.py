"""The Make it and Attach forms, each with the planner's dry run beside it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.web.html import Html, attrs, html, join
from bot.web.layout import csrf_input
from provisioning.config.models import Fleet
from provisioning.core.models import CreatePlan
from provisioning.core.plan import MAX_BATCH
from provisioning.jenkins.rules import Choice


def make_form(
    fleet: Fleet,
    csrf: str,
    *,
    plan: CreatePlan | None,
    problem: str = "",
    count: int = 1,
    host: str = "",
    skipped: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
) -> Html:
    """Pre-filled from ``plan`` (the dry run for ``count``): the next names and where they go."""
    options = [html('<option value="">first with room</option>')]
    options += [
        html("<option{}>{}</option>", attrs(value=h.name, selected=h.name == host), h.name)
        for h in fleet.hosts
    ]
    first = plan.bobs[0] if plan and plan.bobs else None
    return html(
        """<form class="make" method="post" action="/make" id="make-form">
<h2>Make it</h2>
{}
<label>Next name <input name="next" id="next-name" value="{}" readonly></label>
<label>Goes to <input name="where" id="next-where" value="{}" readonly></label>
<label>How many <input type="number" name="count" id="count" min="1" max="{}" value="{}"></label>
<label>Host <select name="host" id="host">{}</select></label>
<button type="submit" id="make-it">Make it</button>
<button type="submit" formmethod="get" formaction="/make" id="preview">Preview</button>
{}
</form>""",
        csrf_input(csrf),
        first.name if first else "",
        f"{first.host}/{first.disk}" if first else "",
        MAX_BATCH,
        count,
        join(options),
        _plan_preview(plan, problem, skipped or {}, notes),
    )


def _plan_preview(
    plan: CreatePlan | None, problem: str, skipped: Mapping[str, str], notes: Sequence[str]
) -> Html:
    if problem:
        return html('<p class="problem" id="plan-problem">{}</p>', problem)
    if plan is None:
        return html("")
    rows = join(html("<li>{} on {}/{}, {}</li>", b.name, b.host, b.disk, b.ip) for b in plan.bobs)
    skips = join(html("<li>skipped {}: {}</li>", h, why) for h, why in sorted(skipped.items()))
    said = join(html("<li>note: {}</li>", note) for note in notes)
    return html('<ul class="plan" id="plan">{}{}{}</ul>', rows, skips, said)


def attach_form(
    fleet: Fleet,
    csrf: str,
    *,
    controller: str = "",
    label: str = "",
    count: int = 1,
    choice: Choice | None = None,
    problem: str = "",
) -> Html:
    if not fleet.jenkins:
        return html(
            '<section class="attach"><h2>Attach</h2><p>no Jenkins controllers are '
            "configured</p></section>"
        )
    controllers = join(
        html("<option{}>{}</option>", attrs(value=c.name, selected=c.name == controller), c.name)
        for c in fleet.jenkins
    )
    labels = sorted({lb for c in fleet.jenkins for lb in c.labels})
    label_options = join(
        html("<option{}>{}</option>", attrs(value=lb, selected=lb == label), lb) for lb in labels
    )
    preview = html("")
    if problem:
        preview = html('<p class="problem" id="attach-problem">{}</p>', problem)
    elif choice is not None:
        preview = html('<pre class="plan" id="attach-plan">{}</pre>', choice.describe())
    return html(
        """<form class="attach" method="post" action="/attach" id="attach-form">
<h2>Attach to Jenkins</h2>
{}
<label>Controller <select name="controller" id="controller">{}</select></label>
<label>Label <select name="label" id="label">{}</select></label>
<label>How many
<input type="number" name="count" id="attach-count" min="1" max="{}" value="{}"></label>
<button type="submit" id="attach">Attach</button>
<button type="submit" formmethod="get" formaction="/attach" id="attach-preview">Preview</button>
{}
</form>""",
        csrf_input(csrf),
        controllers,
        label_options,
        MAX_BATCH,
        count,
        preview,
    )
