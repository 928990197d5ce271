"""What the Jenkins adapter raises. Every message names the controller.

BobError
├── ConfigError
│   └── JenkinsCredentialsMissing   the token's environment variable is not set
├── UsageError
│   └── JenkinsRequestInvalid       a name, label or launcher failed validation: no script built
└── JenkinsError                    the controller failed; ``detail`` is the first line of output
    ├── JenkinsUnreachable          nothing listening, DNS failure, or timed out
    ├── JenkinsAuthError            HTTP 401/403 (bad credentials, no permission, no crumb)
    ├── JenkinsScriptError          the script threw or printed no BOB_RESULT line
    ├── JenkinsPluginMissing        the launcher needs a plugin the controller lacks
    └── NodeConflict                the node exists with other settings
        └── NodeNotManaged          the node exists and bob did not create it
"""

from __future__ import annotations

from provisioning.errors import BobError, ConfigError, UsageError


class JenkinsCredentialsMissing(ConfigError):
    def __init__(self, controller: str, env_var: str) -> None:
        super().__init__(
            f"Jenkins controller {controller}: environment variable {env_var} "
            "(its API token) is not set"
        )
        self.controller = controller
        self.env_var = env_var


class JenkinsRequestInvalid(UsageError):
    """Raised before any script is rendered, so nothing reached a controller."""


class JenkinsError(BobError):
    def __init__(self, controller: str, what: str, detail: str = "") -> None:
        message = f"Jenkins controller {controller}: {what}"
        if detail:
            message += f": {detail}"
        super().__init__(message)
        self.controller = controller
        self.detail = detail


class JenkinsUnreachable(JenkinsError):
    pass


class JenkinsAuthError(JenkinsError):
    def __init__(self, controller: str, status: int, detail: str = "") -> None:
        super().__init__(controller, f"access denied (HTTP {status})", detail)
        self.status = status


class JenkinsScriptError(JenkinsError):
    pass


class JenkinsPluginMissing(JenkinsError):
    pass


class NodeConflict(JenkinsError):
    def __init__(
        self, controller: str, node: str, detail: str, *, what: str = "exists with other settings"
    ) -> None:
        super().__init__(controller, f"node {node} {what}", detail)
        self.node = node


class NodeNotManaged(NodeConflict):
    def __init__(self, controller: str, node: str) -> None:
        super().__init__(
            controller,
            node,
            "bob leaves nodes it did not create alone",
            what="exists and is not managed by bob",
        )
