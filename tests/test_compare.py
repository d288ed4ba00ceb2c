"""Comparisons: calibrated under no difference, powerful for a real one, small groups hidden."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sensemaking.patterns.compare import benjamini_hochberg, compare_items, permutation_p_values
from sensemaking.patterns.multivariate import dyad_shift, mean_test, triad_shift

ZONE_NAMES = (
    "corner:vuxna", "corner:kompisar", "corner:jag", "centre",
    "edge:vuxna-kompisar", "edge:vuxna-jag", "edge:kompisar-jag",
)  # fmt: skip
ZONES = [("kraft", z) for z in ZONE_NAMES]
BASE = np.array([0.2, 0.15, 0.15, 0.2, 0.1, 0.1, 0.1])


def one_hot(rng: np.random.Generator, probs: np.ndarray, n: int) -> np.ndarray:
    return np.eye(len(probs))[rng.choice(len(probs), size=n, p=probs)]


def shifted(into: int, points: float) -> np.ndarray:
    probs = BASE * (1 - BASE[into] - points) / (1 - BASE[into])
    probs[into] = BASE[into] + points
    return probs


def test_benjamini_hochberg_by_hand() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4/rank = 0.02, 0.02, 0.04, 0.04
    assert benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.005])) == pytest.approx(
        [0.02, 0.04, 0.04, 0.02]
    )


def test_no_difference_rarely_gives_any_call() -> None:
    rng = np.random.default_rng(1)
    calls = 0
    for sim in range(40):
        result = compare_items(one_hot(rng, BASE, 150), one_hot(rng, BASE, 150), ZONES,
                               n_bootstrap=400, seed=sim)  # fmt: skip
        calls += any(r.verdict in ("more_of", "fewer_of") for r in result)
    assert calls <= 4  # 5% of 40 is 2; binomial noise allowed, a broken test would call many


def test_a_planted_shift_into_a_corner_is_found_and_the_rest_stays_quiet() -> None:
    # 15 points more stories in one zone of seven: the best any procedure that keeps false
    # calls at 5% can do at n=150 is ~70% (benchmarks/patterns.py); 40 runs, expect ~27
    rng = np.random.default_rng(2)
    found = noise = 0
    for sim in range(40):
        result = compare_items(one_hot(rng, BASE, 150), one_hot(rng, shifted(1, 0.15), 150), ZONES,
                               n_bootstrap=400, seed=sim)  # fmt: skip
        found += result[1].verdict == "more_of"
        noise += sum(r.verdict == "more_of" for i, r in enumerate(result) if i != 1)
    assert found >= 22 and noise <= 2  # of 240 other verdicts; BH allows a rare false one


def test_the_permutation_p_value_is_exact() -> None:
    # every relabelling of 4 + 5 stories, counted by brute force
    a, b = np.array([1, 1, 1, 0]), np.array([0, 0, 1, 0, 0])
    pooled = np.concatenate([a, b])
    observed = abs(b.mean() - a.mean())
    hits = total = 0
    for chosen in itertools.combinations(range(9), 5):
        in_b = np.zeros(9, dtype=bool)
        in_b[list(chosen)] = True
        total += 1
        hits += abs(pooled[in_b].mean() - pooled[~in_b].mean()) >= observed - 1e-12
    assert permutation_p_values(np.array([3]), 4, np.array([1]), 5)[0] == pytest.approx(
        hits / total
    )


def test_the_p_value_sums_every_count_at_least_as_far_from_expected() -> None:
    # the definition summed term by term, against the two-tail form used at scale
    from scipy.stats import hypergeom

    for n_a, n_b in ((1, 1), (4, 5), (7, 3), (12, 12), (30, 11)):
        for k in range(n_a + n_b + 1):
            for xb in range(max(0, k - n_a), min(k, n_b) + 1):
                support = np.arange(max(0, k - n_a), min(k, n_b) + 1)
                expected = k * n_b / (n_a + n_b)
                far = np.abs(support - expected) >= abs(xb - expected) - 1e-9
                wanted = hypergeom.pmf(support[far], n_a + n_b, k, n_b).sum()
                got = permutation_p_values(np.array([k - xb]), n_a, np.array([xb]), n_b)[0]
                assert got == pytest.approx(min(1.0, wanted), abs=1e-12)


def test_whole_signifier_tests_are_calibrated_and_see_a_real_move() -> None:
    rng = np.random.default_rng(5)
    false_triads = false_dyads = 0
    for sim in range(30):
        x, y = rng.dirichlet([2, 2, 2], 60), rng.dirichlet([2, 2, 2], 60)
        false_triads += triad_shift("t", "abc", x, y, n_permutations=199, seed=sim).p_value < 0.05
        dyad = dyad_shift("d", rng.random(60), rng.random(60), n_permutations=199,
                          n_bootstrap=200, seed=sim)  # fmt: skip
        false_dyads += dyad.verdict != "no_clear_shift"
    assert false_triads <= 4 and false_dyads <= 4
    moved = triad_shift("t", "abc", rng.dirichlet([2, 2, 2], 60), rng.dirichlet([2, 6, 2], 60))
    assert moved.verdict == "shifted" and moved.towards == "b"
    assert moved.centre_b[1] > moved.centre_a[1]
    higher = dyad_shift("d", rng.beta(2, 2, 60), rng.beta(4, 2, 60))
    assert higher.verdict == "higher" and higher.ci_low > 0


def test_large_dyad_groups_read_the_same_p_value_and_interval_from_the_normal_limit() -> None:
    rng = np.random.default_rng(8)
    a, b = rng.beta(2, 2, 1500), rng.beta(2.05, 2, 1200)
    diff, low, high, p = mean_test(a, b)
    # the definitions, resampled in full: 4000 relabellings, 4000 bootstrap draws
    pooled = np.concatenate([a, b])
    relabelled = np.array([rng.permutation(pooled) for _ in range(4000)])
    null = relabelled[:, 1500:].mean(axis=1) - relabelled[:, :1500].mean(axis=1)
    assert p == pytest.approx(np.mean(np.abs(null) >= abs(diff)), abs=0.02)
    boot = (b[rng.integers(0, 1200, (4000, 1200))].mean(axis=1)
            - a[rng.integers(0, 1500, (4000, 1500))].mean(axis=1))  # fmt: skip
    assert (low, high) == pytest.approx(tuple(np.percentile(boot, [2.5, 97.5])), abs=0.003)


def test_the_numbers_of_one_comparison() -> None:
    a = np.array([[1, 0]] * 30 + [[0, 1]] * 70)
    b = np.array([[1, 0]] * 60 + [[0, 1]] * 40)
    first, second = compare_items(
        a, b, [("kansla", "option:positiv"), ("kansla", "option:negativ")]
    )
    assert (first.share_a, first.share_b, first.difference) == pytest.approx((0.3, 0.6, 0.3))
    assert first.ci_low < 0.3 < first.ci_high and first.ci_low > 0
    assert first.verdict == "more_of" and second.verdict == "fewer_of"
    assert first.p_adjusted < 0.01


@pytest.mark.parametrize("people", [(4, 50), (50, 4)])
def test_a_group_under_k_storytellers_is_never_shown(people: tuple[int, int]) -> None:
    a = np.array([[1, 0]] * 10)
    b = np.array([[0, 1]] * 60)
    result = compare_items(a, b, [("x", "a"), ("x", "b")], storytellers_a=people[0],
                           storytellers_b=people[1])  # fmt: skip
    for r in result:
        assert r.verdict == "suppressed"
        assert (r.share_a, r.share_b, r.difference, r.ci_low, r.p_adjusted) == (None,) * 5
