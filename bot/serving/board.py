"""The board as a front end of ``bob serve``: its pages on the HTTP server, its jobs in ours."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from bot.serving.parts import RouteAdder, Serving
from bot.web import Access, add_board, board_context


def board_routes(serving: Serving) -> RouteAdder | None:
    if not serving.options.board:
        return None
    # Off loopback the board must have a password: refused here, before anything starts.
    access = Access.for_bind(serving.settings.fleet.web, serving.options.host)
    context, jobs = board_context(serving.runtime, access)
    serving.at_stop(jobs.aclose)
    return partial(add_board, context=replace(context, reconciles=serving.reconciles))
