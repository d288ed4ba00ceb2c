"""Theme runs: cluster the embedded stories, label the themes, keep their identity, store.

A run reads every story that has a vector under the model in use, groups them with
:class:`sensemaking.cluster.model.ThemeModel`, scores each theme's stability, labels the
themes in the stories' language, matches them to the previous run so that a theme keeps
its key (``T3``) and label, applies the analysts' curation (renames, pinned labels,
merges), and stores run, themes and assignments. Stories no theme holds well enough form
the explicit ``other`` group.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable
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
from sensemaking.vectors import active_model, load_vectors

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


def _input_hash(
    model: str, params: dict[str, Any], story_ids: list[int], text_hashes: list[str]
) -> str:
    """What a run was made from: model, parameters, and every story with its text."""
    digest = hashlib.sha256(f"{model}\n{sorted(params.items())}\n".encode())
    for story_id, text_hash in zip(story_ids, text_hashes, strict=True):
        digest.update(f"{story_id}:{text_hash}\n".encode())
    return digest.hexdigest()


def _asked(
    settings: ThemeSettings, n_themes: int | None = None, granularity: float | None = None
) -> dict[str, Any]:
    """The parameters a run is asked for: the call's, else the project's settings."""
    return {
        "n_themes": settings.n_themes if n_themes is None else n_themes,
        "granularity": settings.granularity if granularity is None else granularity,
        "min_theme_size": settings.min_theme_size,
    }


def _language(languages: list[str | None]) -> str:
    counts = Counter((lang or "sv")[:2].lower() for lang in languages)
    return counts.most_common(1)[0][0] if counts else "sv"


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
    present = [t for t in range(int(labels.max()) + 1 if labels.size else 0) if (labels == t).any()]
    order = sorted(present, key=lambda t: (-int((labels == t).sum()), t))
    out = np.full_like(labels, -1)
    for new, old in enumerate(order):
        out[labels == old] = new
    return out, order


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

    Raises:
        ThemeError: no stories are embedded yet, or too few to find themes in.
    """
    from sensemaking import __version__
    from sensemaking.cluster.labels import label_themes
    from sensemaking.cluster.model import ThemeModel
    from sensemaking.cluster.stability import adjusted_rand_index, theme_stability

    def say(name: str) -> None:
        if step is not None:
            step(name)

    active = active_model(engine)
    if active is None:
        raise ThemeError("no story is embedded yet: run `sensemaking embed` first")
    model_id, model_key = active
    data = load_vectors(engine, model_id)
    if len(data.story_ids) < 10:
        raise ThemeError(
            f"{len(data.story_ids)} embedded stories are too few to find themes in (10 at least)"
        )
    seed = settings.seed if seed is None else seed
    asked = _asked(settings, n_themes, granularity)
    timings: dict[str, float] = {}

    def factory(s: int) -> Any:
        return ThemeModel(seed=s, cache_dir=cache_dir, **asked)

    say("clustering")
    start = time.perf_counter()
    try:
        model = factory(seed).fit(data.matrix)
    except ValueError as exc:  # e.g. more themes asked for than the stories can hold
        raise ThemeError(str(exc)) from None
    timings["cluster"] = time.perf_counter() - start
    timings.update({f"cluster.{k}": v for k, v in getattr(model, "timings_", {}).items()})
    say("stability")
    start = time.perf_counter()
    # The run records how much another seed changes the themes (1.0: not at all).
    ari = adjusted_rand_index(model.labels_, factory(seed + 1).fit(data.matrix).labels_)
    # Refits on subsamples keep the number of themes, so the score is about the themes
    # themselves rather than about how many were chosen.
    fixed = {**asked, "n_themes": model.n_themes_, "granularity": 1.0}

    def refit(s: int) -> Any:
        return ThemeModel(seed=s, cache_dir=cache_dir, **fixed)

    stability = np.asarray(
        theme_stability(refit, data.matrix, model.labels_, seed=seed), dtype=float
    )
    timings["stability"] = time.perf_counter() - start

    say("matching")
    previous_id = current_run_id(engine)
    previous = _previous(engine, previous_id)
    labels = np.asarray(model.labels_)
    strengths = np.asarray(model.strengths_, dtype=float)
    members = [
        frozenset(np.asarray(data.story_ids)[labels == t].tolist()) for t in range(model.n_themes_)
    ]
    first_number = _next_number(engine)
    match = match_themes(previous, members, _unit(np.asarray(model.centroids_)), first_number)
    curation = _curation(engine)
    merged = _apply_merges(labels, match.keys, match.events, match.sources, curation.merges)
    merged, order = _renumber(merged)
    keys = [match.keys[o] for o in order]
    events = [match.events[o] for o in order]
    sources = [match.sources[o] for o in order]
    stab = [float(np.clip(stability[o], 0, 1)) if o < len(stability) else None for o in order]

    say("labelling")
    start = time.perf_counter()
    names = label_themes(
        data.texts, merged, data.matrix, language=_language(data.languages), seed=seed
    )
    timings["label"] = time.perf_counter() - start

    say("map")
    from sensemaking.cluster.layout import map_layout

    layout = map_layout(data.matrix, seed=seed, max_fit=settings.map_max_fit, cache_dir=cache_dir)
    timings["map"] = layout.seconds
    xy = layout.coordinates.astype(float)

    say("storing")
    start = time.perf_counter()
    n = len(data.story_ids)
    other = int((merged < 0).sum())
    centroids = _unit(np.vstack([data.matrix[merged == t].mean(axis=0) for t in range(len(keys))]))
    params = {**asked, "seed": seed, "model_params": getattr(model, "params_", {}),
              "map": {"method": layout.method, **layout.params}}  # fmt: skip
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(ThemeRun)
            .values(
                status="running", seed=seed, params=params, model_id=model_id,
                code_version=__version__, n_stories=n,
                input_hash=_input_hash(model_key, asked | {"seed": seed}, data.story_ids,
                                       data.text_hashes),
                n_themes=len(keys), other_share=other / n, seed_ari=ari, events=match.as_events(),
                previous_run_id=previous_id,
            )
            .returning(ThemeRun.id)
        ).scalar_one()  # fmt: skip
        theme_ids: list[int] = []
        for t, key in enumerate(keys):
            label = names[t]
            pinned = key in curation.labels
            theme_ids.append(
                conn.execute(
                    insert(Theme)
                    .values(
                        run_id=run_id, key=key, label=curation.labels.get(key, label.label),
                        keywords=list(label.keywords), size=int((merged == t).sum()),
                        share=float((merged == t).sum()) / n, stability=stab[t],
                        unstable=stab[t] is not None and stab[t] < settings.unstable_below,
                        representatives=[data.story_ids[i] for i in label.representatives],
                        event=events[t], event_from=sources[t], label_pinned=pinned,
                        centroid=centroids[t].astype(np.float32).tobytes(),
                    )
                    .returning(Theme.id)
                ).scalar_one()
            )  # fmt: skip
        conn.execute(
            insert(ThemeAssignment),
            [
                {
                    "run_id": run_id, "story_id": sid,
                    "theme_id": theme_ids[t] if t >= 0 else None,
                    "strength": float(np.clip(strengths[i], 0.0, 1.0)) if t >= 0 else 0.0,
                    "map_x": round(xy[i, 0], 5), "map_y": round(xy[i, 1], 5),
                }
                for i, (sid, t) in enumerate(zip(data.story_ids, merged.tolist(), strict=True))
            ],
        )  # fmt: skip
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
        rows = conn.execute(
            select(Story.id, Story.text_hash)
            .join(Embedding, (Embedding.text_hash == Story.text_hash)
                  & (Embedding.model_id == model_id))
            .order_by(Story.id)
        ).all()  # fmt: skip
    params = _asked(settings) | {"seed": settings.seed}
    return _input_hash(model_key, params, [r[0] for r in rows], [r[1] for r in rows]) != stored


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
