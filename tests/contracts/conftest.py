"""Real peers the contract tests hold the fakes against, borrowed from the adapters' own tests."""

from tests.provisioning.hosts.conftest import sshd

__all__ = ["sshd"]
