"""The fleet configuration as typed, validated pydantic models.

Secrets never live here: where a secret is needed the config names the environment variable
that holds it (``token_env``), and the value is read at the moment of use.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from provisioning.config.problems import (
    Loc,
    report,
    reverse_zone_derivable,
    reverse_zone_gap,
)

LABEL_RE = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
ENV_VAR_RE = r"^[A-Z_][A-Z0-9_]*$"

# A DNS hostname label (RFC 1123), lower case: what hosts, disks and Bobs are called.
HostLabel = Annotated[str, StringConstraints(pattern=LABEL_RE)]
EnvVarName = Annotated[str, StringConstraints(pattern=ENV_VAR_RE)]
JenkinsLabel = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
SlackId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,32}$")]

COMMANDS = (
    "create",
    "destroy",
    "attach",
    "detach",
    "rebuild-base",
    "refresh",
    "limit",
    "list",
    "jobs",
    "job",
    "cancel",
    "reconcile",
    "drain",
    "plan",
    "locker",
)
READ_ONLY_COMMANDS = frozenset({"list", "jobs", "job", "plan", "help"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SshTarget(_Model):
    address: str = Field(min_length=1)
    port: int = Field(default=22, ge=1, le=65535)
    user: str = Field(default="root", pattern=r"^[a-z_][a-z0-9_-]{0,31}$")
    known_hosts: Path = Path("/etc/bob/known_hosts")
    key_file: Path | None = None
    connect_timeout: float = Field(default=5.0, gt=0, le=60)


class Disk(_Model):
    name: HostLabel
    max_bobs: int = Field(ge=0, le=1000)
    # Seconds lxc-autostart waits after starting one Bob of this disk before the next, so a
    # rebooted host boots one Bob per disk at a time (docs/autostart.md).
    start_delay: int = Field(default=5, ge=0, le=600)


class DirStorage(_Model):
    """Clone by copying the base tree with rsync (works everywhere, slowest)."""

    backend: Literal["dir"] = "dir"
    root: Path = Path("/var/lib/bob")


class BtrfsStorage(_Model):
    """Clone by btrfs subvolume snapshot (near instant); ``root`` must be on btrfs."""

    backend: Literal["btrfs"] = "btrfs"
    root: Path = Path("/var/lib/bob")


class OverlayStorage(_Model):
    """Clone as an overlayfs with the base as lower dir (near instant)."""

    backend: Literal["overlay"] = "overlay"
    root: Path = Path("/var/lib/bob")


class LvmStorage(_Model):
    """The original layout: one logical volume per Bob, ext3, filled by rsync from the base."""

    backend: Literal["lvm"] = "lvm"
    root: Path = Path("/var/lib/bob")
    volume_group_prefix: str = Field(default="vg", pattern=r"^[A-Za-z0-9_.+-]+$")
    size: str = Field(default="20G", pattern=r"^[0-9]+[KMGT]$")
    filesystem: Literal["ext3", "ext4"] = "ext3"


Storage = Annotated[
    DirStorage | BtrfsStorage | OverlayStorage | LvmStorage, Field(discriminator="backend")
]


# What an rsync of a running host's root must leave out: kernel and runtime file systems, the
# host's own containers, caches and logs (the original system's list).
DEFAULT_ROOTFS_EXCLUDES = (
    "/proc/*",
    "/sys/*",
    "/dev/*",
    "/run/*",
    "/tmp/*",  # noqa: S108 (excluded from a copy, never written)
    "/mnt/*",
    "/media/*",
    "/lost+found",
    "/var/lib/lxc/*",
    "/var/lib/bob/*",
    "/var/cache/apt/archives/*.deb",
    "/var/log/*",
    "/swapfile",
)


class RootfsSource(_Model):
    """The host's own root file system, copied with rsync (the original system's way)."""

    kind: Literal["rootfs"] = "rootfs"
    path: Path = Path("/")
    exclude: tuple[str, ...] = DEFAULT_ROOTFS_EXCLUDES


class DebootstrapSource(_Model):
    kind: Literal["debootstrap"] = "debootstrap"
    suite: str = Field(default="bookworm", pattern=r"^[a-z][a-z0-9-]{1,31}$")
    variant: Literal["minbase", "buildd", "fakechroot"] | None = "minbase"
    # minbase has no init, and a container needs one to start.
    packages: tuple[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9+.-]+$")], ...] = (
        "sysvinit-core",
        "iproute2",
    )
    mirror: str = Field(default="http://deb.debian.org/debian", pattern=r"^https?://\S+$")


class DirectorySource(_Model):
    """A golden tree on the host, copied as it is."""

    kind: Literal["directory"] = "directory"
    path: Path

    @model_validator(mode="after")
    def _absolute(self) -> DirectorySource:
        if not self.path.is_absolute() or ".." in self.path.parts:
            raise ValueError(f"path must be absolute without '..' (got {self.path})")
        return self


class TemplateSource(_Model):
    """An LXC template (``lxc-create -t``), e.g. busybox for the sandbox."""

    kind: Literal["template"] = "template"
    template: str = Field(default="busybox", pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    options: tuple[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9=:/._,-]+$")], ...] = ()


BaseSource = Annotated[
    RootfsSource | DebootstrapSource | DirectorySource | TemplateSource,
    Field(discriminator="kind"),
]


class DeviceNode(_Model):
    """A node under the base's /dev: an rsync copy of a live /dev is useless."""

    path: str = Field(pattern=r"^dev/[a-z0-9/_-]+$")
    type: Literal["c", "b"] = "c"
    major: int = Field(ge=0, le=4095)
    minor: int = Field(ge=0, le=1048575)
    mode: str = Field(default="0666", pattern=r"^0?[0-7]{3}$")


