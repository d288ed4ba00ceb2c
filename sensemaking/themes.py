"""Theme runs: cluster the embedded stories, label the themes, keep their identity, store.

A run reads every story that has a vector under the model in use, groups them with
:class:`sensemaking.cluster.model.ThemeModel`, scores each theme's stability, labels the
themes in the stories' language, matches them to the previous run so that a theme keeps
its key (``T3``) and label, applies the analysts' curation (renames, pinned labels,
merges), and stores run, themes and assignments. Stories no theme holds well enough form
the explicit ``other`` group.

Large corpora: above ``ThemeSettings.max_fit`` stories the clustering, its stability
scores and the labels are fitted on a seeded random sample of that many, and every other
story joins the most similar theme it is close enough to, or ``other``
(:mod:`sensemaking.cluster.fitting`); the map is fitted on ``map_max_fit`` stories and the
rest placed among their nearest fitted neighbours (:mod:`sensemaking.cluster.layout`). The
run's ``params`` record both (``params["sample"]``, ``params["map"]``). Embeddings are read
from the database in chunks into one float32 matrix, texts only for the sample, and the
assignments are written in chunks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session

from sensemaking.cluster.matching import PreviousTheme, match_themes
from sensemaking.config import ThemeSettings
from sensemaking.errors import ThemeError
from sensemaking.store.meta import read_meta, write_meta
from sensemaking.store.models import (
    Embedding,
    EmbeddingModel,
    Story,
    Theme,
    ThemeAssignment,
    ThemeEdit,
    ThemeRun,
)
from sensemaking.vectors import active_model

__all__ = [
    "OTHER",
    "ThemeRunResult",
    "ThemeView",
    "current_run_id",
    "edit_theme",
    "export_assignments",
    "read_run",
    "run_themes",
    "theme_run_stale",
]

#: The id of the group of stories no theme holds: shown everywhere, with its share.
OTHER = "other"
_KEY_COUNTER = "theme_key_counter"

#: Called with the name of the step that starts.
StepCallback = Callable[[str], None]
#: Stories read from the database per step, and assignments written per statement.
_READ_CHUNK = 20_000
_WRITE_CHUNK = 10_000
#: Story ids per ``IN (...)`` when reading the sample's texts.
_IDS_PER_QUERY = 2_000


@dataclass(frozen=True)
class ThemeView:
    """A theme of a run, as an analyst sees it."""

    key: str
    label: str
    keywords: list[str]
    size: int
    share: float
    stability: float | None
    unstable: bool
    event: str
    event_from: list[str]
    label_pinned: bool
    representatives: list[int]


@dataclass(frozen=True)
class ThemeRunResult:
    """A stored theme run: its themes (largest first), the other group and the manifest."""

    run_id: int
    n_stories: int
    themes: list[ThemeView]
    other_size: int
    other_share: float
    seed: int
    seed_ari: float | None
    model: str
    params: dict[str, Any]
    timings: dict[str, float]
    events: list[dict[str, Any]] = field(default_factory=list)
    created_at: dt.datetime | None = None

    @property
    def fitted_on(self) -> int:
        """How many stories the themes were fitted on: all, or the sample's size (the
        others were assigned to the fitted themes; see ``params["sample"]``)."""
        return int(self.params.get("sample", {}).get("fitted_on", self.n_stories))

    def theme(self, key: str) -> ThemeView:
        """The theme with this key (``KeyError`` if there is none)."""
        for view in self.themes:
            if view.key == key:
                return view
        raise KeyError(key)

    def to_frame(self) -> Any:
        """The themes as a pandas DataFrame (one row per theme, plus the other group)."""
        import pandas as pd

        rows = [view.__dict__ for view in self.themes]
        rows.append(
            {"key": OTHER, "label": OTHER, "size": self.other_size, "share": self.other_share}
        )
        return pd.DataFrame(rows)


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)


def current_run_id(engine: Engine) -> int | None:
    """The newest finished theme run, if any."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(ThemeRun.id)).where(ThemeRun.status == "done")).scalar()


