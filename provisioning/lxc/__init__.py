"""LXC on a physical host: pure builders for config text and command lines."""