DEFAULT_DEVICES = (
    DeviceNode(path="dev/null", major=1, minor=3),
    DeviceNode(path="dev/zero", major=1, minor=5),
    DeviceNode(path="dev/full", major=1, minor=7),
    DeviceNode(path="dev/random", major=1, minor=8),
    DeviceNode(path="dev/urandom", major=1, minor=9),
    DeviceNode(path="dev/tty", major=5, minor=0),
    DeviceNode(path="dev/console", major=5, minor=1, mode="0600"),
    DeviceNode(path="dev/ptmx", major=5, minor=2),
)
ServiceName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9@_.-]{0,63}$")]
LxcConfigLine = Annotated[
    str, StringConstraints(pattern=r"^lxc\.[a-z0-9_.]+ = [^\n]+$", max_length=1000)
]


class BaseSettings(_Model):
    """How ``rebuild-base`` makes a host's base: a source, then the fix-ups in this order."""

    source: BaseSource = Field(default_factory=RootfsSource)
    devices: tuple[DeviceNode, ...] = DEFAULT_DEVICES
    identity_files: tuple[str, ...] = ("/etc/chef/client.pem",)
    disable_services: tuple[ServiceName, ...] = ()
    # Lines every Bob inherits from the base's LXC config, e.g. read-only mounts.
    lxc_config: tuple[LxcConfigLine, ...] = ()
    build_timeout: float = Field(default=1800.0, gt=0, le=86400)

    @model_validator(mode="after")
    def _absolute_paths(self) -> BaseSettings:
        relative = [p for p in self.identity_files if not p.startswith("/") or ".." in p]
        if relative:
            raise ValueError(f"identity files must be absolute paths without '..': {relative}")
        network = [line for line in self.lxc_config if line.startswith("lxc.net.")]
        if network:
            # The base has no network: each Bob's own config sets it.
            raise ValueError(f"lxc_config cannot set the network: {network}")
        return self


class Host(_Model):
    name: HostLabel
    ssh: SshTarget
    datacenter: HostLabel
    bridge: str = Field(default="br0", pattern=r"^[A-Za-z0-9_.-]{1,15}$")
    storage: Storage = Field(default_factory=OverlayStorage)
    disks: tuple[Disk, ...] = Field(min_length=1)
    drained: bool = False
    base: BaseSettings = Field(default_factory=BaseSettings)

    @model_validator(mode="after")
    def _disk_names_unique(self) -> Host:
        names = [d.name for d in self.disks]
        report(
            [
                (
                    ("disks", i),
                    f"two disks are named {name} (disks {names.index(name) + 1} and {i + 1})",
                )
                for i, name in enumerate(names)
                if name in names[:i]
            ]
        )
        return self

    @property
    def capacity(self) -> int:
        return sum(d.max_bobs for d in self.disks)