def _input_digest(model: str, params: dict[str, Any]) -> Any:
    """What a run was made from: model and parameters, then every story with its text
    (:func:`_add_stories`)."""
    return hashlib.sha256(f"{model}\n{sorted(params.items())}\n".encode())


def _add_stories(digest: Any, stories: Iterable[tuple[int, str]]) -> None:
    for story_id, text_hash in stories:
        digest.update(f"{story_id}:{text_hash}\n".encode())


def _hashed(asked: dict[str, Any], seed: int, n_stories: int, max_fit: int) -> dict[str, Any]:
    """The parameters a run's input hash covers; ``max_fit`` only when it sampled, so that
    runs on corpora it does not reach keep their hash."""
    extra = {"max_fit": max_fit} if n_stories > max_fit else {}
    return asked | {"seed": seed} | extra


def _asked(
    settings: ThemeSettings, n_themes: int | None = None, granularity: float | None = None
) -> dict[str, Any]:
    """The parameters a run is asked for: the call's, else the project's settings."""
    return {
        "n_themes": settings.n_themes if n_themes is None else n_themes,
        "granularity": settings.granularity if granularity is None else granularity,
        "min_theme_size": settings.min_theme_size,
    }


def _language(counts: Counter[str]) -> str:
    return counts.most_common(1)[0][0] if counts else "sv"


def _embedded(model_id: int) -> Any:
    """The join of the stories with their vectors under ``model_id``."""
    return Story.__table__.join(
        Embedding.__table__,
        (Embedding.text_hash == Story.text_hash) & (Embedding.model_id == model_id),
    )


@dataclass(frozen=True)
class _Stories:
    """Every story with a vector under the model in use, in story id order."""

    ids: np.ndarray  # (n,) int64
    matrix: np.ndarray  # (n, d) float32
    language: str
    input_hash: str


