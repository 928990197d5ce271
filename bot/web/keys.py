"""Where the board keeps its things on the aiohttp app and on each request."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.web.context import BoardContext
from bot.web.snapshot import LimitsCache, NodeCache

CONTEXT = web.AppKey("bob_board", BoardContext)
CLOSING = web.AppKey("bob_board_closing", asyncio.Event)
NODES = web.AppKey("bob_board_nodes", NodeCache)
LIMITS = web.AppKey("bob_board_limits", LimitsCache)
# Set by the guard on every request it lets through.
SESSION = web.RequestKey("bob_board_session", str)
USER = web.RequestKey("bob_board_user", str)
