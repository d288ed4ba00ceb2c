"""The theme model on synthetic stories: blobs of embeddings on the unit sphere."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

from sensemaking.cluster.fitting import fit_themes
from sensemaking.cluster.model import ThemeModel, readable_theme_range
from sensemaking.cluster.reduce import SpectralReducer, configure_numba_cache, knn_graph
from sensemaking.cluster.stability import adjusted_rand_index


def blobs(
    sizes: list[int], dim: int = 32, spread: float = 0.35, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors scattered around random unit centres, and which centre each came from."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(sizes), dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    truth = np.repeat(np.arange(len(sizes)), sizes)
    points = centres[truth] + spread * rng.normal(size=(len(truth), dim)) / np.sqrt(dim)
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points.astype(np.float32), truth


def nested_blobs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four groups of three close sub-blobs each: 4 broad themes, 12 fine ones."""
    rng = np.random.default_rng(seed)
    dim = 48
    groups = rng.normal(size=(4, dim))
    groups /= np.linalg.norm(groups, axis=1, keepdims=True)
    subs = np.repeat(groups, 3, axis=0) + 0.7 * rng.normal(size=(12, dim)) / np.sqrt(dim)
    subs /= np.linalg.norm(subs, axis=1, keepdims=True)
    fine = np.repeat(np.arange(12), 30)
    points = subs[fine] + 0.3 * rng.normal(size=(len(fine), dim)) / np.sqrt(dim)
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points.astype(np.float32), fine


@pytest.fixture(scope="module")
def six() -> tuple[np.ndarray, np.ndarray]:
    return blobs([60, 50, 45, 40, 35, 30])


@pytest.fixture(scope="module")
def six_model(six: tuple[np.ndarray, np.ndarray]) -> ThemeModel:
    return ThemeModel(seed=0).fit(six[0])


def test_separated_blobs_are_recovered(six, six_model):
    _, truth = six
    assert six_model.n_themes_ == 6
    assert adjusted_rand_index(truth, six_model.labels_) > 0.9
    assert np.mean(six_model.labels_ < 0) <= 0.05


def test_themes_are_numbered_by_decreasing_size(six_model):
    sizes = np.bincount(six_model.labels_[six_model.labels_ >= 0])
    assert list(sizes) == sorted(sizes, reverse=True)
    assert list(six_model.sizes_) == list(sizes)


def test_learned_state(six, six_model):
    x, _ = six
    k = six_model.n_themes_
    assert six_model.centroids_.shape == (k, x.shape[1])
    assert np.allclose(np.linalg.norm(six_model.centroids_, axis=1), 1.0, atol=1e-6)
    assert six_model.labels_.dtype.kind == "i" and six_model.labels_.shape == (len(x),)
    assert six_model.strengths_.min() >= 0.0 and six_model.strengths_.max() <= 1.0
    assert set(six_model.timings_) >= {"reduce", "tree", "select", "assign", "total"}
    params = json.loads(json.dumps(six_model.params_))
    assert params["seed"] == 0 and params["n_themes_found"] == k
    assert params["reducer"] == "spectral" and params["min_theme_size"] == 5


def test_central_stories_are_stronger(six, six_model):
    x, _ = six
    theme = six_model.labels_ == 0
    sims = x[theme] @ six_model.centroids_[0]
    strengths = six_model.strengths_[theme]
    assert strengths[np.argmax(sims)] == pytest.approx(1.0)
    assert strengths[np.argmin(sims)] < 0.05


def test_same_seed_gives_identical_labels(six):
    x, _ = six
    first = ThemeModel(seed=3).fit(x)
    second = ThemeModel(seed=3).fit(x)
    assert np.array_equal(first.labels_, second.labels_)
    assert np.array_equal(first.strengths_, second.strengths_)


def test_n_themes_returns_exactly_that_many(six):
    x, _ = six
    for n in (2, 4, 9):
        model = ThemeModel(n_themes=n, seed=0).fit(x)
        assert model.n_themes_ == n
        assert set(np.unique(model.labels_[model.labels_ >= 0])) == set(range(n))


