"""Every front end of ``bob serve``, in one place: add yours to a list (one line each).

A route factory adds HTTP routes to the one server; a duty factory gives a coroutine that runs
in the background until bob stops; a component factory gives something with start/stop (a
connection bob opens itself). Each is handed the :class:`~bot.serving.parts.Serving` (the
runtime, the job service, the settings) and returns None when it has nothing to serve.
"""

from bot.serving.board import board_routes
from bot.serving.duties import expiry, orphan_sweep, periodic_reconcile
from bot.serving.parts import ComponentFactory, DutyFactory, RouteFactory
from bot.serving.slack import slack_events, slack_front, slack_groups
from bot.serving.staging import staging_routes

ROUTES: list[RouteFactory] = [
    slack_events,
    board_routes,
    staging_routes,
]

DUTIES: list[DutyFactory] = [
    orphan_sweep,
    periodic_reconcile,
    slack_groups,
    expiry,
]

COMPONENTS: list[ComponentFactory] = [
    slack_front,
]
