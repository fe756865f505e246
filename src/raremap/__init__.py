"""raremap: rare-disease terminology in one graph (ORPHA, ICD-10-SE, ICD-11 MMS, SNOMED CT).

>>> import raremap
>>> rm = raremap.load()                  # the bundled sample releases
>>> rm.concept("ORPHA:558").label
'Marfan syndrome'
"""

from .version import __version__

import importlib as _importlib
import typing as _typing

from .codes import Code, System
from .errors import (InvalidCodeError, NoMatchError, NoReleasesError, RaremapError, ReleaseFormatError,
                     SnapshotError, UnknownCodeError, UsageError)
from .loader import build, load
from .model import (Concept, IcdRelation, Mapping, Match, Provenance, Relation, Release, Replacement, SourceFile,
                    Status, Term, TermKind)
from .services.rare_map import RareMap

if _typing.TYPE_CHECKING:
    from .fetch import FetchError
    from .services.diff import Change, diff
    from .services.umi import UmiAssessment
    from .services.batch import BatchMapper, MissingColumnError

# imported on first use: ``import raremap`` stays light for callers that never batch-map, diff,
# assess UMI or fetch
_LAZY = {"BatchMapper": ".services.batch", "MissingColumnError": ".services.batch", "FetchError": ".fetch",
         "Change": ".services.diff", "diff": ".services.diff", "UmiAssessment": ".services.umi"}


def __getattr__(name: str) -> _typing.Any:
    if name in _LAZY:
        return getattr(_importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'raremap' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "BatchMapper",
    "Change",
    "Code",
    "Concept",
    "FetchError",
    "IcdRelation",
    "InvalidCodeError",
    "Mapping",
    "Match",
    "MissingColumnError",
    "NoReleasesError",
    "Provenance",
    "RareMap",
    "RaremapError",
    "Relation",
    "Release",
    "ReleaseFormatError",
    "NoMatchError",
    "Replacement",
    "SnapshotError",
    "SourceFile",
    "Status",
    "System",
    "Term",
    "TermKind",
    "UmiAssessment",
    "UnknownCodeError",
    "UsageError",
    "__version__",
    "build",
    "diff",
    "load",
]