class AddressRange(_Model):
    first: ipaddress.IPv4Address
    last: ipaddress.IPv4Address

    @model_validator(mode="after")
    def _ordered(self) -> AddressRange:
        if self.last < self.first:
            raise ValueError(f"range {self.first}-{self.last} ends before it starts")
        return self

    def __contains__(self, address: object) -> bool:
        return isinstance(address, ipaddress.IPv4Address) and self.first <= address <= self.last


class Subnet(_Model):
    cidr: ipaddress.IPv4Network
    gateway: ipaddress.IPv4Address
    datacenter: HostLabel
    forward_zone: str = Field(default="bob.test", pattern=r"^[a-z0-9.-]+$")
    reverse_zone: str | None = None
    reserved: tuple[AddressRange, ...] = ()

    @model_validator(mode="after")
    def _addresses_inside(self) -> Subnet:
        problems: list[tuple[Loc, str]] = []
        if self.gateway not in self.cidr:
            problems.append((("gateway",), f"{self.gateway} is not inside {self.cidr}"))
        for i, span in enumerate(self.reserved):
            if span.first not in self.cidr or span.last not in self.cidr:
                problems.append(
                    (("reserved", i), f"{span.first}-{span.last} is not inside {self.cidr}")
                )
        if self.reverse_zone is not None:
            gap = reverse_zone_gap(self.cidr, self.reverse_zone)
            if gap:
                problems.append((("reverse_zone",), gap))
        report(problems)
        return self


class Naming(_Model):
    prefix: str = Field(default="bob", pattern=r"^[a-z][a-z-]{0,30}$")
    width: int = Field(default=3, ge=1, le=6)

    @property
    def max_number(self) -> int:
        return int(10**self.width) - 1


class CgroupLimits(_Model):
    memory: str | None = Field(default="2G", pattern=r"^[0-9]+[KMG]?$")
    cpu_shares: int | None = Field(default=None, ge=2, le=262144)
    cpuset: str | None = Field(default=None, pattern=r"^[0-9,-]+$")


