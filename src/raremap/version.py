"""The version of raremap (the same as the package metadata's)."""

__version__ = "0.1.0"
