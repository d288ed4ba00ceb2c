"""What a report is made from, read from the store once.

:func:`load_inputs` gathers the project's answers and suppression plan (through
:class:`~sensemaking.patterns.groups.PatternContext`), the newest theme run with its map,
the places' levels, and the manifest that every page carries in its footer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Engine, select

from sensemaking.errors import ThemeError
from sensemaking.patterns.groups import PatternContext
from sensemaking.store.models import EmbeddingModel, Place, Story, ThemeAssignment, ThemeRun
from sensemaking.themes import ThemeRunResult, read_run, theme_run_stale

if TYPE_CHECKING:
    from sensemaking.project import Project

__all__ = ["Manifest", "ReportInputs", "load_inputs"]


@dataclass(frozen=True)
class Manifest:
    """Where a report comes from: shown in every page's footer.

    Attributes:
        data_hash: SHA-256 over every stored story's content hash (sorted): the same
            stories give the same hash, whatever order they came in.
        stories: how many stories the report covers.
        model: the embedding model of the theme run, if any.
        seed: the theme run's seed, if any.
        theme_run: the theme run's id, if any.
        fitted_on: when the run's themes were fitted on a sample, its size (the other
            stories were assigned to the fitted themes); ``None`` when fitted on all.
        run_stories: how many stories the theme run covers, if any.
        code_version: the version of ``sensemaking`` that built the report.
        built_at: when, in UTC (ISO 8601, seconds).
    """

    data_hash: str
    stories: int
    model: str | None
    seed: int | None
    theme_run: int | None
    code_version: str
    built_at: str
    fitted_on: int | None = None
    run_stories: int | None = None


@dataclass
class ReportInputs:
    """Everything the pages are built from.

    Attributes:
        context: answers, items, suppression plan and comparisons.
        run: the newest theme run, or ``None`` before the first.
        run_stale: the newest run does not cover the stories now stored.
        map_xy: ``(n, 2)`` map coordinates in the order of ``context.table`` (NaN where the
            story is not on the map).
        manifest: the footer's facts.
        levels: place path → level (``region``, ``municipality``, ``site``).
        quote_min_group: the smallest group of storytellers a story is quoted from.
        quote_without_consent: stories with no recorded consent may be quoted.
    """

    context: PatternContext
    run: ThemeRunResult | None
    run_stale: bool
    map_xy: np.ndarray
    manifest: Manifest
    engine: Engine
    levels: dict[str, str] = field(default_factory=dict)
    quote_min_group: int = 10
    quote_without_consent: bool = False

    def texts(self, story_ids: Iterable[int]) -> dict[int, str]:
        """The texts of the stories a page quotes (read only when they are quoted)."""
        wanted = sorted({int(s) for s in story_ids})
        found: dict[int, str] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 5000):  # bound the IN list
                chunk = wanted[start : start + 5000]
                found.update(conn.execute(
                    select(Story.id, Story.text).where(Story.id.in_(chunk))
                ).all())  # fmt: skip
        return found


def data_hash(project: Project) -> tuple[str, int]:
    """The SHA-256 of the sorted story content hashes, and the number of stories."""
    digest = hashlib.sha256()
    count = 0
    with project.engine.connect() as conn:
        rows = conn.execute(select(Story.content_hash).order_by(Story.content_hash))
        for (content_hash,) in rows:
            digest.update(content_hash.encode())
            digest.update(b"\n")
            count += 1
    return digest.hexdigest(), count


def load_inputs(project: Project, *, lang: str = "sv") -> ReportInputs:
    """Read what a report needs from the project's store."""
    from sensemaking import __version__

    context = project.patterns(lang=lang)
    table = context.table
    try:
        run = read_run(project.engine)
    except ThemeError:
        run = None
    digest, count = data_hash(project)
    model = None
    map_xy = np.full((len(table), 2), np.nan)
    stale = False
    with project.engine.connect() as conn:
        levels = dict(conn.execute(select(Place.path, Place.level)).all())
    if run is not None:
        index = {int(s): i for i, s in enumerate(table.story_id)}
        with project.engine.connect() as conn:
            model = conn.execute(
                select(EmbeddingModel.name)
                .join(ThemeRun, ThemeRun.model_id == EmbeddingModel.id)
                .where(ThemeRun.id == run.run_id)
            ).scalar_one()
            for story_id, x, y in conn.execute(
                select(
                    ThemeAssignment.story_id, ThemeAssignment.map_x, ThemeAssignment.map_y
                ).where(ThemeAssignment.run_id == run.run_id)
            ):
                if x is not None and story_id in index:
                    map_xy[index[story_id]] = (x, y)
        stale = theme_run_stale(project.engine, project.config.themes)
    manifest = Manifest(
        data_hash=digest,
        stories=count,
        model=model,
        seed=run.seed if run is not None else None,
        theme_run=run.run_id if run is not None else None,
        code_version=__version__,
        built_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        fitted_on=run.fitted_on if run is not None and run.fitted_on < run.n_stories else None,
        run_stories=run.n_stories if run is not None else None,
    )
    return ReportInputs(context, run, stale, map_xy, manifest, project.engine, levels,
                        project.config.privacy.quote_min_group,
                        project.config.privacy.quote_without_consent)  # fmt: skip
