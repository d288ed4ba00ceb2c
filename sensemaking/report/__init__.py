"""Reports: self-contained HTML pages of a project's stories, themes and patterns.

Figures (:mod:`sensemaking.report.figures`) return ``plotly`` figures; only
:mod:`sensemaking.report.pages` writes HTML. Build a report with
:meth:`sensemaking.project.Project.report` or :func:`build_report`.
"""

from sensemaking.report.build import ReportResult, build_report

__all__ = ["ReportResult", "build_report"]