def test_n_themes_beyond_the_data_fails_naming_it(six):
    x, _ = six
    with pytest.raises(ValueError, match="n_themes"):
        ThemeModel(n_themes=200, seed=0).fit(x)
    # ... unless asked for at most that many (a stability refit on a subsample).
    loose = ThemeModel(n_themes=200, seed=0, exact_n_themes=False).fit(x)
    assert 6 <= loose.n_themes_ < 200


def test_small_one_topic_corpora_get_themes_without_error():
    # The stability refits on 80% subsamples of a small corpus often cannot hold as many
    # themes as the full fit found; that used to fail the whole run (44 of these 60).
    rng = np.random.default_rng(0)
    for seed in range(12):
        for n in (12, 20, 30, 45, 60):
            fitted = fit_themes(rng.normal(size=(n, 16)) + 3, max_fit=50_000, seed=seed)
            assert fitted.model.n_themes_ >= 1 and len(fitted.stability) == fitted.model.n_themes_
            assert np.all((fitted.stability >= 0) & (fitted.stability <= 1))


def test_granularity_moves_along_one_tree():
    x, fine = nested_blobs()
    coarse = ThemeModel(granularity=0.5, seed=0).fit(x)
    default = ThemeModel(seed=0).fit(x)
    finer = ThemeModel(granularity=2.0, seed=0).fit(x)
    assert coarse.n_themes_ < default.n_themes_ < finer.n_themes_
    broad = fine // 3
    four = ThemeModel(n_themes=4, seed=0).fit(x)
    twelve = ThemeModel(n_themes=12, seed=0).fit(x)
    assert adjusted_rand_index(broad, four.labels_) > 0.9
    assert adjusted_rand_index(fine, twelve.labels_) > 0.9
    # Finer themes nest inside coarser ones: each fine theme lies in one broad theme.
    for theme in range(12):
        parents = four.labels_[twelve.labels_ == theme]
        assert np.mean(parents == np.bincount(parents[parents >= 0]).argmax()) > 0.95


def test_predict_sends_far_stories_to_other(six, six_model):
    x, _ = six
    assert adjusted_rand_index(six_model.predict(x), six_model.labels_) > 0.9
    rng = np.random.default_rng(1)
    far = rng.normal(size=(20, x.shape[1])).astype(np.float32)
    far /= np.linalg.norm(far, axis=1, keepdims=True)
    labels, strengths = six_model.assign(far)
    assert np.all(labels == -1)
    assert np.all(strengths == 0.0)
    # A story near a theme's centre joins that theme.
    near = six_model.centroids_[2:3] + 0.01 * rng.normal(size=(1, x.shape[1]))
    assert six_model.predict(near)[0] == 2


def test_small_groups_dissolve_into_other():
    x, _ = blobs([60, 50, 45, 40], seed=2)
    rng = np.random.default_rng(5)
    noise = rng.normal(size=(4, x.shape[1])).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    model = ThemeModel(n_themes=4, seed=0).fit(np.vstack([x, noise]))
    assert model.n_themes_ == 4
    assert np.all(model.labels_[-4:] == -1)
    assert np.all(model.labels_[:-4] >= 0)


def test_large_corpus_is_fitted_on_a_sample(six):
    x, truth = six
    model = ThemeModel(seed=0, max_fit_size=150).fit(x)
    assert model.params_["n_fitted"] == 150
    assert adjusted_rand_index(truth, model.labels_) > 0.9


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_themes": 0}, "n_themes"),
        ({"n_themes": 2.5}, "n_themes"),
        ({"granularity": 0}, "granularity"),
        ({"granularity": float("nan")}, "granularity"),
        ({"min_theme_size": 0}, "min_theme_size"),
        ({"seed": -1}, "seed"),
        ({"reducer": "tsne"}, "reducer"),
        ({"clusterer": "kmeans"}, "clusterer"),
        ({"n_neighbors": 1}, "n_neighbors"),
        ({"n_components": 1}, "n_components"),
        ({"max_fit_size": 5}, "max_fit_size"),
        ({"outlier_fence": -1.0}, "outlier_fence"),
    ],
)
def test_invalid_parameters_fail_naming_them(six, kwargs, name):
    model = ThemeModel(**kwargs)
    assert all(getattr(model, key) == value or value != value for key, value in kwargs.items())
    with pytest.raises(ValueError, match=name):
        model.fit(six[0])