def _read_stories(
    engine: Engine, model_id: int, model_key: str, hashed: Callable[[int], dict[str, Any]]
) -> _Stories:
    """Read ids and vectors chunk by chunk into one float32 matrix (texts stay in the
    database); ``hashed(n)`` gives the parameters the input hash covers."""
    languages: Counter[str] = Counter()
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(_embedded(model_id))).scalar_one()
        digest = _input_digest(model_key, hashed(n))
        ids = np.empty(n, dtype=np.int64)
        matrix = np.empty((n, 0), dtype=np.float32)
        done = 0
        result = conn.execution_options(yield_per=_READ_CHUNK).execute(
            select(Story.id, Story.text_hash, Story.language, Embedding.vector)
            .select_from(_embedded(model_id))
            .order_by(Story.id)
        )
        for part in result.partitions():
            rows = part[: n - done]  # stories added since the count belong to the next run
            if not rows:
                break
            vectors = np.frombuffer(b"".join(r[3] for r in rows), dtype=np.float32)
            if done == 0:
                matrix = np.empty((n, len(vectors) // len(rows)), dtype=np.float32)
            matrix[done : done + len(rows)] = vectors.reshape(len(rows), -1)
            ids[done : done + len(rows)] = [r[0] for r in rows]
            _add_stories(digest, ((r[0], r[1]) for r in rows))
            languages.update((r[2] or "sv")[:2].lower() for r in rows)
            done += len(rows)
        result.close()
    return _Stories(ids[:done], matrix[:done], _language(languages), digest.hexdigest())


def _texts(engine: Engine, story_ids: np.ndarray) -> list[str]:
    """The texts of these stories, in their order."""
    found: dict[int, str] = {}
    with engine.connect() as conn:
        for begin in range(0, len(story_ids), _IDS_PER_QUERY):
            chunk = story_ids[begin : begin + _IDS_PER_QUERY].tolist()
            rows = conn.execute(select(Story.id, Story.text).where(Story.id.in_(chunk)))
            found.update((story_id, text) for story_id, text in rows)
    return [found.get(i, "") for i in story_ids.tolist()]


def _members(story_ids: np.ndarray, labels: np.ndarray, k: int) -> list[frozenset[int]]:
    """The story ids of each theme 0..k-1."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(k + 1))
    return [frozenset(story_ids[order[bounds[t] : bounds[t + 1]]].tolist()) for t in range(k)]


@dataclass
class _Curation:
    """The analysts' edits, replayed in order: labels by key, pinned keys, merges."""

    labels: dict[str, str] = field(default_factory=dict)
    merges: list[tuple[str, str]] = field(default_factory=list)


def _curation(engine: Engine) -> _Curation:
    state = _Curation()
    with engine.connect() as conn:
        for action, key, into, label in conn.execute(
            select(
                ThemeEdit.action, ThemeEdit.theme_key, ThemeEdit.into_key, ThemeEdit.label
            ).order_by(ThemeEdit.id)
        ):
            if action in ("rename", "pin"):
                state.labels[key] = label
            elif action == "unpin":
                state.labels.pop(key, None)
            elif action == "merge":
                state.merges.append((key, into))
    return state


def _previous(engine: Engine, run_id: int | None) -> list[PreviousTheme]:
    if run_id is None:
        return []
    with engine.connect() as conn:
        themes = conn.execute(
            select(Theme.id, Theme.key, Theme.centroid).where(Theme.run_id == run_id)
        ).all()
        members: dict[int, set[int]] = {tid: set() for tid, _, _ in themes}
        for story_id, theme_id in conn.execute(
            select(ThemeAssignment.story_id, ThemeAssignment.theme_id).where(
                ThemeAssignment.run_id == run_id, ThemeAssignment.theme_id.is_not(None)
            )
        ):
            members[theme_id].add(story_id)
    return [
        PreviousTheme(key, frozenset(members[tid]), np.frombuffer(blob, dtype=np.float32))
        for tid, key, blob in themes
    ]


def _next_number(engine: Engine) -> int:
    with engine.connect() as conn:
        value = read_meta(conn, _KEY_COUNTER)
    return int(value or 1)


def _apply_merges(labels: np.ndarray, keys: list[str], events: list[str], sources: list[list[str]],
                  merges: list[tuple[str, str]]) -> np.ndarray:  # fmt: skip
    """Fold themes the analysts merged back together: a theme keyed as the merged one, or
    split off the theme it was merged into, joins that theme again."""
    labels = labels.copy()
    for source, target in merges:
        if target not in keys:
            continue
        into = keys.index(target)
        for j, key in enumerate(keys):
            if j != into and (key == source or (events[j] == "split" and target in sources[j])):
                labels[labels == j] = into
    return labels


def _renumber(labels: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Theme numbers 0..k-1 by decreasing size; returns new labels and old number per new."""
    sizes = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.zeros(0, np.int64)
    order = sorted(np.flatnonzero(sizes).tolist(), key=lambda t: (-int(sizes[t]), t))
    new_number = np.full(len(sizes), -1, dtype=labels.dtype)
    new_number[order] = np.arange(len(order))
    return np.where(labels >= 0, new_number[np.maximum(labels, 0)], -1), order


def run_themes(
    engine: Engine,
    settings: ThemeSettings,
    *,
    seed: int | None = None,
    n_themes: int | None = None,
    granularity: float | None = None,
    cache_dir: Path | None = None,
    step: StepCallback | None = None,
) -> ThemeRunResult:
    """Find themes among the embedded stories and store them as a new run.

    Above ``settings.max_fit`` stories the themes are fitted on a seeded sample and the
    other stories assigned to them (see the module's docstring).

    Raises:
        ThemeError: no stories are embedded yet, or too few to find themes in.
    """
    from sensemaking import __version__
    from sensemaking.cluster.fitting import fit_themes, member_centroids
    from sensemaking.cluster.labels import ThemeLabel, label_themes
    from sensemaking.cluster.layout import map_layout

    def say(name: str) -> None:
        if step is not None:
            step(name)

    active = active_model(engine)
    if active is None:
        raise ThemeError("no story is embedded yet: run `sensemaking embed` first")
    model_id, model_key = active
    seed = settings.seed if seed is None else seed
    asked = _asked(settings, n_themes, granularity)
    timings: dict[str, float] = {}

    say("loading")
    start = time.perf_counter()
    stories = _read_stories(
        engine, model_id, model_key, lambda n: _hashed(asked, seed, n, settings.max_fit)
    )
    timings["load"] = time.perf_counter() - start
    n = len(stories.ids)
    if n < 10:
        raise ThemeError(f"{n} embedded stories are too few to find themes in (10 at least)")

    say("clustering")
    try:
        fitted = fit_themes(
            stories.matrix, max_fit=settings.max_fit, seed=seed, cache_dir=cache_dir, step=say,
            **asked,
        )  # fmt: skip
    except ValueError as exc:  # e.g. more themes asked for than the stories can hold
        raise ThemeError(str(exc)) from None
    timings.update(fitted.timings)
    model, sample = fitted.model, fitted.sample

    say("matching")
    start = time.perf_counter()
    previous_id = current_run_id(engine)
    previous = _previous(engine, previous_id)
    members = _members(stories.ids, fitted.labels, model.n_themes_)
    first_number = _next_number(engine)
    match = match_themes(previous, members, _unit(np.asarray(model.centroids_)), first_number)
    curation = _curation(engine)
    merged = _apply_merges(fitted.labels, match.keys, match.events, match.sources,
                           curation.merges)  # fmt: skip
    merged, order = _renumber(merged)
    keys = [match.keys[o] for o in order]
    events = [match.events[o] for o in order]
    sources = [match.sources[o] for o in order]
    stability = fitted.stability
    stab = [float(np.clip(stability[o], 0, 1)) if o < len(stability) else None for o in order]
    timings["matching"] = time.perf_counter() - start

    say("labelling")
    start = time.perf_counter()
    # Keywords and representatives come from the sample: the texts of the others are not
    # even read (at 1,000,000 stories labelling all would cost minutes and gigabytes).
    names = label_themes(
        _texts(engine, stories.ids[sample]), merged[sample], stories.matrix[sample],
        language=stories.language, seed=seed,
    )  # fmt: skip
    timings["label"] = time.perf_counter() - start

    say("map")
    layout = map_layout(
        stories.matrix, seed=seed, max_fit=settings.map_max_fit, cache_dir=cache_dir
    )
    timings["map"] = layout.seconds
    timings.update({f"map.{k}": v for k, v in layout.timings.items()})

    say("storing")
    start = time.perf_counter()
    other = int((merged < 0).sum())
    sizes = np.bincount(merged[merged >= 0], minlength=len(keys))
    centroids = member_centroids(stories.matrix, merged, len(keys))
    params = {**asked, "seed": seed, "model_params": getattr(model, "params_", {}),
              "map": {"method": layout.method, **layout.params}}  # fmt: skip
    if fitted.sampled:
        params["sample"] = {**fitted.manifest(), "labels_from": "sample"}
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(ThemeRun)
            .values(
                status="running", seed=seed, params=params, model_id=model_id,
                code_version=__version__, n_stories=n, input_hash=stories.input_hash,
                n_themes=len(keys), other_share=other / n, seed_ari=fitted.seed_ari,
                events=match.as_events(), previous_run_id=previous_id,
            )
            .returning(ThemeRun.id)
        ).scalar_one()  # fmt: skip
        theme_ids: list[int] = []
        for t, key in enumerate(keys):
            label = names.get(t, ThemeLabel(key, (), ()))
            pinned = key in curation.labels
            theme_ids.append(
                conn.execute(
                    insert(Theme)
                    .values(
                        run_id=run_id, key=key, label=curation.labels.get(key, label.label),
                        keywords=list(label.keywords), size=int(sizes[t]),
                        share=float(sizes[t]) / n, stability=stab[t],
                        unstable=stab[t] is not None and stab[t] < settings.unstable_below,
                        representatives=[int(stories.ids[sample[i]])
                                         for i in label.representatives],
                        event=events[t], event_from=sources[t], label_pinned=pinned,
                        centroid=centroids[t].astype(np.float32).tobytes(),
                    )
                    .returning(Theme.id)
                ).scalar_one()
            )  # fmt: skip
        _store_assignments(conn, run_id, stories.ids, merged, fitted.strengths,
                           layout.coordinates, theme_ids)  # fmt: skip
        numbers = [int(k[1:]) for k in match.keys if k[1:].isdigit()]
        write_meta(conn, _KEY_COUNTER, max([first_number - 1, *numbers]) + 1)
        timings["store"] = time.perf_counter() - start
        conn.execute(
            update(ThemeRun)
            .where(ThemeRun.id == run_id)
            .values(
                status="done",
                timings=timings,
                finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            )
        )
    return read_run(engine, run_id)


def _store_assignments(
    conn: Any,
    run_id: int,
    story_ids: np.ndarray,
    labels: np.ndarray,
    strengths: np.ndarray,
    coordinates: np.ndarray,
    theme_ids: list[int],
) -> None:
    """Insert one assignment per story, a chunk per statement (one transaction: the
    caller's)."""
    theme_of = np.array([*theme_ids, 0], dtype=np.int64)  # label -1 indexes the last
    for begin in range(0, len(story_ids), _WRITE_CHUNK):
        part = slice(begin, begin + _WRITE_CHUNK)
        themes = labels[part]
        strength = np.where(themes >= 0, np.clip(strengths[part], 0.0, 1.0), 0.0)
        xy = np.round(coordinates[part].astype(float), 5)
        conn.execute(
            insert(ThemeAssignment),
            [
                {"run_id": run_id, "story_id": sid, "theme_id": tid if t >= 0 else None,
                 "strength": st, "map_x": x, "map_y": y}
                for sid, t, tid, st, (x, y) in zip(
                    story_ids[part].tolist(), themes.tolist(),
                    theme_of[themes].tolist(), strength.tolist(), xy.tolist(), strict=True,
                )
            ],
        )  # fmt: skip


def theme_run_stale(engine: Engine, settings: ThemeSettings) -> bool:
    """Whether a new theme run is due: there is none, or the newest covers other stories,
    other texts, another model or other settings than a run now would."""
    run_id = current_run_id(engine)
    active = active_model(engine)
    if run_id is None or active is None:
        return active is not None
    model_id, model_key = active
    with engine.connect() as conn:
        stored = conn.execute(select(ThemeRun.input_hash).where(ThemeRun.id == run_id)).scalar()
        n = conn.execute(select(func.count()).select_from(_embedded(model_id))).scalar_one()
        digest = _input_digest(model_key, _hashed(_asked(settings), settings.seed, n,
                                                  settings.max_fit))  # fmt: skip
        result = conn.execution_options(yield_per=_READ_CHUNK).execute(
            select(Story.id, Story.text_hash).select_from(_embedded(model_id)).order_by(Story.id)
        )
        for part in result.partitions():
            _add_stories(digest, part)
    return digest.hexdigest() != stored


def read_run(engine: Engine, run_id: int | None = None) -> ThemeRunResult:
    """A stored run (default: the newest finished one).

    Raises:
        ThemeError: there is no such run.
    """
    run_id = current_run_id(engine) if run_id is None else run_id
    with Session(engine) as session:
        run = session.get(ThemeRun, run_id) if run_id else None
        if run is None or run.status != "done":
            raise ThemeError("no theme run yet: run `sensemaking themes run`")
        order = (Theme.size.desc(), Theme.key)
        themes = session.scalars(select(Theme).where(Theme.run_id == run_id).order_by(*order)).all()
        model_key = session.scalars(
            select(EmbeddingModel.key).where(EmbeddingModel.id == run.model_id)
        ).one()
    views = [
        ThemeView(
            t.key, t.label, list(t.keywords), t.size, t.share, t.stability, t.unstable, t.event,
            list(t.event_from), t.label_pinned, list(t.representatives),
        )
        for t in themes
    ]  # fmt: skip
    other = run.n_stories - sum(v.size for v in views)
    share = other / run.n_stories if run.n_stories else 0.0
    return ThemeRunResult(
        run.id, run.n_stories, views, other, share, run.seed, run.seed_ari, model_key,
        dict(run.params), dict(run.timings), list(run.events), run.created_at,
    )  # fmt: skip


def edit_theme(
    engine: Engine, action: str, key: str, *, label: str | None = None, into: str | None = None
) -> None:
    """Record an analyst's edit and apply it to the newest run.

    ``rename`` sets a label that later runs keep; ``pin`` keeps the current label; ``unpin``
    lets labels follow the stories again; ``merge`` folds ``key`` into ``into`` now and in
    later runs.

    Raises:
        ThemeError: no run, or a key that the newest run does not have.
    """
    run = read_run(engine)
    known = {v.key: v for v in run.themes}
    for needed in (key, into) if action == "merge" else (key,):
        if needed not in known:
            raise ThemeError(
                f"the newest theme run has no theme {needed!r} (known: {', '.join(known)})"
            )
    if action == "merge" and key == into:
        raise ThemeError("a theme cannot be merged into itself")
    if action == "pin":
        label = known[key].label
    with engine.begin() as conn:
        conn.execute(
            insert(ThemeEdit).values(action=action, theme_key=key, into_key=into, label=label)
        )
        theme = (
            select(Theme.id).where(Theme.run_id == run.run_id, Theme.key == key).scalar_subquery()
        )
        if action in ("rename", "pin"):
            conn.execute(
                update(Theme)
                .where(Theme.run_id == run.run_id, Theme.key == key)
                .values(label=label, label_pinned=True)
            )
        elif action == "unpin":
            conn.execute(
                update(Theme)
                .where(Theme.run_id == run.run_id, Theme.key == key)
                .values(label_pinned=False)
            )
        elif action == "merge":
            target = conn.execute(
                select(Theme.id, Theme.size).where(Theme.run_id == run.run_id, Theme.key == into)
            ).one()
            conn.execute(
                update(ThemeAssignment)
                .where(ThemeAssignment.run_id == run.run_id, ThemeAssignment.theme_id == theme)
                .values(theme_id=target.id)
            )
            size = target.size + known[key].size
            conn.execute(
                update(Theme)
                .where(Theme.id == target.id)
                .values(size=size, share=size / run.n_stories)
            )
            conn.execute(delete(Theme).where(Theme.run_id == run.run_id, Theme.key == key))
            conn.execute(
                update(ThemeRun)
                .where(ThemeRun.id == run.run_id)
                .values(n_themes=ThemeRun.n_themes - 1)
            )


def export_assignments(engine: Engine, path: Path, run_id: int | None = None) -> int:
    """Write ``source_id, theme_id, theme_label, strength`` for every story of a run."""
    from sensemaking.ingest.writers import write_table

    run = read_run(engine, run_id)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Story.source_id, Story.id, Theme.key, Theme.label, ThemeAssignment.strength)
            .join(ThemeAssignment, ThemeAssignment.story_id == Story.id)
            .outerjoin(Theme, Theme.id == ThemeAssignment.theme_id)
            .where(ThemeAssignment.run_id == run.run_id)
            .order_by(Story.id)
        ).all()
    records = (
        {
            "source_id": source_id if source_id is not None else f"story-{story_id}",
            "theme_id": key or OTHER,
            "theme_label": label or OTHER,
            "strength": round(strength, 4),
        }
        for source_id, story_id, key, label, strength in rows
    )
    return write_table(path, ["source_id", "theme_id", "theme_label", "strength"], records)
