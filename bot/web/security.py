"""Who may use the board and proof that a form came from it.

Login: needed only when the board listens on something other than loopback — the decision is
made from the configured bind address, not from where a request comes from (a proxy on
loopback would make every request look local). Then a request carries HTTP basic auth as
``web.user`` with the password from the environment variable ``web.password_env``, or
``Authorization: Bearer <password>``.

CSRF: every visitor gets a random session cookie (HttpOnly, SameSite=Strict); every form
carries a token that is an HMAC of that session under a key made when the process starts.
A POST whose token does not match its own session's is refused before anything runs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import hdrs, web

from provisioning.config.models import WebSettings
from provisioning.errors import ConfigError

SESSION_COOKIE = "bob_board_session"
CSRF_FIELD = "csrf_token"
LOCAL_USER = "local"


def requires_login(bind: str) -> bool:
    """Anything but a loopback address (or ``localhost``) is reachable by others."""
    if bind == "localhost":
        return False
    try:
        return not ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return True  # a host name: it may resolve to anything


@dataclass(frozen=True)
class Access:
    login_required: bool
    user: str = "bob"
    password: str | None = field(default=None, repr=False)
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @classmethod
    def for_bind(
        cls, web_settings: WebSettings, bind: str, env: Mapping[str, str] | None = None
    ) -> Access:
        """The access rules for a board bound to ``bind``; off loopback, a password must be set."""
        if not requires_login(bind):
            return cls(login_required=False, user=web_settings.user)
        password = (env if env is not None else os.environ).get(web_settings.password_env)
        if not password:
            raise ConfigError(
                f"the board is bound to {bind}, which is not loopback, so it needs a login: "
                f"set the environment variable {web_settings.password_env} (web.password_env)"
            )
        return cls(login_required=True, user=web_settings.user, password=password)

    def who(self, request: web.Request) -> str | None:
        """The logged-in user, ``local`` when no login is needed, None when refused."""
        if not self.login_required:
            return LOCAL_USER
        assert self.password is not None
        scheme, _, credentials = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
        if scheme.lower() == "bearer":
            return self.user if _same(credentials.strip(), self.password) else None
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, _, password = decoded.partition(":")
        # Both compared, always: the time taken says nothing about which one was wrong.
        ok = _same(user, self.user) & _same(password, self.password)
        return self.user if ok else None

    def csrf_token(self, session: str) -> str:
        return hmac.new(self.key, session.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: str, token: object) -> bool:
        return isinstance(token, str) and _same(token, self.csrf_token(session))


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def new_session() -> str:
    return secrets.token_urlsafe(24)


def valid_session(value: str | None) -> bool:
    return (
        value is not None
        and 16 <= len(value) <= 64
        and value.replace("-", "").replace("_", "").isalnum()
    )