@pytest.mark.parametrize(
    ("embeddings", "message"),
    [
        (np.ones((5, 8)), "at least 10"),
        (np.ones(40), "2-D"),
        (np.full((20, 8), np.nan), "NaN"),
        (np.zeros((20, 8)), "zero"),
        ([["a", "b"]] * 20, "numeric"),
    ],
)
def test_bad_embeddings_fail_clearly(embeddings, message):
    with pytest.raises(ValueError, match=message):
        ThemeModel().fit(embeddings)


def test_predict_checks_its_input(six_model):
    with pytest.raises(ValueError, match="dimension"):
        six_model.predict(np.ones((3, 7)))
    with pytest.raises(ValueError, match="not fitted"):
        ThemeModel().predict(np.ones((3, 7)))


def test_readable_range_grows_with_the_corpus():
    assert readable_theme_range(100) == (5, 10)
    assert readable_theme_range(500) == (5, 22)
    assert readable_theme_range(50_000) == (5, 25)
    assert readable_theme_range(12) == (3, 3)


def test_knn_graph_is_symmetric_with_fuzzy_weights(six):
    x, _ = six
    graph = knn_graph(x, 10)
    assert (abs(graph - graph.T) > 1e-12).nnz == 0
    assert graph.diagonal().sum() == 0
    assert graph.data.min() > 0 and graph.data.max() <= 1.0 + 1e-12


def test_spectral_reducer_is_seed_independent(six):
    x, _ = six
    first = SpectralReducer(seed=0).fit(x)
    second = SpectralReducer(seed=7).fit(x)
    # Six separate blobs: six pieces, each adding its own eigenvalue 1 to the 12 vectors.
    assert first.n_pieces_ == 6
    assert np.allclose(first.eigenvalues_[:6], 1.0)
    assert first.embedding_.shape == (len(x), 12 + 5)
    assert np.allclose(np.linalg.norm(first.embedding_, axis=1), 1.0)
    # Eigenvectors are defined up to sign (and rotation within a repeated eigenvalue), so
    # compare the distances between stories instead of the coordinates.
    gram_first = first.embedding_ @ first.embedding_.T
    gram_second = second.embedding_ @ second.embedding_.T
    assert np.allclose(gram_first, gram_second, atol=1e-4)


def test_numba_cache_dir_is_set_before_numba_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", "")  # restored (unset) after the test
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.delitem(sys.modules, "numba", raising=False)
    where = configure_numba_cache(tmp_path)
    assert where == tmp_path / "numba" and where.is_dir()
    assert os.environ["NUMBA_CACHE_DIR"] == str(where)
    assert configure_numba_cache(None) == where


@pytest.mark.slow  # imports hdbscan and scikit-learn: about 2 s idle, over 5 s on a busy box
def test_hdbscan_clusterer_option(six):
    x, truth = six
    model = ThemeModel(clusterer="hdbscan", seed=0).fit(x)
    assert adjusted_rand_index(truth, model.labels_) > 0.9
    two = ThemeModel(clusterer="hdbscan", n_themes=2, seed=0).fit(x)
    assert two.n_themes_ == 2


def test_cosine_silhouette_is_scikit_learns(six):
    from sklearn.metrics import silhouette_score

    from sensemaking.cluster.model import _cosine_silhouette

    x, truth = six
    labels = truth.copy()
    labels[:7] = 5  # some mixing, and one group of a single story
    labels[10] = 9
    expected = silhouette_score(x, labels, metric="cosine")
    assert _cosine_silhouette(x, labels) == pytest.approx(expected, abs=1e-5)
