"""Who may use the board, and that every form is proven to come from the board itself.

Only loopback networking is allowed on the test machines, so the "public" board here really
listens on 127.0.0.1 but is *configured* as bound to 10.20.30.40: the login decision is made
from the configured bind address (never from the peer's address, which a proxy on loopback
would make look local), so this is exactly the board an operator gets with
``bob board --bind 10.20.30.40``.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from bot.web import Access, requires_login
from provisioning.config.models import WebSettings
from provisioning.errors import ConfigError
from tests.bot.web.site import board_site
from tests.fleets import make_fleet

PASSWORD = "correct horse battery staple"
PUBLIC = Access.for_bind(WebSettings(), "10.20.30.40", env={"BOB_WEB_PASSWORD": PASSWORD})
GUARDED_PATHS = ["/", "/board/fragment", "/board/events", "/make", "/attach", "/jobs",
                 "/static/board.js"]  # fmt: skip


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize(
    ("bind", "login"),
    [
        ("127.0.0.1", False),
        ("127.0.0.53", False),
        ("::1", False),
        ("localhost", False),
        ("0.0.0.0", True),
        ("10.20.30.40", True),
        ("::", True),
        ("board.example.com", True),
    ],
)
def test_a_login_is_required_exactly_when_bound_beyond_loopback(bind: str, login: bool) -> None:
    assert login == requires_login(bind)


def test_a_public_board_does_not_start_without_a_password_in_the_environment() -> None:
    with pytest.raises(ConfigError, match="BOB_WEB_PASSWORD"):
        Access.for_bind(WebSettings(), "10.20.30.40", env={})


@pytest.mark.parametrize("path", GUARDED_PATHS)
async def test_a_public_board_refuses_an_unauthenticated_request(tmp_path: Path, path: str) -> None:
    async with (
        board_site(tmp_path, make_fleet(), PUBLIC) as site,
        site.http.get(site.url + path) as response,
    ):
        assert 401 == response.status
        assert response.headers["WWW-Authenticate"].startswith("Basic ")


async def test_a_public_board_refuses_a_wrong_password_and_a_wrong_user(tmp_path: Path) -> None:
    async with board_site(tmp_path, make_fleet(), PUBLIC) as site:
        statuses = [
            (await site.get("/", headers=basic("bob", "guess")))[0],
            (await site.get("/", headers=basic("mallory", PASSWORD)))[0],
            (await site.get("/", headers={"Authorization": "Bearer guess"}))[0],
            (await site.get("/", headers={"Authorization": "Basic !!not-base64"}))[0],
        ]
    assert [401, 401, 401, 401] == statuses


async def test_a_public_board_lets_in_basic_auth_and_a_bearer_token(tmp_path: Path) -> None:
    async with board_site(tmp_path, make_fleet(), PUBLIC) as site:
        with_basic, page = await site.get("/", headers=basic("bob", PASSWORD))
        with_bearer, _ = await site.get("/", headers={"Authorization": f"Bearer {PASSWORD}"})
    assert (200, 200) == (with_basic, with_bearer)
    assert 'data-host="host-a"' in page


async def test_a_public_unauthenticated_post_changes_nothing(tmp_path: Path) -> None:
    async with board_site(tmp_path, make_fleet(), PUBLIC) as site:
        response = await site.post("/make", {"count": "1"}, token="0" * 64)
        jobs = await site.rt.store.list_jobs()
    assert 401 == response.status
    assert [] == jobs


async def test_a_loopback_board_needs_no_login(tmp_path: Path) -> None:
    local = Access.for_bind(WebSettings(), "127.0.0.1", env={})
    async with board_site(tmp_path, make_fleet(), local) as site:
        status, page = await site.get("/")
    assert 200 == status
    assert 'data-host="host-a"' in page


async def test_a_post_without_the_csrf_token_is_refused_and_starts_nothing(
    tmp_path: Path,
) -> None:
    async with board_site(tmp_path, make_fleet()) as site:
        await site.csrf()  # the client has a session: only the token is missing
        make = await site.post("/make", {"count": "1"}, token=None)
        attach = await site.post(
            "/attach", {"controller": "ci-main", "label": "light", "count": "1"}, token=None
        )
        jobs = await site.rt.store.list_jobs()
    assert (403, 403) == (make.status, attach.status)
    assert [] == jobs


async def test_a_csrf_token_of_another_session_is_refused(tmp_path: Path) -> None:
    async with board_site(tmp_path, make_fleet()) as site:
        stolen = await site.csrf()
        site.http.cookie_jar.clear()  # a new visitor (a new session) replays the token
        await site.get("/")
        response = await site.post("/make", {"count": "1"}, token=stolen)
        jobs = await site.rt.store.list_jobs()
    assert 403 == response.status
    assert [] == jobs


async def test_a_post_with_its_sessions_token_reaches_the_form_handler(tmp_path: Path) -> None:
    """A count of 0 is refused by the request validator, which runs only once the token passed."""
    async with board_site(tmp_path, make_fleet()) as site:
        response = await site.post("/make", {"count": "0"})
        jobs = await site.rt.store.list_jobs()
    assert 400 == response.status
    assert [] == jobs


async def test_pages_forbid_framing_and_inline_script(tmp_path: Path) -> None:
    async with (
        board_site(tmp_path, make_fleet()) as site,
        site.http.get(site.url + "/") as response,
    ):
        headers = response.headers
        cookie = response.cookies["bob_board_session"]
    assert "DENY" == headers["X-Frame-Options"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert cookie["httponly"]
    assert "Strict" == cookie["samesite"]
