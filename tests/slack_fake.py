"""A local Slack for the tests: the Web API bob calls, a Socket Mode websocket, and signing.

The fake records every Web API call (method, parameters, arrival time, the status it gave),
keeps each posted message's current content the way Slack would after ``chat.update``, and
can be told to answer a method with HTTP 429 + Retry-After, or to be down altogether.
It is an aiohttp app on 127.0.0.1; the bot reaches it through
``AsyncWebClient(base_url=fake.api_url)`` (the trailing slash matters).

Slack's side of a conversation is here too: ``sign`` makes the v0 HMAC headers Slack puts on
HTTP requests, and ``socket_send`` pushes an envelope down the Socket Mode websocket and
returns the bot's acknowledgement.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import WSMsgType, web

from tests.ports import free_port

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
SIGNING_SECRET = "test-signing-secret"
BOT_USER = "UBOB"
TEAM = "T0TEAM"


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() on arrival
    status: int


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[Any]
    thread_ts: str | None
    edits: int = 0


@dataclass
class _Failure:
    status: int
    times: int
    retry_after: int


@dataclass
class FakeSlack:
    groups: dict[str, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, Message] = field(default_factory=dict)
    responses: list[dict[str, Any]] = field(default_factory=list)
    # What arrived at each response_url, by the token in its path.
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    down: bool = False
    port: int = 0
    _failures: dict[str, _Failure] = field(default_factory=dict)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _acks: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    _changed: asyncio.Condition | None = None
    _runner: web.AppRunner | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{token}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._changed = asyncio.Condition()
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # -- what tests arrange and read ------------------------------------------------------------

    def fail(self, method: str, *, times: int = 1, status: int = 429, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with ``status`` (and Retry-After)."""
        self._failures[method] = _Failure(status, times, retry_after)

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def thread(self, ts: str) -> list[Message]:
        return [m for m in self.messages.values() if m.thread_ts == ts]

    def top_level(self, channel: str) -> list[Message]:
        return [m for m in self.messages.values() if m.channel == channel and not m.thread_ts]

    async def wait_for(self, condition: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Until ``condition()`` is truthy; its value. Re-checked after every call, and every
        50 ms for conditions on the bot's side of a call (e.g. after it read the answer)."""
        assert self._changed is not None
        async with asyncio.timeout(timeout):
            async with self._changed:
                while not (value := condition()):
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 0.05)
                return value

    # -- Slack's side: signing and Socket Mode --------------------------------------------------

    @property
    def socket_connected(self) -> bool:
        return bool(self._sockets)

    async def socket_send(
        self, kind: str, payload: dict[str, Any], timeout: float = 5.0
    ) -> dict[str, Any]:
        """Push an envelope to the bot over the websocket; the bot's ack message."""
        envelope_id = str(uuid.uuid4())
        ack: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = ack
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind in ("slash_commands", "interactive"),
        }
        await self._sockets[-1].send_str(json.dumps(envelope))
        return await asyncio.wait_for(ack, timeout)

    # -- handlers -------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        params.setdefault("token", token)
        status, body, headers = self._answer(method, params)
        self.calls.append(Call(method, params, time.monotonic(), status))
        await self._notify()
        return web.json_response(body, status=status, headers=headers)

    def _answer(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self.down:
            return 503, {"ok": False, "error": "service_unavailable"}, {}
        failure = self._failures.get(method)
        if failure is not None and failure.times > 0:
            failure.times -= 1
            headers = {"Retry-After": str(failure.retry_after)} if failure.status == 429 else {}
            return failure.status, {"ok": False, "error": "ratelimited"}, headers
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if params.get("token") != expected:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        return 200, self._result(method, params), {}

    def _result(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BBOB", "team_id": TEAM}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "chat.postMessage":
            ts = f"{1700000000 + next(self._ts)}.000100"
            self.messages[ts] = Message(
                params["channel"],
                ts,
                params.get("text", ""),
                _json(params.get("blocks")),
                params.get("thread_ts"),
            )
            return {"ok": True, "channel": params["channel"], "ts": ts}
        if method == "chat.update":
            message = self.messages.get(params["ts"])
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            message.text, message.blocks = params.get("text", ""), _json(params.get("blocks"))
            message.edits += 1
            return {"ok": True, "channel": message.channel, "ts": message.ts}
        if method == "chat.getPermalink":
            if params.get("message_ts") not in self.messages:
                return {"ok": False, "error": "message_not_found"}
            return {
                "ok": True,
                "permalink": self.permalink(params["channel"], params["message_ts"]),
            }
        if method == "usergroups.users.list":
            return {"ok": True, "users": self.groups.get(params.get("usergroup", ""), [])}
        return {"ok": True}  # chat.postEphemeral, views.open, …

    @staticmethod
    def permalink(channel: str, ts: str) -> str:
        """The link Slack gives for a message (``chat.getPermalink``)."""
        return f"https://bobs.slack.com/archives/{channel}/p{ts.replace('.', '')}"

    def response_url(self, token: str) -> str:
        """Where a command's delayed answer goes (see ``answers``)."""
        return f"http://127.0.0.1:{self.port}/response/{token}"

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append(body)
        self.answers[request.match_info["token"]] = body
        await self._notify()
        return web.json_response({"ok": True})

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await self._notify()
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                ack = self._acks.pop(data.get("envelope_id", ""), None)
                if ack is not None and not ack.done():
                    ack.set_result(data)
        finally:
            self._sockets.remove(ws)
        return ws

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.method == "POST":
        params.update(dict(await request.post()))
    return params


def _json(value: Any) -> list[Any]:
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)


# -- what Slack sends --------------------------------------------------------------------------


def sign(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The headers Slack signs an HTTP request with (v0 HMAC-SHA256 over ``v0:ts:body``)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def slash_payload(
    text: str, *, user: str = "UALICE", channel: str = "CBOBS", response_url: str = ""
) -> dict[str, str]:
    return {
        "token": "legacy-unused",
        "team_id": TEAM,
        "team_domain": "bobs",
        "channel_id": channel,
        "channel_name": "bobs",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/bob",
        "text": text,
        "api_app_id": "ABOB",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }


def slash_body(text: str, **kwargs: str) -> str:
    return urlencode(slash_payload(text, **kwargs))


def button_payload(
    action_id: str, value: str, *, user: str, channel: str = "CBOBS", message_ts: str = "1.0"
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "bobs"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "ABOB",
        "token": "legacy-unused",
        "trigger_id": "1.2.3",
        "channel": {"id": channel, "name": "bobs"},
        "message": {"type": "message", "ts": message_ts, "text": ""},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "response_url": "",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "bob_confirmation",
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }


def button_body(action_id: str, value: str, **kwargs: Any) -> str:
    return urlencode({"payload": json.dumps(button_payload(action_id, value, **kwargs))})


def mention_event(
    text: str, *, user: str = "UALICE", channel: str = "CBOBS", thread_ts: str | None = None
) -> dict[str, Any]:
    """An ``app_mention`` event; ``thread_ts``: the mention was made inside that thread."""
    ts = f"{time.time():.6f}"
    return {
        "token": "legacy-unused",
        "team_id": TEAM,
        "api_app_id": "ABOB",
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10]}",
        "event_time": int(time.time()),
        "event": {
            "type": "app_mention",
            "user": user,
            "text": f"<@{BOT_USER}> {text}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
        }
        | ({"thread_ts": thread_ts} if thread_ts else {}),
    }
