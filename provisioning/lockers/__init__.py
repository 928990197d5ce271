"""Lockers: persistent data volumes on a host, mounted into running Bobs through wormholes."""
