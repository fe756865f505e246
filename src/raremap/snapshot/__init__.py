"""Stage 2 of the pipeline: merge reader records (``compile``) and store them as a snapshot
(``store``: Arrow tables plus manifest, written atomically, memory-mapped on load)."""

from .store import FORMAT_VERSION, MANIFEST, Snapshot, read, verify, write

__all__ = ["FORMAT_VERSION", "MANIFEST", "Snapshot", "read", "verify", "write"]
