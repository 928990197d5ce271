"""``bob serve``: one process, one runtime, every front end plugged into it.

    async with running_bot(settings, store, secrets, ServeOptions()) as bot: ...

Front ends plug in through the lists in :mod:`bot.serving.plugins`: ``ROUTES`` (HTTP routes
on the one server: Slack's events, the board), ``DUTIES`` (background work: the sweep of dead
replicas' jobs, the periodic reconcile) and ``COMPONENTS`` (Slack's Socket Mode websocket).
"""

from bot.serving import plugins
from bot.serving.compose import RunningBot, running_bot
from bot.serving.options import SWEEP_S, ServeOptions
from bot.serving.parts import Component, Duty, RouteAdder, Serving

__all__ = [
    "SWEEP_S",
    "Component",
    "Duty",
    "RouteAdder",
    "RunningBot",
    "ServeOptions",
    "Serving",
    "plugins",
    "running_bot",
]
