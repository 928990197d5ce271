"""Slack as a front end of ``bob serve``: its events route (HTTP mode), itself as a component
(its websocket in Socket Mode, the outbox), and the refresh of the groups its access reads."""

from __future__ import annotations

from bot.serving.parts import Component, Duty, RouteAdder, Serving


def slack_events(serving: Serving) -> RouteAdder | None:
    return serving.slack.events_route() if serving.slack is not None else None


def slack_front(serving: Serving) -> Component | None:
    return serving.slack


def slack_groups(serving: Serving) -> Duty | None:
    return serving.slack.keep_groups_fresh if serving.slack is not None else None
