"""Versioned base containers: names, host state, sources and fix-ups (pure: no I/O)."""
