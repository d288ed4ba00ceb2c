"""The exception and warning hierarchy of `sensemaking`.

Every error a user can cause with bad input is a :class:`SensemakingError`; the CLI turns
them into a one-line message in one place, so a user never sees a traceback for bad input.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ExportError",
    "FrameworkError",
    "IngestError",
    "ProjectError",
    "SensemakingError",
    "SensemakingWarning",
    "StoreError",
    "ThemeError",
]


class SensemakingError(Exception):
    """Base class of every error `sensemaking` raises on purpose."""


class SensemakingWarning(UserWarning):
    """Base class of the warnings `sensemaking` issues (tests turn them into errors)."""


class ProjectError(SensemakingError):
    """A project folder is missing, incomplete or cannot be created."""


class ConfigError(SensemakingError):
    """A project config or column mapping is invalid."""


class StoreError(SensemakingError):
    """The database cannot be reached, migrated or written."""


class FrameworkError(SensemakingError):
    """A signification framework is invalid.

    Attributes:
        source: the file (or other origin) of the framework.
        problems: one ``(line, field, message)`` tuple per problem; ``line`` is 1-based or None.
    """

    def __init__(self, source: str, problems: list[tuple[int | None, str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [
            f"{source}:{line if line is not None else '?'}: {field}: {message}"
            for line, field, message in problems
        ]
        super().__init__("invalid framework\n" + "\n".join(lines))


class ExportError(SensemakingError):
    """Stories cannot be written to the requested file (e.g. a text too long for XLSX)."""


class IngestError(SensemakingError):
    """A file cannot be ingested at all (unreadable, wrong format, no text column, ...).

    Problems with single rows are not raised: they are collected in an ``IngestReport``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        where = ":".join(str(p) for p in (file, row) if p is not None)
        if column:
            where = f"{where} [{column}]" if where else f"[{column}]"
        super().__init__(f"{where}: {message}" if where else message)


class ThemeError(SensemakingError):
    """Themes cannot be found or edited (no embedded stories, an unknown theme key, ...)."""