class Readiness(_Model):
    """When a started Bob counts as booted, so its bootstrap may begin: ``auto`` waits for
    systemd's ``running``/``degraded`` where PID 1 is systemd and takes the ping otherwise;
    ``command`` runs ``command`` (argv) inside the Bob until it exits 0."""

    probe: Literal["auto", "systemd", "ping", "command"] = "auto"
    command: tuple[str, ...] = ()
    timeout_s: float = Field(default=120.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _command_with_its_probe(self) -> Readiness:
        if self.probe == "command" and not self.command:
            raise ValueError("probe 'command' needs a command (argv run inside the Bob)")
        if self.probe != "command" and self.command:
            raise ValueError(f"a command is only run by probe 'command', not {self.probe!r}")
        return self


def plain_absolute_path(value: str) -> str:
    """An absolute path of plain segments (the pattern); no segment may be ``.`` or ``..``."""
    if any(part in (".", "..") for part in value.split("/")):
        raise ValueError(f"{value!r} must not contain '.' or '..' segments")
    return value


# Where a Jenkins agent works on a Bob: nothing a shell or a path walk could reinterpret.
RemoteFsPath = Annotated[
    str,
    StringConstraints(pattern=r"^(/[A-Za-z0-9_.-]+)+$", max_length=255),
    AfterValidator(plain_absolute_path),
]


class BobDefaults(_Model):
    cgroup: CgroupLimits = Field(default_factory=CgroupLimits)
    strip_identity: tuple[str, ...] = ("/etc/chef/client.pem",)
    bootstrap: tuple[str, ...] = ()
    readiness: Readiness = Field(default_factory=Readiness)
    hooks: dict[Literal["pre-start", "start-host", "post-stop", "mount"], str] = Field(
        default_factory=dict
    )
    # Lockers (by name, where the Bob's host has them) mounted read-write, shared, into every
    # new Bob, e.g. a build cache (docs/lockers.md).
    lockers: tuple[HostLabel, ...] = ()
    # Host paths mounted read-only at the same path into every new Bob (a toolchain, a JRE).
    host_paths: tuple[RemoteFsPath, ...] = ()

    @model_validator(mode="after")
    def _absolute_paths(self) -> BobDefaults:
        relative = [p for p in self.strip_identity if not p.startswith("/") or ".." in p]
        if relative:
            raise ValueError(f"identity files must be absolute paths without '..': {relative}")
        return self


COMMAND_PLACEHOLDERS = ("name", "fqdn", "host", "lxcpath")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class AgentLauncher(_Model):
    """How a controller starts the agent on a Bob.

    ``ssh``: the controller connects to the Bob's FQDN with a stored credential (ssh-slaves
    plugin). ``inbound``: the agent connects to the controller. ``command``: the controller runs
    ``command`` (command-launcher plugin), with ``{name}``, ``{fqdn}``, ``{host}`` (its host's SSH
    address) and ``{lxcpath}`` (its disk's lxcpath on that host) replaced by the Bob's.
    """

    type: Literal["ssh", "inbound", "command"] = "inbound"
    credentials_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,128}$")
    port: int = Field(default=22, ge=1, le=65535)
    command: str | None = Field(
        default=None, min_length=1, max_length=1000, pattern=r"^[^\n\r\x00]+$"
    )

    @model_validator(mode="after")
    def _complete(self) -> AgentLauncher:
        if self.type == "ssh" and self.credentials_id is None:
            raise ValueError("an ssh launcher needs credentials_id (a Jenkins credential id)")
        if self.type == "command" and self.command is None:
            raise ValueError("a command launcher needs command")
        unknown = sorted(set(_PLACEHOLDER.findall(self.command or "")) - set(COMMAND_PLACEHOLDERS))
        if unknown:
            known = ", ".join("{" + p + "}" for p in COMMAND_PLACEHOLDERS)
            raise ValueError(f"unknown placeholder {{{unknown[0]}}} in command; known: {known}")
        return self


class JenkinsController(_Model):
    name: HostLabel
    url: str = Field(pattern=r"^https?://")
    user: str = Field(min_length=1)
    token_env: EnvVarName
    labels: dict[JenkinsLabel, int] = Field(default_factory=dict)
    heavy_labels: tuple[JenkinsLabel, ...] = ()
    timeout: float = Field(default=10.0, gt=0, le=300)
    launcher: AgentLauncher = Field(default_factory=AgentLauncher)
    # Reconcile reports a bob-managed agent offline for longer than this (seconds).
    offline_after_s: float = Field(default=3600.0, ge=0, le=30 * 86400)
    # `bob serve` detaches a bob-managed agent idle this long and destroys its Bob (None: never).
    idle_after_s: float | None = Field(default=None, gt=0, le=30 * 86400)
    remote_fs: RemoteFsPath = "/home/jenkins"

    @model_validator(mode="after")
    def _heavy_labels_known(self) -> JenkinsController:
        unknown = [lb for lb in self.heavy_labels if lb not in self.labels]
        if unknown:
            raise ValueError(f"heavy labels {unknown} are not in labels {sorted(self.labels)}")
        bad = {lb: n for lb, n in self.labels.items() if n < 1}
        if bad:
            raise ValueError(f"executors per label must be at least 1: {bad}")
        return self


class DnsSettings(_Model):
    """The authoritative server bob updates (TSIG-signed) and transfers zones from."""

    server: ipaddress.IPv4Address
    port: int = Field(default=53, ge=1, le=65535)
    tsig_key_name: str = Field(pattern=r"^[A-Za-z0-9._-]+$")
    tsig_algorithm: Literal["hmac-sha256", "hmac-sha512", "hmac-sha1", "hmac-md5"] = "hmac-sha256"
    tsig_secret_env: EnvVarName = "BOB_DNS_TSIG_SECRET"  # noqa: S105
    # Or a file holding the base64 secret (readable by bob only); the env var wins if set.
    tsig_secret_file: Path | None = None
    # axfr: one zone transfer plus the store's reservations give the free set;
    # scan: PTR queries in address order until NXDOMAIN (the original method).
    allocation: Literal["axfr", "scan"] = "axfr"
    scan_concurrency: int = Field(default=8, ge=1, le=64)
    timeout: float = Field(default=3.0, gt=0, le=30)
    ttl: int = Field(default=300, ge=1, le=86400)


