"""sensemaking: stories from children and young people, their signifiers, themes and patterns.

The public API is small::

    import sensemaking

    project = sensemaking.create_project("ange-2025")     # or sensemaking.open_project(".")
    report = project.ingest("round-1.csv", round="2025 vår")
    print(report.added, [str(p) for p in report.errors])
    print(project.status())

Names are imported on first use, so ``import sensemaking`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Framework",
    "IngestReport",
    "Problem",
    "Project",
    "ProjectStatus",
    "SensemakingError",
    "StoryView",
    "__version__",
    "create_project",
    "load_framework",
    "open_project",
]

_WHERE = {
    "Framework": "sensemaking.framework",
    "load_framework": "sensemaking.framework",
    "IngestReport": "sensemaking.ingest.pipeline",
    "Problem": "sensemaking.ingest.validate",
    "Project": "sensemaking.project",
    "ProjectStatus": "sensemaking.project",
    "create_project": "sensemaking.project",
    "open_project": "sensemaking.project",
    "SensemakingError": "sensemaking.errors",
    "StoryView": "sensemaking.stories",
}

if TYPE_CHECKING:
    from sensemaking.errors import SensemakingError
    from sensemaking.framework import Framework, load_framework
    from sensemaking.ingest.pipeline import IngestReport
    from sensemaking.ingest.validate import Problem
    from sensemaking.project import Project, ProjectStatus, create_project, open_project
    from sensemaking.stories import StoryView


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sensemaking' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
