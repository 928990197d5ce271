"""The page around every view: title, navigation, the stylesheet and the one script."""

from __future__ import annotations

from bot.web.html import Html, html

NAV = (
    ("/", "Board"),
    ("/make", "Make it"),
    ("/attach", "Attach"),
    ("/lockers", "Lockers"),
    ("/jobs", "Jobs"),
    ("/staging", "Staging"),
)


def page(title: str, body: Html, *, user: str) -> Html:
    links = Html("".join(html('<a href="{}">{}</a>', href, text) for href, text in NAV))
    return html(
        """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{} · bob</title>
<link rel="stylesheet" href="/static/board.css">
<script src="/static/board.js" defer></script>
</head>
<body>
<header><strong>bob</strong><nav>{}</nav><span class="user">{}</span></header>
<main>
{}
</main>
</body>
</html>
""",
        title,
        links,
        user,
        body,
    )


def csrf_input(token: str) -> Html:
    return html('<input type="hidden" name="csrf_token" value="{}">', token)
