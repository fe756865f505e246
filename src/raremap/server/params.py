"""Request parameters of the FHIR operations and the JSON API: read from a query string or a
FHIR ``Parameters`` body, checked against the server's limits; a bad one is a :class:`RequestError`
naming it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import RaremapError

MAX_TEXT = 512  # a filter or lookup text (lookup itself looks at 512 characters)
MAX_CODE = 100
MAX_URI = 300
MAX_COUNT = 1000
MAX_OFFSET = 10_000
MAX_REPEAT = 50  # repetitions of one parameter (property=...)
MAX_BODY = 64 * 1024  # bytes of a POST body
DEFAULT_COUNT = 20

_VALUE_KEYS = ("valueString", "valueCode", "valueUri", "valueUrl", "valueCanonical", "valueBoolean",
               "valueInteger", "valueDecimal", "valueDate", "valueDateTime", "valueId")


class RequestError(RaremapError):
    """A request the server cannot answer: ``status`` (4xx), FHIR issue ``code`` and the
    ``parameter`` at fault ("" when none)."""

    def __init__(self, status: int, message: str, *, code: str = "invalid", parameter: str = "") -> None:
        self.status = status
        self.code = code
        self.parameter = parameter
        self.message = message
        super().__init__(message)


class Args:
    """The parameters of one request, by name (each a list: a parameter may repeat)."""

    def __init__(self, items: Iterable[tuple[str, Any]]) -> None:
        self._values: dict[str, list[Any]] = {}
        for name, value in items:
            self._values.setdefault(name, []).append(value)
        for name, values in self._values.items():
            if len(values) > MAX_REPEAT:
                raise RequestError(400, f"parameter {name!r} is repeated {len(values)} times (at most {MAX_REPEAT})",
                                   parameter=name)

    @classmethod
    def from_parameters(cls, body: Any) -> Args:
        """The parameters of a FHIR ``Parameters`` resource (primitive values and Codings)."""
        if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
            raise RequestError(400, "the body must be a FHIR Parameters resource (resourceType 'Parameters')",
                               code="structure")
        items: list[tuple[str, Any]] = []
        entries = body.get("parameter", [])
        if not isinstance(entries, list):
            raise RequestError(400, "Parameters.parameter must be a list", code="structure")
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise RequestError(400, "each Parameters.parameter needs a name", code="structure")
            name = entry["name"]
            if isinstance(entry.get("valueCoding"), dict):
                items.append((name, entry["valueCoding"]))
                continue
            for key in _VALUE_KEYS:
                if key in entry:
                    value = entry[key]
                    if isinstance(value, bool):
                        value = "true" if value else "false"
                    elif not isinstance(value, (str, int, float)):
                        raise RequestError(400, f"parameter {name!r}: {key} must be a primitive value", parameter=name)
                    items.append((name, str(value)))
                    break
            else:
                raise RequestError(400, f"parameter {name!r} has no value this server reads (value[x] or valueCoding)",
                                   parameter=name)
        return cls(items)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def text(self, name: str, *, limit: int = MAX_TEXT, required: bool = False) -> str | None:
        """One string parameter, at most ``limit`` characters."""
        values = self._values.get(name)
        if not values:
            if required:
                raise RequestError(400, f"parameter {name!r} is required", code="required", parameter=name)
            return None
        if len(values) > 1:
            raise RequestError(400, f"parameter {name!r} given {len(values)} times; give it once", parameter=name)
        value = values[0]
        if not isinstance(value, str):
            raise RequestError(400, f"parameter {name!r} must be a string", parameter=name)
        if len(value) > limit:
            raise RequestError(400, f"parameter {name!r} is {len(value)} characters long (at most {limit})",
                               code="too-long", parameter=name)
        if "\x00" in value:
            raise RequestError(400, f"parameter {name!r} contains a NUL character", parameter=name)
        return value

    def texts(self, name: str, *, limit: int = MAX_CODE) -> list[str]:
        """Every value of a repeatable string parameter (comma-separated values split)."""
        out: list[str] = []
        for value in self._values.get(name, ()):
            if not isinstance(value, str) or len(value) > limit:
                raise RequestError(400, f"parameter {name!r}: each value is a string of at most {limit} characters",
                                   parameter=name)
            out.extend(v.strip() for v in value.split(",") if v.strip())
        return out

    def flag(self, name: str, default: bool) -> bool:
        """A boolean parameter (``true``/``false``)."""
        value = self.text(name, limit=5)
        if value is None:
            return default
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise RequestError(400, f"parameter {name!r} is 'true' or 'false', not {value!r}", parameter=name)

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        """An integer parameter in ``low..high``."""
        value = self.text(name, limit=12)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise RequestError(400, f"parameter {name!r} must be a whole number, not {value!r}", parameter=name) from None
        if not low <= number <= high:
            raise RequestError(400, f"parameter {name!r} must be between {low} and {high}, not {number}",
                               code="too-costly" if number > high else "invalid", parameter=name)
        return number

    def coding(self, name: str) -> dict[str, str] | None:
        """A Coding parameter (POST only), as ``{"system": ..., "code": ..., "display": ...}``."""
        values = self._values.get(name)
        if not values:
            return None
        value = values[0]
        if len(values) > 1 or not isinstance(value, dict):
            raise RequestError(400, f"parameter {name!r} must be one Coding", parameter=name)
        out: dict[str, str] = {}
        for key in ("system", "code", "display", "version"):
            item = value.get(key)
            if item is None:
                continue
            if not isinstance(item, str) or len(item) > (MAX_URI if key == "system" else MAX_TEXT):
                raise RequestError(400, f"parameter {name!r}: Coding.{key} must be a string of reasonable length",
                                   parameter=name)
            out[key] = item
        return out