class SlackSettings(_Model):
    """Names of the environment variables holding Slack secrets, never the secrets."""

    bot_token_env: EnvVarName = "SLACK_BOT_TOKEN"  # noqa: S105
    app_token_env: EnvVarName = "SLACK_APP_TOKEN"  # noqa: S105
    signing_secret_env: EnvVarName = "SLACK_SIGNING_SECRET"  # noqa: S105
    channel: str | None = None


class AccessRule(_Model):
    users: tuple[SlackId, ...] = ()
    groups: tuple[SlackId, ...] = ()


class AccessControl(_Model):
    """Who may run which command. Read-only commands are open to everyone unless listed.

    A command that changes something and has no rule is refused to all but ``admins``, who may
    also confirm or cancel anyone's destructive request.
    """

    rules: dict[str, AccessRule] = Field(default_factory=dict)
    admins: AccessRule = Field(default_factory=AccessRule)

    @model_validator(mode="after")
    def _known_commands(self) -> AccessControl:
        unknown = sorted(set(self.rules) - set(COMMANDS))
        if unknown:
            raise ValueError(f"unknown commands {unknown}; known: {', '.join(COMMANDS)}")
        return self


class ReconcileSettings(_Model):
    """The periodic reconcile of ``bob serve``: off unless ``interval_s`` is set."""

    interval_s: float = Field(default=0.0, ge=0, le=7 * 86400)  # 0: never
    channel: str | None = None  # where to report differences; default: slack.channel


class HostHealth(_Model):
    """When a host whose steps keep failing is taken out of placement, and for how long."""

    failures: int = Field(default=3, ge=1, le=1000)  # consecutive jobs that failed on the host
    cooldown_s: float = Field(default=600.0, ge=0, le=7 * 86400)


