"""The Bob board: the fleet as a web page, Make it and Attach forms, live job pages.

    context = BoardContext(fleet, store, controllers, bus, launcher, access, shells)
    add_board(app, context)        # onto any aiohttp web.Application

``bot.web.launcher.board_context(runtime, access)`` builds the context (and its job launcher)
from a :class:`bot.runtime.Runtime`; ``Access.for_bind`` decides whether a login is needed.
"""

from bot.web.context import BoardContext, JobLauncher
from bot.web.launcher import BackgroundJobs, board_context
from bot.web.routes import add_board
from bot.web.security import Access, requires_login

__all__ = [
    "Access",
    "BackgroundJobs",
    "BoardContext",
    "JobLauncher",
    "add_board",
    "board_context",
    "requires_login",
]
