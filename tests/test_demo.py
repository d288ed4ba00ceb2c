"""The demo data generator: reproducible, valid against the default framework, with its planted
patterns visible (see docs/demo-data.md)."""

from __future__ import annotations

import csv
import re
import statistics
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from sensemaking.demo import demo_csv_path, generate_stories, write_demo_csv
from sensemaking.demo.compose import load_material
from sensemaking.demo.generator import COLUMNS, PLACES, ROUNDS
from sensemaking.framework import (
    ChoiceSignifier,
    DyadSignifier,
    Framework,
    TriadSignifier,
    load_framework,
)

FRAMEWORK_PATH = Path(__file__).resolve().parents[1] / "configs" / "framework.sv.yaml"
R1, R2, R3 = (r.label for r in ROUNDS)


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework(FRAMEWORK_PATH)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    return generate_stories()


def municipality(row: dict[str, object]) -> str:
    return str(row["place"]).split("/")[1]


def values(rows, place: str, round_label: str, column: str) -> list[float]:
    return [
        r[column]
        for r in rows
        if municipality(r) == place and r["round"] == round_label and r[column] is not None
    ]


def mean(rows, place: str, round_label: str, column: str) -> float:
    return statistics.fmean(values(rows, place, round_label, column))


def share(rows, place: str, round_label: str, predicate) -> float:
    cell = [r for r in rows if municipality(r) == place and r["round"] == round_label]
    return sum(1 for r in cell if predicate(r)) / len(cell)


# --- reproducibility -----------------------------------------------------------------------


def test_same_seed_same_stories_and_different_seed_different():
    assert generate_stories(300, seed=7) == generate_stories(300, seed=7)
    other = generate_stories(300, seed=8)
    assert [r["text"] for r in other] != [r["text"] for r in generate_stories(300, seed=7)]


def test_shipped_csv_is_a_fresh_generation(tmp_path):
    written = write_demo_csv(tmp_path / "stories.csv")
    assert written.read_bytes() == demo_csv_path().read_bytes()


def test_shipped_csv_has_canonical_header_and_is_utf8(framework):
    with demo_csv_path().open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        body = list(reader)
    assert header == framework.columns() == list(COLUMNS)
    assert 600 <= len(body) <= 900
    assert all(len(line) == len(header) for line in body)


def test_sizes(rows):
    assert len(rows) == 832
    assert len(generate_stories(0)) == 0
    assert len(generate_stories(1234, seed=3)) == 1234
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="n must be"):
            generate_stories(bad)  # type: ignore[arg-type]


# --- validity against the default framework ------------------------------------------------


def test_every_row_is_valid_against_the_framework(rows, framework):
    for row in rows:
        assert list(row) == framework.columns()
        for s in framework.signifiers:
            if isinstance(s, TriadSignifier):
                parts = [row[c] for c in s.columns()]
                if parts[0] is None:
                    assert parts == [None, None, None], row["id"]
                    continue
                assert all(isinstance(x, float) and 0.0 <= x <= 1.0 for x in parts), row["id"]
                assert abs(sum(parts) - 1.0) < 1e-4, row["id"]
                assert all(round(x, 4) == x for x in parts)
            elif isinstance(s, DyadSignifier):
                x = row[s.id]
                assert x is None or (isinstance(x, float) and 0.0 <= x <= 1.0), row["id"]
            elif isinstance(s, ChoiceSignifier):
                assert row[s.id] is None or row[s.id] in {o.id for o in s.options}, row["id"]


def test_reserved_columns(rows):
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert len({r["text"] for r in rows}) == len(rows)
    windows = {r.label: r for r in ROUNDS}
    regions = {p.region for p in PLACES}
    for row in rows:
        assert row["language"] == "sv"
        assert isinstance(row["text"], str) and 20 < len(row["text"]) < 600
        region, _, site = str(row["place"]).split("/")
        assert region in regions and site
        window = windows[str(row["round"])]
        day = date.fromisoformat(str(row["date"]))
        assert window.start <= day <= window.end and day.weekday() < 5
        assert re.fullmatch(r"u-[0-9a-f]{8}", str(row["storyteller"]))


