"""A demo project: the shipped sample stories in a project folder, ready to run."""

from __future__ import annotations

from pathlib import Path

from sensemaking.config import CONFIG_FILE
from sensemaking.demo.generator import demo_csv_path
from sensemaking.project import Project, create_project, open_project

__all__ = ["open_demo_project"]


def open_demo_project(path: str | Path) -> Project:
    """Open the demo project at ``path``, creating it from the sample stories if needed.

    A new folder gets the default Swedish framework and the shipped stories; an existing
    demo project is opened as it is (ingesting the sample again would add nothing).

    Raises:
        ProjectError: ``path`` exists, is not empty and is not a project.
    """
    folder = Path(path)
    if (folder / CONFIG_FILE).is_file():
        return open_project(folder, migrate=True)
    project = create_project(folder, name="demo")
    report = project.ingest(demo_csv_path())
    if not report.committed:  # the shipped file is valid; anything else is a bug
        project.close()
        raise RuntimeError(f"the demo stories did not ingest: {report.errors[:3]}")
    return project
