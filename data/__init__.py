"""Bundled sample releases written in the official formats (see README.md here)."""