def test_answers_have_realistic_noise(rows):
    kraft = [r["kraft.vuxna"] for r in rows]
    assert 0.02 < kraft.count(None) / len(rows) < 0.09
    centre = [r for r in rows if (r["kraft.vuxna"], r["kraft.jag"]) == (0.3333, 0.3334)]
    assert centre
    assert any(r["lyssnad"] == 0.5 for r in rows)
    assert any(r["trygg"] in (0.0, 1.0) for r in rows)


def test_some_storytellers_tell_two_or_three_stories(rows):
    per_teller = Counter(r["storyteller"] for r in rows)
    assert max(per_teller.values()) == 3
    assert sum(1 for c in per_teller.values() if c > 1) >= 30


def test_story_material_fits_the_framework(framework):
    material = load_material()
    plats = {o.id for o in framework.signifier("plats").options}
    valences = {o.id for o in framework.signifier("kansla").options}
    for scenario in material.scenarios:
        assert set(scenario.plats) <= plats, scenario.id
        assert scenario.valence in valences, scenario.id
        for triad in (scenario.kraft, scenario.trygghet, scenario.fritid):
            assert abs(sum(triad) - 1.0) < 0.02, scenario.id
        assert scenario.main and scenario.titles, scenario.id


def test_consistent_content(rows):
    """Positive stories are mostly told as `positiv`, coach stories lean to `vuxna`."""
    positive = [r for r in rows if "Tränaren" in str(r["title"]) and r["kraft.vuxna"]]
    assert statistics.fmean(r["kraft.vuxna"] for r in positive) > 0.5
    by_kansla = Counter((r["kansla"], r["fler"]) for r in rows)
    assert by_kansla["positiv", "fler"] > 5 * by_kansla["positiv", "farre"]
    assert by_kansla["negativ", "farre"] > 5 * by_kansla["negativ", "fler"]


# --- planted patterns ----------------------------------------------------------------------


def test_tiny_place_is_tiny(rows):
    cells = Counter((municipality(r), r["round"]) for r in rows)
    for place in PLACES:
        for r in ROUNDS:
            if place.municipality == "Storfors":
                assert cells[place.municipality, r.label] < 10
            else:
                assert cells[place.municipality, r.label] >= 25


def test_ljusnarsberg_moves_toward_friends(rows):
    before = mean(rows, "Ljusnarsberg", R1, "kraft.kompisar")
    after = mean(rows, "Ljusnarsberg", R3, "kraft.kompisar")
    assert after - before > 0.12
    young = share(rows, "Ljusnarsberg", R3, lambda r: r["alder"] == "10-12")
    assert young > share(rows, "Ljusnarsberg", R1, lambda r: r["alder"] == "10-12")


def test_saffle_does_not_change(rows, framework):
    columns = [c for c in framework.columns()[8:] if "." in c] + ["lyssnad", "trygg", "hopp"]
    for column in columns:
        means = [mean(rows, "Säffle", r.label, column) for r in ROUNDS]
        assert max(means) - min(means) < 0.1, column


def test_ange_feels_safer_after_lights_and_night_walkers(rows):
    assert mean(rows, "Ånge", R3, "trygg") - mean(rows, "Ånge", R1, "trygg") > 0.12

    def unsafe(r):
        return r["trygg"] is not None and r["trygg"] < 0.3

    assert share(rows, "Ånge", R1, unsafe) > 2 * share(rows, "Ånge", R3, unsafe)


def test_filipstad_listened_to_after_youth_council(rows):
    for later in (R2, R3):
        assert (
            mean(rows, "Filipstad", later, "lyssnad") - mean(rows, "Filipstad", R1, "lyssnad") > 0.1
        )

    def high(place, round_label):
        xs = values(rows, place, round_label, "lyssnad")
        return sum(x >= 0.7 for x in xs) / len(xs)

    assert high("Filipstad", R3) > 1.4 * high("Filipstad", R1)


def test_sodertalje_has_more_sports_stories(rows):
    def idrott(selected):
        return sum(r["plats"] == "idrott" for r in selected) / len(selected)

    here = [r for r in rows if municipality(r) == "Södertälje"]
    elsewhere = [r for r in rows if municipality(r) != "Södertälje"]
    assert idrott(here) > 1.5 * idrott(elsewhere)


def test_large_runs_keep_ids_and_texts_unique():
    big = generate_stories(20_000, seed=11)
    assert len({r["id"] for r in big}) == len({r["text"] for r in big}) == 20_000
