"""No pattern output shows a group of fewer than k storytellers (property test over random data)."""

from __future__ import annotations

import contextlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sensemaking.framework import parse_framework
from sensemaking.patterns.data import AnswerTable
from sensemaking.patterns.groups import PatternContext, PatternError
from sensemaking.patterns.text import render_comparison

FRAMEWORK = parse_framework(
    """
framework:
  id: tiny
  prompt: {sv: "Berätta"}
  signifiers:
    - {id: t, type: triad, question: {sv: T}, corners: [{id: a, label: {sv: A}},
       {id: b, label: {sv: B}}, {id: c, label: {sv: C}}]}
    - {id: d, type: dyad, question: {sv: D}, poles: [{sv: låg}, {sv: hög}]}
    - {id: ch, type: choice, question: {sv: V}, multiple: true,
       options: [{id: x, label: {sv: X}}, {id: y, label: {sv: Y}}]}
"""
)
PLACES = ("R/A/s1", "R/A/s2", "R/B/s1", "R/B/s2")
ROUNDS = ("r1", "r2")


@st.composite
def tables(draw: st.DrawFn) -> tuple[AnswerTable, int]:
    n = draw(st.integers(0, 80))
    seed = draw(st.integers(0, 2**16))
    k = draw(st.integers(2, 8))
    rng = np.random.default_rng(seed)
    tellers = rng.integers(0, draw(st.integers(1, 60)), n)
    triads = rng.dirichlet([1, 1, 1], n)
    triads[rng.random(n) < 0.2] = np.nan
    dyads = rng.random(n)
    dyads[rng.random(n) < 0.2] = np.nan
    table = AnswerTable(
        story_id=np.arange(1, n + 1),
        place=np.array(rng.choice(PLACES, n), dtype=object),
        round=np.array(rng.choice(ROUNDS, n), dtype=object),
        storyteller=tellers.astype(np.int64),
        triads={"t": triads},
        triad_na={"t": np.isnan(triads).any(axis=1)},
        dyads={"d": dyads},
        dyad_na={"d": np.isnan(dyads)},
        choices={"ch": rng.random((n, 2)) < 0.4},
        theme=np.full(n, "", dtype=object),
    )
    return table, k


def people(table: AnswerTable, mask: np.ndarray) -> int:
    return len(set(table.storyteller[mask].tolist()))


def answered(table: AnswerTable, signifier: str) -> np.ndarray:
    if signifier == "t":
        return ~np.isnan(table.triads["t"]).any(axis=1)
    if signifier == "d":
        return ~np.isnan(table.dyads["d"])
    return table.choices["ch"].any(axis=1)


def check_distribution(context: PatternContext, place: str | None, round_: str | None) -> None:
    table, k = context.table, context.min_group
    mask = np.ones(len(table), dtype=bool)
    if place:
        mask &= table.in_place(place)
    if round_:
        mask &= table.round == round_
    summary = context.describe(place, round_)
    if summary.suppressed:
        assert summary.stories is None and all(s.shares is None for s in summary.signifiers)
        return
    assert people(table, mask) >= k
    cells = set(zip(table.place[mask], table.round[mask], strict=True))
    if len(cells) == 1:
        assert context.plan.shown(next(iter(cells)))
    for s in summary.signifiers:
        if s.shares is not None:
            assert people(table, mask & answered(table, s.signifier)) >= k


def check_comparison(context: PatternContext, result, masks) -> None:
    table, k = context.table, context.min_group
    text = render_comparison(result, FRAMEWORK, min_group=k)
    if result.suppressed:
        assert {r.verdict for r in result.items} == {"suppressed"}
        assert all(r.share_a is None and r.n_a is None for r in result.items)
        assert all(t.n_a is None for t in result.triads) and all(
            d.n_a is None for d in result.dyads
        )
        assert result.stories_a is None and result.stories_b is None
        assert "%" not in text
        return
    for mask in masks:
        assert people(table, mask) >= k
    for r in result.items:
        if r.share_a is not None:
            for mask in masks:
                assert people(table, mask & answered(table, r.signifier)) >= k


@settings(max_examples=60, deadline=None, derandomize=True)
@given(tables())
def test_no_output_shows_a_group_under_k(data: tuple[AnswerTable, int]) -> None:
    table, k = data
    context = PatternContext(table, FRAMEWORK, min_group=k)
    context.settings.n_bootstrap = 100
    for place in (None, "R", "R/A", "s1", "R/B/s2"):
        for round_ in (None, *ROUNDS):
            with contextlib.suppress(PatternError):  # a place or round without stories
                check_distribution(context, place, round_)
    for place in ("R/A", "R/B/s1", "R/A/s2"):
        try:
            result = context.over_time(place, "r1", "r2")
            check_comparison(context, result, [table.in_place(place) & (table.round == r)
                                               for r in ROUNDS])  # fmt: skip
        except PatternError:
            pass
        for other in ("all", "R/B/s2"):
            try:
                result = context.against(place, other, "r1")
            except PatternError:
                continue
            here = table.in_place(place) & (table.round == "r1")
            there = (~table.in_place(place) if other == "all" else table.in_place(other)) & (
                table.round == "r1"
            )
            check_comparison(context, result, [there, here])
