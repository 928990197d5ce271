"""Slack as a front end of ``bob serve``: its events route (HTTP mode) or its websocket."""

from __future__ import annotations

from bot.serving.parts import Component, RouteAdder, Serving


def slack_events(serving: Serving) -> RouteAdder | None:
    return serving.slack.events_route() if serving.slack is not None else None


def slack_socket(serving: Serving) -> Component | None:
    return serving.slack.socket_door() if serving.slack is not None else None
