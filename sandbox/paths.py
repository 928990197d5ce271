"""Where the sandbox keeps its files: everything under one state directory.

``sandbox down`` deletes exactly these names (and each host's directory), never anything else
that happens to be in the state directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StatePaths:
    state_dir: Path

    @property
    def state_file(self) -> Path:
        """What was built, written before anything is built so ``down`` can always clean up."""
        return self.state_dir / "sandbox.json"

    @property
    def client_key(self) -> Path:
        return self.state_dir / "id_ed25519"

    @property
    def client_public_key(self) -> Path:
        return self.state_dir / "id_ed25519.pub"

    @property
    def known_hosts(self) -> Path:
        return self.state_dir / "known_hosts"

    @property
    def authorized_keys(self) -> Path:
        return self.state_dir / "authorized_keys"

    @property
    def fleet_config(self) -> Path:
        return self.state_dir / "bob.yaml"

    @property
    def base_lxc_config(self) -> Path:
        """The initial config ``lxc-create -f`` gets instead of /etc/lxc/default.conf."""
        return self.state_dir / "base-lxc.conf"

    @property
    def jre_lxc_config(self) -> Path:
        """The JRE mount lines (empty without a JRE): every base's config includes this file,
        so the fleet config names one path whatever JRE the machine has."""
        return self.state_dir / "jre-lxc.conf"

    @property
    def hosts_dir(self) -> Path:
        return self.state_dir / "hosts"

    @property
    def tsig_key(self) -> Path:
        """The base64 TSIG secret (mode 0600); the fleet config's ``tsig_secret_file``."""
        return self.state_dir / "dns-tsig.key"

    @property
    def bind_dir(self) -> Path:
        """The sandbox's BIND: named.conf, zone files and journals, pid file, log."""
        return self.state_dir / "bind"

    @property
    def store_files(self) -> tuple[Path, ...]:
        """bob's SQLite records of the sandbox fleet (its config names this directory)."""
        db = self.state_dir / "bob.db"
        return (db, *(db.with_name(f"bob.db{suffix}") for suffix in ("-wal", "-shm", "-journal")))

    def files(self) -> tuple[Path, ...]:
        """The plain files of ours in the state directory (host and bind directories aside)."""
        return (
            self.client_key,
            self.client_public_key,
            self.known_hosts,
            self.authorized_keys,
            self.fleet_config,
            self.base_lxc_config,
            self.jre_lxc_config,
            self.tsig_key,
            *self.store_files,
            self.state_file,
        )
