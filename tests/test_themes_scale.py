"""Large corpora: themes fitted on a sample and every other story assigned; the map placed."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pydantic import ValidationError
from sqlalchemy import select
from test_themes import TopicEmbedder

from cli.main import cli
from sensemaking.cluster.fitting import fit_themes, sample_rows
from sensemaking.cluster.layout import map_layout, nearest_rows
from sensemaking.cluster.stability import adjusted_rand_index
from sensemaking.config import ThemeSettings
from sensemaking.demo import generate_stories, write_demo_csv
from sensemaking.project import create_project
from sensemaking.store.models import ThemeAssignment
from sensemaking.themes import theme_run_stale

N = 1000
MAX_FIT = 300


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    texts = [row["text"] for row in generate_stories(N, seed=5)]
    return TopicEmbedder().encode(texts)


@pytest.fixture(scope="module")
def full(vectors: np.ndarray):
    return fit_themes(vectors, max_fit=N, seed=0)


@pytest.fixture(scope="module")
def sampled(vectors: np.ndarray):
    return fit_themes(vectors, max_fit=MAX_FIT, seed=0)


def test_a_sample_is_fitted_and_every_story_assigned(sampled, full) -> None:
    assert sampled.sampled and not full.sampled
    assert len(sampled.sample) == MAX_FIT and np.array_equal(
        sampled.sample, sample_rows(N, MAX_FIT, 0)
    )
    assert sampled.model.params_["n_stories"] == MAX_FIT
    k = sampled.model.n_themes_
    assert sampled.labels.shape == (N,) and set(np.unique(sampled.labels)) <= set(range(-1, k))
    assert np.all((sampled.strengths >= 0) & (sampled.strengths <= 1))
    assert np.all(sampled.strengths[sampled.labels < 0] == 0)
    manifest = sampled.manifest()
    assert (manifest["fitted_on"], manifest["stories"], manifest["assigned"]) == (300, N, 700)
    assert "centroid" in manifest["assigned_by"]
    # The rest is judged by the rule the sample was judged by: "other" stays honest.
    assert abs(manifest["other_share_assigned"] - manifest["other_share_fitted"]) <= 0.05
    assert (sampled.labels < 0).mean() <= 0.10


def test_sampled_themes_agree_with_a_full_fit(sampled, full) -> None:
    assert adjusted_rand_index(full.labels, sampled.labels) >= 0.8
    # as much as a full fit agrees with itself under another seed, give or take
    assert adjusted_rand_index(full.labels, sampled.labels) >= full.seed_ari - 0.15


def test_the_sample_and_the_assignment_are_seeded(vectors: np.ndarray, sampled) -> None:
    again = fit_themes(vectors, max_fit=MAX_FIT, seed=0)
    assert np.array_equal(again.labels, sampled.labels)
    assert np.array_equal(again.strengths, sampled.strengths)


def test_nearest_rows_is_exact() -> None:
    rng = np.random.default_rng(3)
    for m, k in ((5000, 15), (200, 15), (40, 7), (15, 15)):
        reference = rng.normal(size=(m, 12)).astype(np.float32)
        queries = rng.normal(size=(300, 12)).astype(np.float32)
        found, sims = nearest_rows(queries, reference, k)
        full = queries @ reference.T
        expected = np.argsort(-full, axis=1, kind="stable")[:, :k]
        assert np.array_equal(found, expected)
        assert np.allclose(sims, np.take_along_axis(full, expected, axis=1))
    with pytest.raises(ValueError, match="k must"):
        nearest_rows(queries, reference, 16)


@pytest.fixture(scope="module")
def layout(vectors: np.ndarray):
    return map_layout(vectors, seed=0, max_fit=MAX_FIT)


def test_the_map_places_every_story_near_its_fitted_neighbours(vectors, layout, full) -> None:
    xy = layout.coordinates
    assert xy.shape == (N, 2) and np.isfinite(xy).all() and np.abs(xy).max() <= 1.0 + 1e-6
    fitted = layout.fitted_rows
    assert len(fitted) == MAX_FIT
    assert layout.params["fitted_on"] == MAX_FIT and layout.params["placed"] == "neighbours"
    assert layout.params["placed_stories"] == N - MAX_FIT
    placed = np.setdiff1d(np.arange(N), fitted)
    # A placed story lies by its nearest fitted story, far closer than stories in general.
    nearest, _ = nearest_rows(vectors[placed], vectors[fitted], 1)
    gap = np.linalg.norm(xy[placed] - xy[fitted[nearest[:, 0]]], axis=1)
    pairs = np.random.default_rng(0).integers(0, N, size=(2000, 2))
    typical = np.median(np.linalg.norm(xy[pairs[:, 0]] - xy[pairs[:, 1]], axis=1))
    assert np.median(gap) < 0.1 * typical
    # ... and inside its theme's region: its nearest fitted stories on the map are mostly
    # of its own theme.
    themes = full.labels
    on_map = np.argsort(
        np.linalg.norm(xy[placed][:, None, :] - xy[fitted][None, :, :], axis=2), axis=1
    )[:, :15]
    around = themes[fitted][on_map]
    own = themes[placed]
    inside = [np.mean(row == t) > 0.5 for row, t in zip(around, own, strict=True) if t >= 0]
    assert np.mean(inside) >= 0.9


def test_the_placement_is_seeded_and_does_not_stack_identical_stories(vectors) -> None:
    twins = np.vstack([vectors, vectors[:200]])  # 200 stories told twice
    one = map_layout(twins, seed=0, max_fit=MAX_FIT)
    two = map_layout(twins, seed=0, max_fit=MAX_FIT)
    assert np.array_equal(one.coordinates, two.coordinates)
    placed = np.ones(len(twins), dtype=bool)
    placed[one.fitted_rows] = False
    both = [i for i in range(200) if placed[i] and placed[N + i]]
    assert both
    apart = np.linalg.norm(one.coordinates[both] - one.coordinates[[N + i for i in both]], axis=1)
    assert np.all(apart > 0) and np.median(apart) < 0.05


def test_a_bad_placement_or_max_fit_is_a_clear_error(vectors) -> None:
    with pytest.raises(ValueError, match="placement"):
        map_layout(vectors, max_fit=MAX_FIT, placement="tsne")
    with pytest.raises(ValueError, match="max_fit"):
        fit_themes(vectors, max_fit=5)
    with pytest.raises(ValidationError, match="max_fit"):
        ThemeSettings(max_fit=50)


def test_a_sampled_run_says_so_and_keeps_its_themes(tmp_path: Path, database_url) -> None:
    path = write_demo_csv(tmp_path / "stories.csv", n=N, seed=5)
    with create_project(tmp_path / "p", database_url=database_url) as project:
        project.config.themes.max_fit = MAX_FIT
        project.config.themes.map_max_fit = MAX_FIT
        assert project.ingest(path).added == N
        project.embed(embedder=TopicEmbedder())
        run = project.find_themes(seed=0)
        assert run.fitted_on == MAX_FIT and run.n_stories == N
        sample = run.params["sample"]
        assert (sample["fitted_on"], sample["stories"], sample["assigned"]) == (300, N, 700)
        assert sample["assigned_by"] and sample["labels_from"] == "sample"
        assert run.params["map"]["placed"] == "neighbours"
        assert run.params["map"]["fitted_on"] == MAX_FIT
        assert {"load", "cluster", "stability", "assign", "label", "map.place"} <= set(run.timings)
        assert run.other_size + sum(t.size for t in run.themes) == N
        assert run.other_share <= 0.10 and 5 <= len(run.themes) <= 25

        with project.engine.connect() as conn:
            stored = conn.execute(
                select(ThemeAssignment.story_id, ThemeAssignment.theme_id,
                       ThemeAssignment.map_x, ThemeAssignment.map_y)
                .where(ThemeAssignment.run_id == run.run_id)
            ).all()  # fmt: skip
        assert len(stored) == N and np.isfinite([(r[2], r[3]) for r in stored]).all()
        out = tmp_path / "teman.csv"
        assert project.export_themes(out) == N
        with out.open(encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        assert {r["theme_id"] for r in rows} <= {t.key for t in run.themes} | {"other"}
        assert all(0 <= float(r["strength"]) <= 1 for r in rows)
        # Representatives are members of their theme, read from the sample's texts.
        theme_of = {r[0]: r[1] for r in stored}
        for view in run.themes:
            assert view.representatives and view.keywords
            assert len({theme_of[s] for s in view.representatives}) == 1

        settings = project.config.themes
        assert not theme_run_stale(project.engine, settings)
        settings.max_fit = 400  # another sample: the run no longer matches the settings
        assert theme_run_stale(project.engine, settings)
        settings.max_fit = MAX_FIT
        again = project.find_themes(seed=0)
        assert [t.key for t in again.themes] == [t.key for t in run.themes]
        assert {t.event for t in again.themes} == {"continued"}

        # The analyst is told: in the report's run facts and every page's footer ...
        report = project.report(lang="en")
        for page in ("index.html", "themes.html"):
            html = (report.folder / page).read_text(encoding="utf-8")
            assert "themes fitted on a sample of 300 of 1,000" in html
        overview = (report.folder / "index.html").read_text(encoding="utf-8")
        assert "a random sample of 300 of 1,000 stories" in overview
    # ... and by `themes list`.
    listed = CliRunner().invoke(cli, ["--project", str(tmp_path / "p"), "themes", "list"])
    assert listed.exit_code == 0, listed.output
    assert "fitted on a random sample of 300 of 1,000 stories" in listed.output


def test_a_corpus_below_max_fit_is_not_sampled(tmp_path: Path) -> None:
    path = write_demo_csv(tmp_path / "stories.csv", n=200, seed=5)
    with create_project(tmp_path / "p") as project:
        project.ingest(path)
        project.embed(embedder=TopicEmbedder())
        run = project.find_themes()
        assert run.fitted_on == 200 and "sample" not in run.params
        overview = project.report(lang="en").folder / "index.html"
        assert "fitted on" not in overview.read_text(encoding="utf-8")
        assert "placed" not in run.params["map"]
        project.config.themes.max_fit = 5000  # not reached either way: nothing to redo
        assert not theme_run_stale(project.engine, project.config.themes)
