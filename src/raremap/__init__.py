"""raremap: rare-disease terminology in one graph (ORPHA, ICD-10-SE, ICD-11 MMS, SNOMED CT)."""

from .errors import InvalidCodeError, RaremapError, ReleaseFormatError, SnapshotError, UnknownCodeError

__all__ = [
    "InvalidCodeError",
    "RaremapError",
    "ReleaseFormatError",
    "SnapshotError",
    "UnknownCodeError",
]
