"""A protocol-faithful Jenkins double: an HTTP server on 127.0.0.1 that behaves like Jenkins 2.499.

What it reproduces (docs/field-facts.md, "Jenkins"; measured on real controllers):
- auth: anonymous → 403; unknown user or wrong password/token → 401; a *password* needs a crumb
  from ``/crumbIssuer/api/json`` AND the session cookie issued with it on every POST (else 403
  "No valid crumb was included in the request"); an API token needs no crumb.
- ``POST /scriptText`` (form field ``script``) → always 200 ``text/plain``, a failing script's
  body being its stack trace; ``GET /scriptText`` → 405.
- the built-in node is "Built-In Node"; ``/computer/api/json`` lists nodes; ``POST
  /computer/NAME/doDelete`` → 302, unknown node → 404.
- without the ssh-slaves plugin, an SSH attach fails with "unable to resolve class
  hudson.plugins.sshslaves.SSHLauncher" (still HTTP 200).
- script-security (measured on 2.528.3): a ``CommandLauncher`` made from a script queues its
  command for an administrator unless the script pre-approved it, and such a node is never
  launched (it stays offline; its log says "script not yet approved for use"). An approved
  command node is launched here at once (the double has no agent process: it counts as
  connected). Removing a node leaves its pending entry and its approval as they are; only the
  script can revoke the approval.

It runs bob's Groovy templates *semantically*: it accepts a script only if it is exactly one of
the package's templates with a base64 block in the placeholder (plus python-jenkins' marker
line), decodes the JSON, applies the operation to its node table the way the Groovy does, and
prints what the real script prints. Anything else gets a compile-error stack trace, so a
template edited at run time (or user text spliced in) fails loudly here too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

from provisioning.jenkins.script import PLACEHOLDER, Template, template_text

VERSION = "2.499"
BUILT_IN = "Built-In Node"
MARKER_LINE = '\nprint(")]}.")'  # what python-jenkins' run_script appends
MARKER = ")]}."
BOB_MARK = "managed by bob "
SSH_CLASS = "hudson.plugins.sshslaves.SSHLauncher"
COMMAND_CLASS = "hudson.slaves.CommandLauncher"
LAUNCHER_CLASSES = {
    "ssh": SSH_CLASS,
    "inbound": "hudson.slaves.JNLPLauncher",
    "command": COMMAND_CLASS,
}
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
# What the attach template must call for a command node to be launched at all.
PREAPPROVE_CALL = "approvals.preapprove(spec.command, language.cls.get())"
_REVOKES = "approvals.setApprovedScriptHashes((approved - hash) as String[])"


def command_hash(command: str) -> str:
    """script-security's approval hash of a system command."""
    digest = hashlib.sha512(b"system-command:" + command.encode("utf-8")).hexdigest()
    return f"SHA512:{digest}"


@dataclass
class DoubleNode:
    name: str
    label: str
    executors: int
    remote_fs: str
    description: str = ""
    launcher: dict[str, Any] = field(default_factory=lambda: {"type": "inbound"})
    connected: bool = False
    temporarily_offline: bool = False
    offline_reason: str = ""
    busy: int = 0
    # As Jenkins keeps it: since when the computer has run nothing (epoch ms).
    idle_since_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    @property
    def offline(self) -> bool:
        return self.temporarily_offline or not self.connected


@dataclass
class Request:
    method: str
    path: str
    user: str | None
    status: int


