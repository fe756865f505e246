"""raremap: rare-disease terminology in one graph (ORPHA, ICD-10-SE, ICD-11 MMS, SNOMED CT).

>>> import raremap
>>> rm = raremap.load()                  # the bundled sample releases
>>> rm.concept("ORPHA:558").label
'Marfan syndrome'
"""

__version__ = "0.1.0"

from .codes import Code, System
from .errors import InvalidCodeError, RaremapError, ReleaseFormatError, SnapshotError, UnknownCodeError
from .loader import build, load
from .model import Concept, IcdRelation, Mapping, Match, Relation, Release, Status, Term
from .services.diff import diff
from .services.rare_map import RareMap
from .services.umi import UmiAssessment

__all__ = [
    "Code",
    "Concept",
    "IcdRelation",
    "InvalidCodeError",
    "Mapping",
    "Match",
    "RareMap",
    "RaremapError",
    "Relation",
    "Release",
    "ReleaseFormatError",
    "SnapshotError",
    "Status",
    "System",
    "Term",
    "UmiAssessment",
    "UnknownCodeError",
    "__version__",
    "build",
    "diff",
    "load",
]
