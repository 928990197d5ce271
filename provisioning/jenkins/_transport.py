"""python-jenkins, isolated: the one module that touches the untyped library.

Everything it raises is translated here into :mod:`provisioning.jenkins.errors`, with the
controller's name. The secret is handed to python-jenkins and never logged or put in a message.

Facts this relies on (python-jenkins 1.8.3, measured against Jenkins 2.499):
- A fresh client resolves credentials lazily, and ``get_version()`` bypasses that step and
  goes out anonymously; so the first call is ``get_whoami()``, which authenticates and also
  fetches the crumb (from ``crumbIssuer/api/json``). The requests session keeps the session
  cookie that came with it; Jenkins only accepts a crumb together with that cookie.
- HTTP errors 401/403/500 become a bare ``JenkinsException`` whose ``__context__`` is the
  ``requests.HTTPError`` (the status is only in the message otherwise); 404 is
  ``NotFoundException``; a socket timeout is ``TimeoutException``; a refused connection escapes
  as ``requests.ConnectionError``.
- ``run_script`` appends ``print(")]}.")`` and raises ``JenkinsException(output)`` when the
  output does not end with it: that is how a script that threw shows up (HTTP is still 200).
"""

from __future__ import annotations

import html
import re
from typing import Any, cast

import jenkins  # type: ignore[import-untyped]
import requests

from provisioning.jenkins.errors import (
    JenkinsAuthError,
    JenkinsError,
    JenkinsScriptError,
    JenkinsUnreachable,
)

_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


class ScriptConsole:
    """One authenticated python-jenkins client, used for one operation from one thread."""

    def __init__(self, controller: str, url: str, user: str, secret: str, timeout: float) -> None:
        self._controller = controller
        self._timeout = timeout
        # retries=0: a refused connection fails at once; bob's job runner decides about retries.
        self._client = jenkins.Jenkins(url, username=user, password=secret, timeout=timeout)

    def whoami(self) -> dict[str, Any]:
        try:
            return cast(dict[str, Any], self._client.get_whoami())
        except Exception as exc:
            raise self._translate(exc) from exc

    def run_script(self, script: str) -> str:
        try:
            return cast(str, self._client.run_script(script))
        except Exception as exc:
            raise self._translate(exc) from exc

    def _translate(self, exc: Exception) -> JenkinsError:
        name = self._controller
        if isinstance(exc, jenkins.TimeoutException | requests.Timeout):
            return JenkinsUnreachable(name, f"no answer within {self._timeout:g} s")
        if isinstance(exc, requests.ConnectionError):
            return JenkinsUnreachable(name, "cannot connect", _root_cause(exc))
        http_error = exc.__context__
        if isinstance(http_error, requests.HTTPError) and http_error.response is not None:
            status = http_error.response.status_code
            detail = _http_detail(http_error.response)
            if status in (401, 403):
                return JenkinsAuthError(name, status, detail)
            return JenkinsError(name, f"HTTP {status}", detail)
        if isinstance(exc, jenkins.NotFoundException):
            return JenkinsError(name, "not found (HTTP 404)", "is the URL a Jenkins controller?")
        if isinstance(exc, jenkins.JenkinsException):
            # run_script's marker was missing: the body is the script's stack trace.
            return JenkinsScriptError(name, "script failed", first_line(str(exc)))
        return JenkinsError(name, type(exc).__name__, first_line(str(exc)))


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:500]
    return ""


def _http_detail(response: requests.Response) -> str:
    # Jenkins answers errors with Jetty's HTML page; its <title> says it in one line.
    match = _TITLE.search(response.text or "")
    if match:
        title = re.sub(r"\s+", " ", html.unescape(match.group(1))).strip()
        return re.sub(r"^Error \d+ ", "", title)
    return first_line(response.text or "") or str(response.reason or "")


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = cast(BaseException, exc.__cause__ or exc.__context__)
    return first_line(str(exc)) or type(exc).__name__
