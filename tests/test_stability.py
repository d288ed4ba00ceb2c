"""Stability of themes: across seeds and, theme by theme, across subsamples."""

from __future__ import annotations

import numpy as np
import pytest

from sensemaking.cluster.model import ThemeModel
from sensemaking.cluster.stability import adjusted_rand_index, seed_ari, theme_stability


def sphere_points(sizes: list[int], spread: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    dim = 32
    centres = rng.normal(size=(len(sizes), dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    points = np.repeat(centres, sizes, axis=0) + spread * rng.normal(size=(sum(sizes), dim))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def test_adjusted_rand_index_matches_its_definition():
    a = np.array([0, 0, 1, 1, 2, 2, -1, -1])
    assert adjusted_rand_index(a, a) == pytest.approx(1.0)
    assert adjusted_rand_index(a, (a + 5) * 3) == pytest.approx(1.0)  # names do not matter
    # The worked example of sklearn.metrics.adjusted_rand_score's documentation.
    assert adjusted_rand_index(np.array([0, 0, 1, 2]), np.array([0, 0, 1, 1])) == pytest.approx(
        0.5714285714285714
    )
    rng = np.random.default_rng(0)
    assert abs(adjusted_rand_index(rng.integers(0, 5, 4000), rng.integers(0, 5, 4000))) < 0.01
    with pytest.raises(ValueError, match="labels"):
        adjusted_rand_index(np.zeros(3), np.zeros(4))


def test_seed_ari_of_the_theme_model_is_one_on_clear_themes():
    x = sphere_points([40, 40, 40, 40, 40], spread=0.05)
    score = seed_ari(lambda e, s: ThemeModel(seed=s).fit(e).labels_, x, seeds=(0, 1, 2))
    assert score == pytest.approx(1.0)


def test_seed_ari_sees_seed_dependence():
    def coin(x: np.ndarray, seed: int) -> np.ndarray:
        return np.random.default_rng(seed).integers(0, 4, len(x))

    assert seed_ari(coin, np.zeros((500, 2)), seeds=(0, 1)) < 0.05
    with pytest.raises(ValueError, match="seeds"):
        seed_ari(coin, np.zeros((50, 2)), seeds=(0,))


def test_clear_themes_are_stable_and_forced_ones_are_not():
    clear = sphere_points([50, 50, 50, 50], spread=0.05)
    model = ThemeModel(seed=0).fit(clear)
    scores = theme_stability(
        lambda seed: ThemeModel(n_themes=model.n_themes_, seed=seed), clear, model.labels_
    )
    assert scores.shape == (model.n_themes_,)
    assert scores.min() > 0.95

    # One diffuse cloud cut into eight themes: the cut moves with every subsample.
    cloud = sphere_points([200], spread=1.0, seed=1)
    forced = ThemeModel(n_themes=8, seed=0).fit(cloud)
    forced_scores = theme_stability(
        lambda seed: ThemeModel(n_themes=8, seed=seed), cloud, forced.labels_, n_runs=3
    )
    assert np.all((forced_scores >= 0) & (forced_scores <= 1))
    assert forced_scores.mean() < scores.mean() - 0.2


def test_theme_stability_is_deterministic_and_handles_other():
    x = sphere_points([40, 40, 40], spread=0.05)
    labels = ThemeModel(seed=0).fit(x).labels_.copy()
    labels[:5] = -1

    def factory(seed: int) -> ThemeModel:
        return ThemeModel(n_themes=3, seed=seed)

    first = theme_stability(factory, x, labels, n_runs=2, seed=4)
    second = theme_stability(factory, x, labels, n_runs=2, seed=4)
    assert np.array_equal(first, second)
    assert theme_stability(factory, x, np.full(len(x), -1)).shape == (0,)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"n_runs": 0}, "n_runs"), ({"sample_fraction": 1.0}, "sample_fraction")],
)
def test_theme_stability_validates(kwargs, name):
    x = sphere_points([20, 20], spread=0.05)
    with pytest.raises(ValueError, match=name):
        theme_stability(lambda s: ThemeModel(seed=s), x, np.zeros(len(x), dtype=int), **kwargs)
    with pytest.raises(ValueError, match="labels"):
        theme_stability(lambda s: ThemeModel(seed=s), x, np.zeros(3, dtype=int))
