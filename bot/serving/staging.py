"""Staging as a front end of ``bob serve``: the pull-request webhook and the wake endpoint
(with the idle sweep they run), only when the fleet has a ``staging`` section."""

from __future__ import annotations

from bot.serving.parts import RouteAdder, Serving
from bot.stage_web import with_staging


def staging_routes(serving: Serving) -> RouteAdder | None:
    return with_staging(serving.runtime, None)