class JenkinsDouble:
    def __init__(
        self,
        *,
        users: dict[str, str] | None = None,
        tokens: dict[str, str] | None = None,
        ssh_plugin: bool = True,
        command_plugin: bool = True,
    ) -> None:
        self.passwords = dict(users or {"admin": "admin-password"})
        self.tokens = dict(tokens or {"admin": "11aa22bb33cc44dd55ee66ff77889900aa"})
        self.ssh_plugin = ssh_plugin
        self.command_plugin = command_plugin
        self.nodes: dict[str, DoubleNode] = {}
        self.pending_scripts: set[str] = set()  # commands waiting for an administrator
        self.approved_scripts: set[str] = set()  # approval hashes
        self.sessions: dict[str, str] = {}  # session id → crumb
        self.scripts: list[str] = []  # every script body received, for injection tests
        self.requests: list[Request] = []
        self.throw_next: str | None = None  # next script "throws" this exception line
        self.fail_with: int | None = None  # every request answers this HTTP status (e.g. 500)
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> JenkinsDouble:
        handler = type("Handler", (_Handler,), {"double": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    # ---- test controls ---------------------------------------------------------------------

    def add_node(self, name: str, label: str = "", executors: int = 1, **kw: Any) -> DoubleNode:
        node = DoubleNode(
            name=name,
            label=label,
            executors=executors,
            remote_fs=kw.pop("remote_fs", "/home/jenkins"),
            **kw,
        )
        with self.lock:
            self.nodes[name] = node
        return node

    def forget_sessions(self) -> None:
        """Like a controller restart: crumbs already handed out are no longer valid."""
        with self.lock:
            self.sessions.clear()

    # ---- script semantics, mirroring templates/*.groovy ------------------------------------

    def run_script(self, script: str) -> str:
        with self.lock:
            self.scripts.append(script)
            if self.throw_next is not None:
                line, self.throw_next = self.throw_next, None
                return (
                    f"{line}\n\tat Script1.run(Script1.groovy:12)\n"
                    "\tat groovy.lang.GroovyShell.evaluate(GroovyShell.java:574)\n"
                )
            parsed = _parse_bob_script(script)
            if parsed is None:
                return (
                    "org.codehaus.groovy.control.MultipleCompilationErrorsException: "
                    "startup failed:\n"
                    "Script1.groovy: 1: the Jenkins double runs only unmodified bob templates\n"
                    "1 error\n"
                )
            template, params, marker = parsed
            result = getattr(self, f"_{template.value}")(params)
            out = "BOB_RESULT " + json.dumps(result, separators=(",", ":")) + "\n"
            return out + (MARKER if marker else "")

    def _list_nodes(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"status": "ok", "nodes": [_node_view(n) for n in self.nodes.values()]}

    def _attach(self, p: dict[str, Any]) -> dict[str, Any]:
        existing = self.nodes.get(p["name"])
        if existing is not None:
            if not existing.description.startswith(BOB_MARK):
                return {
                    "status": "conflict",
                    "name": p["name"],
                    "differences": {"managed": {"expected": True, "actual": False}},
                }
            actual = {
                "label": existing.label,
                "executors": existing.executors,
                "remote_fs": existing.remote_fs,
                "launcher": existing.launcher,
            }
            expected = {k: p[k] for k in ("label", "executors", "remote_fs", "launcher")}
            diff = {
                k: {"expected": v, "actual": actual[k]}
                for k, v in expected.items()
                if actual[k] != v
            }
            if diff:
                return {"status": "conflict", "name": p["name"], "differences": diff}
            return {"status": "unchanged", "name": p["name"]}
        kind = p["launcher"]["type"]
        missing = (kind == "ssh" and not self.ssh_plugin) or (
            kind == "command" and not self.command_plugin
        )
        if missing:
            cls, plugin = (
                (SSH_CLASS, "ssh-slaves") if kind == "ssh" else (COMMAND_CLASS, "command-launcher")
            )
            return {
                "status": "error",
                "kind": "missing-plugin",
                "name": p["name"],
                "message": f"unable to resolve class {cls} (is the {plugin} plugin installed?)",
            }
        node = DoubleNode(
            name=p["name"],
            label=p["label"],
            executors=p["executors"],
            remote_fs=p["remote_fs"],
            description=BOB_MARK + json.dumps(p["meta"], separators=(",", ":")),
            launcher=dict(p["launcher"]),
        )
        if kind == "command":
            self._launch_command(node)
        self.nodes[p["name"]] = node
        return {"status": "created", "name": p["name"]}

    def _launch_command(self, node: DoubleNode) -> None:
        command = node.launcher["command"]
        if PREAPPROVE_CALL in template_text(Template.ATTACH):
            self.approved_scripts.add(command_hash(command))
        if command_hash(command) in self.approved_scripts:
            node.connected = True
        else:
            self.pending_scripts.add(command)  # and the node stays offline

    def _drain(self, p: dict[str, Any]) -> dict[str, Any]:
        node = self.nodes.get(p["name"])
        if node is None:
            return {"status": "absent", "name": p["name"]}
        if not node.description.startswith(BOB_MARK):
            return {"status": "not-managed", "name": p["name"]}
        if node.temporarily_offline:
            return {"status": "already-drained", "name": p["name"], "reason": node.offline_reason}
        node.temporarily_offline, node.offline_reason = True, p["reason"]
        return {"status": "drained", "name": p["name"], "reason": p["reason"]}

    def _undrain(self, p: dict[str, Any]) -> dict[str, Any]:
        node = self.nodes.get(p["name"])
        if node is None:
            return {"status": "absent", "name": p["name"]}
        if not node.description.startswith(BOB_MARK):
            return {"status": "not-managed", "name": p["name"]}
        if not node.temporarily_offline:
            return {"status": "already-online", "name": p["name"]}
        node.temporarily_offline, node.offline_reason = False, ""
        return {"status": "online", "name": p["name"]}

    def _detach(self, p: dict[str, Any]) -> dict[str, Any]:
        node = self.nodes.get(p["name"])
        if node is None:
            return {"status": "absent", "name": p["name"]}
        if not node.description.startswith(BOB_MARK):
            return {"status": "not-managed", "name": p["name"]}
        if node.busy > 0:
            return {"status": "busy", "name": p["name"], "busy_executors": node.busy}
        del self.nodes[p["name"]]
        command = node.launcher.get("command") if node.launcher.get("type") == "command" else None
        still_used = any(n.launcher.get("command") == command for n in self.nodes.values())
        if command is not None and not still_used and _REVOKES in template_text(Template.DETACH):
            self.approved_scripts.discard(command_hash(command))
        return {"status": "removed", "name": p["name"]}


def _parse_bob_script(script: str) -> tuple[Template, dict[str, Any], bool] | None:
    """(template, decoded params, marker appended) if ``script`` is an unmodified template."""
    first = script.split("\n", 1)[0]
    match = re.fullmatch(r"// bob-template: (\w+)", first)
    if not match or match.group(1) not in {t.value for t in Template}:
        return None
    template = Template(match.group(1))
    prefix, suffix = template_text(template).split(PLACEHOLDER)
    marker = script.endswith(MARKER_LINE)
    body = script[: -len(MARKER_LINE)] if marker else script
    if not (body.startswith(prefix) and body.endswith(suffix)):
        return None
    block = body[len(prefix) : len(body) - len(suffix)]
    if not _BASE64.fullmatch(block):
        return None
    try:
        params = json.loads(base64.b64decode(block, validate=True).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return template, params, marker


def _meta(description: str) -> Any:
    if not description.startswith(BOB_MARK):
        return None
    try:
        return json.loads(description[len(BOB_MARK) :])
    except json.JSONDecodeError:
        return {}


def _node_view(n: DoubleNode) -> dict[str, Any]:
    meta = _meta(n.description)
    return {
        "name": n.name,
        "labels": n.label,
        "executors": n.executors,
        "remote_fs": n.remote_fs,
        "offline": n.offline,
        "temporarily_offline": n.temporarily_offline,
        "offline_reason": n.offline_reason,
        "idle": n.busy == 0,
        "idle_since_ms": n.idle_since_ms,
        "busy_executors": n.busy,
        "managed": meta is not None,
        "meta": meta,
        "launcher": n.launcher,
    }


def _computer(n: DoubleNode) -> dict[str, Any]:
    labels = [*n.label.split(), n.name]
    return {
        "_class": "hudson.slaves.SlaveComputer",
        "actions": [],
        "assignedLabels": [{"name": lb} for lb in labels],
        "description": n.description,
        "displayName": n.name,
        "executors": [{} for _ in range(n.executors)],
        "icon": "symbol-computer",
        "iconClassName": "symbol-computer",
        "idle": n.busy == 0,
        "jnlpAgent": n.launcher.get("type") == "inbound",
        "launchSupported": True,
        "manualLaunchAllowed": True,
        "numExecutors": n.executors,
        "offline": n.offline,
        "offlineCause": {"_class": "hudson.slaves.OfflineCause$UserCause"}
        if n.temporarily_offline
        else None,
        "offlineCauseReason": n.offline_reason,
        "oneOffExecutors": [],
        "temporarilyOffline": n.temporarily_offline,
        "monitorData": {},
    }


def _built_in() -> dict[str, Any]:
    return {
        "_class": "hudson.model.Hudson$MasterComputer",
        "actions": [],
        "assignedLabels": [{"name": "built-in"}],
        "description": "the Jenkins controller's built-in node",
        "displayName": BUILT_IN,
        "executors": [{}, {}],
        "icon": "symbol-computer",
        "iconClassName": "symbol-computer",
        "idle": True,
        "jnlpAgent": False,
        "launchSupported": True,
        "manualLaunchAllowed": True,
        "numExecutors": 2,
        "offline": False,
        "offlineCause": None,
        "offlineCauseReason": "",
        "oneOffExecutors": [],
        "temporarilyOffline": False,
        "monitorData": {},
    }


def _config_xml(n: DoubleNode) -> str:
    launcher_class = LAUNCHER_CLASSES.get(str(n.launcher.get("type")), "unknown")
    extra = ""
    if n.launcher.get("type") == "ssh":
        extra = (
            f"<host>{escape(n.launcher['host'])}</host><port>{n.launcher['port']}</port>"
            f"<credentialsId>{escape(n.launcher['credentials_id'])}</credentialsId>"
        )
    return (
        "<?xml version='1.1' encoding='UTF-8'?>\n<slave>"
        f"<name>{escape(n.name)}</name><description>{escape(n.description)}</description>"
        f"<remoteFS>{escape(n.remote_fs)}</remoteFS><numExecutors>{n.executors}</numExecutors>"
        "<mode>NORMAL</mode>"
        '<retentionStrategy class="hudson.slaves.RetentionStrategy$Always"/>'
        f'<launcher class="{launcher_class}">{extra}</launcher>'
        f"<label>{escape(n.label)}</label><nodeProperties/></slave>"
    )


def _jetty_error(status: int, message: str, uri: str) -> str:
    return (
        '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n'
        f"<title>Error {status} {escape(message)}</title>\n</head>\n<body>\n"
        f"<h2>HTTP ERROR {status} {escape(message)}</h2>\n<table>\n"
        f"<tr><th>URI:</th><td>{escape(uri)}</td></tr>\n"
        f"<tr><th>STATUS:</th><td>{status}</td></tr>\n"
        f"<tr><th>MESSAGE:</th><td>{escape(message)}</td></tr>\n</table>\n</body>\n</html>\n"
    )


class _Handler(BaseHTTPRequestHandler):
    double: JenkinsDouble
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes; without this, Nagle + delayed ACK add 40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    # ---- plumbing ---------------------------------------------------------------------------

    def _send(
        self,
        status: int,
        body: str,
        ctype: str = "application/json;charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode("utf-8")
        # Recorded before the answer goes out: a client that got it finds the request listed.
        with self.double.lock:
            self.double.requests.append(Request(self.command, self.path, self._user, status))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Jenkins", VERSION)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, value: Any, headers: dict[str, str] | None = None) -> None:
        self._send(200, json.dumps(value), headers=headers)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(
            status, _jetty_error(status, message, self.path), "text/html;charset=utf-8", headers
        )

    def _authenticate(self) -> tuple[str | None, str | None]:
        """(user, kind) where kind is 'password' or 'token'; (None, None) when anonymous."""
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None, None
        try:
            user, _, secret = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", "invalid"
        d = self.double
        if user in d.tokens and secrets.compare_digest(d.tokens[user], secret):
            return user, "token"
        if user in d.passwords and secrets.compare_digest(d.passwords[user], secret):
            return user, "password"
        return user, "invalid"

    def _session(self) -> str | None:
        for part in self.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name.startswith("JSESSIONID."):
                return value
        return None

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        path = unquote(urlsplit(self.path).path).rstrip("/") or "/"
        self._user: str | None = None
        failing = self.double.fail_with
        if failing is not None:  # a controller in trouble: Jetty's error page, nothing done
            self._error(failing, "Server Error")
            return
        user, kind = self._authenticate()
        if kind == "invalid":
            self._error(
                401,
                f"Invalid password/token for user: {user}",
                {"WWW-Authenticate": 'Basic realm="Jenkins"'},
            )
            return
        if user is None:
            self._error(403, "Authentication required")
            return
        self._user = user
        d = self.double
        if method == "POST" and kind == "password":
            with d.lock:
                crumb = d.sessions.get(self._session() or "")
            if crumb is None or self.headers.get("Jenkins-Crumb") != crumb:
                self._error(403, "No valid crumb was included in the request")
                return
        self._route(method, path, body, user)

    def _route(self, method: str, path: str, body: str, user: str) -> None:
        d = self.double
        if path in ("/crumbIssuer/api/json", "/crumbIssuer/api/python") and method == "GET":
            sid, crumb = secrets.token_hex(12), secrets.token_hex(32)
            with d.lock:
                d.sessions[sid] = crumb
            self._json(
                {
                    "_class": "hudson.security.csrf.DefaultCrumbIssuer",
                    "crumb": crumb,
                    "crumbRequestField": "Jenkins-Crumb",
                },
                {"Set-Cookie": f"JSESSIONID.{secrets.token_hex(4)}={sid}; Path=/; HttpOnly"},
            )
        elif path in ("/api/json", "/api/python") and method == "GET":
            self._json(
                {
                    "_class": "hudson.model.Hudson",
                    "mode": "NORMAL",
                    "nodeName": "",
                    "nodeDescription": "the Jenkins controller's built-in node",
                    "numExecutors": 2,
                    "jobs": [],
                    "views": [],
                    "useCrumbs": True,
                    "useSecurity": True,
                    "url": d.url,
                }
            )
        elif path in ("/me/api/json", "/user/" + user + "/api/json") and method == "GET":
            self._json(
                {
                    "_class": "hudson.model.User",
                    "absoluteUrl": f"{d.url}user/{user}",
                    "fullName": user,
                    "id": user,
                    "description": None,
                    "property": [],
                }
            )
        elif path == "/whoAmI/api/json" and method == "GET":
            self._json(
                {
                    "_class": "hudson.security.WhoAmI",
                    "anonymous": False,
                    "authenticated": True,
                    "authorities": ["authenticated"],
                    "name": user,
                }
            )
        elif path == "/scriptText":
            if method != "POST":
                self._error(405, "Method Not Allowed")
                return
            script = parse_qs(body).get("script", [""])[0]
            self._send(200, d.run_script(script), "text/plain;charset=utf-8")
        elif path == "/" and method == "GET":  # the dashboard; get_version() reads X-Jenkins
            self._send(200, "<html><body>Dashboard [Jenkins]</body></html>", "text/html")
        elif path == "/computer" and method == "GET":  # where doDelete redirects to
            self._send(200, "<html><body>Nodes</body></html>", "text/html;charset=utf-8")
        elif path in ("/computer/api/json", "/computer/api/python") and method == "GET":
            with d.lock:
                computers = [_built_in(), *(_computer(n) for n in d.nodes.values())]
            self._json(
                {
                    "_class": "hudson.model.ComputerSet",
                    "busyExecutors": 0,
                    "computer": computers,
                    "displayName": "Nodes",
                    "totalExecutors": sum(c["numExecutors"] for c in computers),
                }
            )
        else:
            self._node_route(method, path)

    def _node_route(self, method: str, path: str) -> None:
        d = self.double
        match = re.fullmatch(r"/computer/([^/]+)(/.*)?", path)
        if not match:
            self._error(404, "Not Found")
            return
        name, rest = match.group(1), match.group(2) or ""
        if name in ("(built-in)", "(master)") and rest in ("/api/json", "/api/python"):
            self._json(_built_in())
            return
        with d.lock:
            node = d.nodes.get(name)
            if node is None:
                self._error(404, "Not Found")
            elif rest in ("/api/json", "/api/python") and method == "GET":
                self._json(_computer(node))
            elif rest == "/config.xml" and method == "GET":
                self._send(200, _config_xml(node), "application/xml")
            elif rest == "/doDelete" and method == "GET":  # @RequirePOST
                self._error(405, "Method Not Allowed")
            elif rest == "/doDelete" and method == "POST":
                del d.nodes[name]
                self._send(302, "", "text/html", {"Location": d.url + "computer/"})
            else:
                self._error(404, "Not Found")


@contextmanager
def running(**kw: Any) -> Iterator[JenkinsDouble]:
    double = JenkinsDouble(**kw).start()
    try:
        yield double
    finally:
        double.stop()
