"""Typed errors raised by raremap."""

from __future__ import annotations


class RaremapError(Exception):
    """Base class of every error raremap raises on purpose."""


class InvalidCodeError(RaremapError, ValueError):
    """A code string is not a valid code of any (or the given) code system."""

    def __init__(self, code: object, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"invalid code {code!r}: {reason}")


class UnknownCodeError(RaremapError, KeyError):
    """A well-formed code that the loaded releases do not contain."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        super().__init__(f"unknown code {code}" + (f": {detail}" if detail else ""))

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class NoMatchError(UnknownCodeError):
    """No disease or code of the loaded releases matches a name (:meth:`RareMap.umi_by_name`);
    ``text`` is the name (also ``code``, so a handler of unknown codes answers it too)."""

    def __init__(self, text: str) -> None:
        self.code = self.text = text
        Exception.__init__(self, f"no disease or code of the loaded releases matches the name {text!r}")


class ReleaseFormatError(RaremapError):
    """A release file does not follow its format; names the file and the position."""

    def __init__(self, file: str, position: str, reason: str) -> None:
        self.file = file
        self.position = position
        self.reason = reason
        super().__init__(f"{file}: {position}: {reason}")


class SnapshotError(RaremapError):
    """A compiled snapshot is missing, corrupt or of an unsupported version."""


class NoReleasesError(RaremapError):
    """A releases directory does not exist, is not a directory, or holds no release file
    raremap recognises (``path`` names it)."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class UsageError(RaremapError, ValueError):
    """An argument raremap cannot use: conflicting options, a value out of range, an input
    file that does not exist, an output path that would destroy something else."""