class WebSettings(_Model):
    """The web board: where it listens and, when that is not loopback, who may log in.

    Off loopback the board asks for HTTP basic auth (``user`` and the password in the
    environment variable ``password_env``) or ``Authorization: Bearer <password>``.
    """

    bind: str = Field(default="127.0.0.1", pattern=r"^[A-Za-z0-9.:-]{1,253}$")
    port: int = Field(default=8080, ge=1, le=65535)
    user: str = Field(default="bob", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    password_env: EnvVarName = "BOB_WEB_PASSWORD"  # noqa: S105 (a variable's name)
    # The board's address as people reach it (behind a proxy, say): Slack links job pages there.
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")


def across_sections(
    hosts: Sequence[Host] | None,
    subnets: Sequence[Subnet] | None,
    jenkins: Sequence[JenkinsController] | None,
    *,
    dns: bool,
) -> list[tuple[Loc, str]]:
    """What no section can see alone: names used twice, a host's datacenter without a subnet,
    overlapping subnets, a reverse zone DNS would need. A section that is None (it did not
    validate) is left out, so the loader can tell these beside the sections' own problems."""
    problems: list[tuple[Loc, str]] = []
    for section, kind, names in (
        ("hosts", "host", [h.name for h in hosts or ()]),
        ("jenkins", "jenkins controller", [j.name for j in jenkins or ()]),
    ):
        problems += [
            (
                (section, i),
                f"two {kind}s are named {name} ({kind}s {names.index(name) + 1} and {i + 1})",
            )
            for i, name in enumerate(names)
            if name in names[:i]
        ]
    if subnets is None:
        return problems
    datacenters = {s.datacenter for s in subnets}
    covered = ", ".join(sorted(datacenters))
    problems += [
        (("hosts", i, "datacenter"), f"{host.datacenter} has no subnet (subnets are in: {covered})")
        for i, host in enumerate(hosts or ())
        if host.datacenter not in datacenters
    ]
    for i, subnet in enumerate(subnets):
        problems += [
            (
                ("subnets", i, "cidr"),
                f"{subnet.cidr} is configured twice (subnets {j + 1} and {i + 1})"
                if subnet.cidr == other.cidr
                else f"{subnet.cidr} overlaps subnet {other.cidr}",
            )
            for j, other in enumerate(subnets[:i])
            if subnet.cidr.overlaps(other.cidr)
        ]
        if dns and subnet.reverse_zone is None and not reverse_zone_derivable(subnet.cidr):
            problems.append(
                (
                    ("subnets", i, "reverse_zone"),
                    f"not set, and a /{subnet.cidr.prefixlen} is not on an octet boundary: "
                    "name the zone that holds this subnet's PTR records",
                )
            )
    return problems


class StagingGateway(_Model):
    """The nginx bob writes one server block per staging environment into (on this machine)."""

    conf_dir: Path  # included by nginx's config (``include conf_dir/*.conf;``)
    log_dir: Path  # per-environment access logs: their times are the environments' last requests
    pid_file: Path  # the nginx master's: reloads are a HUP to it
    test: tuple[str, ...] = ("nginx", "-t")  # the config test, with whatever -p/-c/-e it needs
    listen: str = Field(default="80", pattern=r"^[A-Za-z0-9.:\[\]]{1,64}$")
    # Where nginx sends a request it cannot answer: bob serve's wake endpoint (scheme, host, port).
    wake: str = Field(pattern=r"^http://[A-Za-z0-9.:\[\]-]+$")


class StagingSettings(_Model):
    """Pull-request environments (``bob stage``): a Bob each, behind nginx on the gateway."""

    domain: str = Field(pattern=r"^[a-z0-9.-]{1,200}$")  # pr-<N>.<domain>
    gateway: StagingGateway
    deploy: tuple[str, ...] = Field(min_length=1)  # argv run in the checkout inside the Bob
    start: tuple[str, ...] = ()  # argv that starts the app after the Bob was off; default deploy
    port: int = Field(default=8000, ge=1, le=65535)  # where the app listens in the Bob
    # Outside services (database, queue) the app reaches: set for deploy and start, never baked in.
    env: dict[Annotated[str, StringConstraints(pattern=ENV_VAR_RE)], str] = Field(
        default_factory=dict
    )
    git_url: str | None = None  # the default --from; ``{repo}`` is replaced by REPO
    idle_off_s: float = Field(default=4 * 3600.0, gt=0, le=30 * 86400)
    deploy_timeout_s: float = Field(default=600.0, gt=0, le=86400)
    webhook_secret_env: EnvVarName = "BOB_STAGING_WEBHOOK_SECRET"  # noqa: S105 (a name)


class Fleet(_Model):
    """The whole configuration: hosts, subnets and everything bob talks to."""

    naming: Naming = Field(default_factory=Naming)
    hosts: tuple[Host, ...] = Field(min_length=1)
    subnets: tuple[Subnet, ...] = Field(min_length=1)
    bob_defaults: BobDefaults = Field(default_factory=BobDefaults)
    jenkins: tuple[JenkinsController, ...] = ()
    dns: DnsSettings | None = None
    slack: SlackSettings = Field(default_factory=SlackSettings)
    access: AccessControl = Field(default_factory=AccessControl)
    host_health: HostHealth = Field(default_factory=HostHealth)
    reconcile: ReconcileSettings = Field(default_factory=ReconcileSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    staging: StagingSettings | None = None
    # Where bob keeps its records of this fleet (a SQLite file) unless BOB_DATABASE_URL or
    # BOB_STATE_DIR say otherwise: a sandbox's config names the sandbox's own directory, so
    # its records live and die with it.
    state_dir: Path | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Fleet:
        report(across_sections(self.hosts, self.subnets, self.jenkins, dns=self.dns is not None))
        return self

    def host(self, name: str) -> Host:
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError(name)

    def subnets_for(self, datacenter: str) -> tuple[Subnet, ...]:
        return tuple(s for s in self.subnets if s.datacenter == datacenter)

    @property
    def capacity(self) -> int:
        return sum(h.capacity for h in self.hosts if not h.drained)


def is_host_label(text: str) -> bool:
    return re.fullmatch(LABEL_RE, text) is not None
