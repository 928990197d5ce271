"""Staging environments: a Bob per pull request behind nginx, off when idle."""
