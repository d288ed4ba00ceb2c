"""Synthetic but realistic stories from children and young people, for demos, tests and benchmarks.

Every story is invented. Stories are composed from hand-written Swedish fragments in the voice
of 10–20-year-olds (``data/fragments.yaml``): one scenario per story (a coach who listened, a
dark walk home, a Discord night with friends, …), an optional opening, a main event, an optional
reaction and ending, slot fillers (names, sports, places), and a per-storyteller writing voice
(neat, casual spelling, all lower-case, exclamation marks and emoji). The signifier answers of
the default framework (``configs/framework.sv.yaml``) are drawn around the scenario's typical
answer with noise, about 5 % N/A per triad and dyad, about 2 % dots in the exact centre of a
triad or dyad and some sliders pushed to an end.

Places and rounds (default size, 832 stories)::

    Stockholm/Södertälje          96 / 104 / 110   large
    Västernorrland/Ånge           42 /  46 /  40
    Värmland/Säffle               50 /  48 /  52
    Värmland/Filipstad            40 /  44 /  46
    Örebro län/Ljusnarsberg       30 /  28 /  36   small
    Värmland/Storfors              7 /   5 /   8   tiny: below any minimum group size

    rounds "2024 vår" (2024-03-11 … 2024-05-24), "2024 höst" (2024-09-16 … 2024-11-29),
    "2025 vår" (2025-03-10 … 2025-05-23); each place collects over three weeks of a round.

Planted patterns (each checkable from the data; effect sizes at the default seed and size are
in ``docs/demo-data.md``):

1. **Ljusnarsberg: the youth centre opens for younger children** (between rounds 2 and 3).
   In "2025 vår" many stories are about the new evening for 10–12-year-olds, so mean
   ``kraft.kompisar`` rises clearly (round 1 → 3: about +0.2), and so do the shares of
   ``alder = 10-12`` and ``plats = fritidsgarden``.
2. **Säffle: no change.** Same scenario mix in every round; round means of every triad corner
   and dyad stay within a small band (a control for false alarms).
3. **Ånge: street lights and night walkers** (installed after round 1). Stories about feeling
   unsafe on the dark way home fall from about a quarter of stories to a few percent; mean
   ``trygg`` rises (about +0.2 from round 1 to 3), stories about lights and night walkers
   appear.
4. **Filipstad: a youth council starts** (before round 2). Youth council stories appear,
   "nobody asked us" stories become rarer and adults are felt to listen more in general:
   mean ``lyssnad`` rises (about +0.2) and the share with ``lyssnad ≥ 0.7`` grows by half or
   more.
5. **Södertälje: sports.** About twice the share of ``plats = idrott`` stories as elsewhere,
   stable over rounds (a place-vs-all difference, not a change over time).

Built-in relationships everywhere: ``kansla`` follows the story (positive scenarios mostly
``positiv``), ``fler`` follows ``kansla`` (``fler`` for good experiences, ``farre`` for bad),
stories about the future (hopeful or worried) come mostly from those aged 16–20, about one
storyteller in ten tells 2–3 stories, and about 85 in 100 storytellers allow their stories
to be quoted (``consent``: ``ja`` / ``nej``).
"""

from __future__ import annotations

import bisect
import csv
import functools
import itertools
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import numpy as np

from sensemaking.demo.compose import VOICE_WEIGHTS, Composer, Scenario, load_material
from sensemaking.demo.places import (
    PLACE_FACTORS,
    PLACES,
    ROUND_WEIGHTS,
    ROUNDS,
    SHIFTS,
    DemoPlace,
    DemoRound,
)

__all__ = [
    "COLUMNS",
    "PLACES",
    "ROUNDS",
    "DemoPlace",
    "DemoRound",
    "demo_csv_path",
    "generate_stories",
    "write_demo_csv",
]

#: The canonical input columns of the default framework, in order.
COLUMNS: tuple[str, ...] = (
    "id", "text", "title", "place", "round", "date", "storyteller", "consent", "language",
    "kraft.vuxna", "kraft.kompisar", "kraft.jag",
    "trygghet.platsen", "trygghet.manniskorna", "trygghet.ordning",
    "fritid.kul", "fritid.utvecklas", "fritid.vila",
    "lyssnad", "trygg", "hopp",
    "kansla", "fler", "plats", "alder",
)  # fmt: skip

_TRIADS = ("kraft", "trygghet", "fritid")
_DYADS = ("lyssnad", "trygg", "hopp")
_KANSLA = ("positiv", "blandad", "negativ")
_FLER = ("fler", "farre", "vet-inte")
_PLATS = ("skolan", "fritidsgarden", "hemma", "idrott", "ute", "natet", "annat")
_ALDER = ("10-12", "13-15", "16-17", "18-20")
_AGE_RANGE = ((10.0, 13.0), (13.0, 16.0), (16.0, 18.0), (18.0, 21.0))


# --- noise ---------------------------------------------------------------------------------
_TRIAD_SIGMA = 0.5  # logistic-normal spread around the scenario's composition
_DYAD_SIGMA = 0.65  # logit-normal spread around the scenario's dyad value
_P_NA = 0.045  # N/A per triad and dyad (fritid: per scenario, higher where it fits badly)
_P_CENTRE = 0.02  # a dot in the exact centre
_P_SLAM = 0.03  # a slider pushed all the way to the nearer end
_P_CHOICE_NA = {"kansla": 0.01, "fler": 0.04, "plats": 0.03, "alder": 0.02}
_P_PLATS_NOISE = 0.03
_P_QUOTE = 0.85  # storytellers who allow their stories to be quoted
_P_REPEAT = 0.22  # a story by someone who already told one (at most 3 per storyteller)
_VOICE_CUM = list(itertools.accumulate(VOICE_WEIGHTS))
_KANSLA_GIVEN_VALENCE = np.array([[0.85, 0.12, 0.03], [0.25, 0.55, 0.20], [0.04, 0.24, 0.72]])
_FLER_GIVEN_KANSLA = np.array([[0.82, 0.04, 0.14], [0.30, 0.25, 0.45], [0.07, 0.75, 0.18]])


def demo_csv_path() -> Path:
    """The shipped sample, ``sensemaking/demo/data/stories.csv`` (832 stories, seed 2024).

    Example:
        >>> demo_csv_path().name
        'stories.csv'
    """
    return Path(str(resources.files("sensemaking.demo") / "data" / "stories.csv"))


def write_demo_csv(path: str | Path, n: int | None = None, seed: int = 2024) -> Path:
    """Write :func:`generate_stories` as UTF-8, comma-separated CSV with the canonical header.

    With the defaults this reproduces :func:`demo_csv_path` byte for byte.
    """
    path = Path(path)
    rows = generate_stories(n, seed=seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    return path


def generate_stories(n: int | None = None, *, seed: int = 2024) -> list[dict[str, object]]:
    """Generate demo stories with answers to the default framework.

    Args:
        n: number of stories; ``None`` gives the default 832 (see module docstring). Other
            sizes keep the places' and rounds' proportions, so the planted patterns hold at
            any size (a tiny place is only tiny at the default size).
        seed: the same seed always gives the same stories.

    Returns:
        One dict per story, keyed by :data:`COLUMNS`, sorted by date, ids ``demo-000001``….
        Triad corners are floats with 4 decimals summing to 1, dyads floats in [0, 1],
        choices option ids; ``None`` means N/A (an empty cell in CSV).

    Example:
        >>> rows = generate_stories(20, seed=1)
        >>> sorted({r["language"] for r in rows})
        ['sv']
    """
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        raise ValueError(f"n must be a non-negative integer or None, got {n!r}")
    material = load_material()
    rng = random.Random(seed)
    plan = _Plan(material.scenarios, rng)
    for (place_idx, round_idx), count in _cell_sizes(n).items():
        plan.add_cell(place_idx, round_idx, count)
    composer = Composer(material, rng)
    texts, titles = plan.compose(composer)
    answers = _draw_answers(plan, material.scenarios, np.random.default_rng(seed))

    order = sorted(range(len(plan.scenario)), key=lambda i: (plan.date[i], i))
    width = max(6, len(str(len(order))))
    answer_rows = list(zip(*answers.values(), strict=True))
    labels = [r.label for r in ROUNDS]
    consent = _consent(plan.storyteller, seed)
    rows: list[dict[str, object]] = []
    for number, i in enumerate(order, start=1):
        values = (
            f"demo-{number:0{width}d}", texts[i], titles[i], plan.place[i],
            labels[plan.round[i]], plan.date[i], plan.storyteller[i],
            consent[plan.storyteller[i]], "sv", *answer_rows[i],
        )  # fmt: skip
        rows.append(dict(zip(COLUMNS, values, strict=True)))
    return rows


def _consent(storytellers: list[str], seed: int) -> dict[str, str]:
    """Each storyteller's answer to "may we quote your story?": yes for about 85 in 100
    (drawn once per storyteller, from a stream of its own so the stories stay the same)."""
    rng = random.Random(seed * 7919 + 1)
    return {t: ("ja" if rng.random() < _P_QUOTE else "nej") for t in sorted(set(storytellers))}


# --- sizes and the story plan --------------------------------------------------------------


def _cell_sizes(n: int | None) -> dict[tuple[int, int], int]:
    """Stories per (place, round): the defaults, or ``n`` split in the same proportions."""
    default = {(p, r): place.sizes[r] for p, place in enumerate(PLACES) for r in range(3)}
    if n is None:
        return default
    total = sum(default.values())
    return dict(zip(default, _apportion(n, [c / total for c in default.values()]), strict=True))


def _apportion(n: int, shares: Sequence[float]) -> list[int]:
    """Split ``n`` into integers proportional to ``shares`` (largest remainder, stable ties)."""
    exact = [n * s for s in shares]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    return counts


def _weighted(random_: Callable[[], float], cum_weights: list[float]) -> int:
    """An index drawn with the given cumulative weights (faster than ``random.choices``)."""
    return bisect.bisect(cum_weights, random_() * cum_weights[-1])


@functools.cache
def _weekdays(start: date, days: int) -> tuple[str, ...]:
    return tuple(
        d.isoformat() for d in (start + timedelta(days=k) for k in range(days)) if d.weekday() < 5
    )


@dataclass
class _Storyteller:
    pseudonym: str
    age: float  # age in years at the first story
    first_round: int
    style: int
    stories: int = 1

    def band(self, round_idx: int) -> int:
        age = self.age + 0.5 * (round_idx - self.first_round)
        return next((b for b, (_, hi) in enumerate(_AGE_RANGE) if age < hi), len(_AGE_RANGE) - 1)


class _Plan:
    """Who tells which scenario, where and when: one entry per story, in generation order."""

    def __init__(self, scenarios: Sequence[Scenario], rng: random.Random) -> None:
        self._scenarios = scenarios
        self._index = {s.id: k for k, s in enumerate(scenarios)}
        self._age_cum = [list(itertools.accumulate(s.alder)) for s in scenarios]
        self._rng = rng
        self._pool: dict[int, list[_Storyteller]] = {}
        self._pseudonyms: set[str] = set()
        self.scenario: list[int] = []
        self.place: list[str] = []
        self.place_idx: list[int] = []
        self.round: list[int] = []
        self.date: list[str] = []
        self.storyteller: list[str] = []
        self.teller: list[_Storyteller] = []
        self.band: list[int] = []
        self.age: list[int] = []

    def _weights(self, place_idx: int, round_idx: int) -> list[float]:
        name = PLACES[place_idx].municipality
        factors = PLACE_FACTORS.get(name, {})
        weights = [s.weight * factors.get(s.id, 1.0) for s in self._scenarios]
        for scenario_id, weight in ROUND_WEIGHTS.get((name, round_idx), {}).items():
            weights[self._index[scenario_id]] = weight
        return weights

    def _quota(self, weights: list[float], count: int) -> list[int]:
        """Scenario per story by systematic sampling: each scenario gets its expected share of
        ``count`` rounded up or down, so that a cell's mix is steady and the planted changes
        are not drowned by chance in the mix (the answers still carry realistic noise)."""
        rng = self._rng
        order = list(range(len(weights)))
        rng.shuffle(order)
        step = sum(weights) / count
        target = rng.random() * step
        chosen: list[int] = []
        cumulative = 0.0
        for k in order:
            cumulative += weights[k]
            while target < cumulative and len(chosen) < count:
                chosen.append(k)
                target += step
        heaviest = max(order, key=weights.__getitem__)
        chosen += [heaviest] * (count - len(chosen))  # float round-off at the very end
        rng.shuffle(chosen)
        return chosen

    def add_cell(self, place_idx: int, round_idx: int, count: int) -> None:
        if count == 0:
            return
        rng, place, rnd = self._rng, PLACES[place_idx], ROUNDS[round_idx]
        span = (rnd.end - rnd.start).days - 20
        days = _weekdays(rnd.start + timedelta(days=rng.randrange(span)), 21)
        paths = [f"{place.region}/{place.municipality}/{s}" for s, _ in place.sites]
        site_cum = list(itertools.accumulate(w for _, w in place.sites))
        youth_centres = [p for p in paths if "fritidsgård" in p.rsplit("/", 1)[1].lower()]
        r = rng.random
        for k in self._quota(self._weights(place_idx, round_idx), count):
            scenario = self._scenarios[k]
            band = _weighted(r, self._age_cum[k])
            teller = self._storyteller(place_idx, round_idx, band)
            if youth_centres and scenario.at_youth_centre and r() < 0.6:
                path = youth_centres[int(r() * len(youth_centres))]
            else:
                path = paths[_weighted(r, site_cum)]
            self.scenario.append(k)
            self.place.append(path)
            self.place_idx.append(place_idx)
            self.round.append(round_idx)
            self.date.append(days[int(rng.random() * len(days))])
            self.storyteller.append(teller.pseudonym)
            self.teller.append(teller)
            self.band.append(band)
            self.age.append(int(teller.age + 0.5 * (round_idx - teller.first_round)))

    def _storyteller(self, place_idx: int, round_idx: int, band: int) -> _Storyteller:
        rng = self._rng
        pool = self._pool.setdefault(place_idx, [])
        if pool and rng.random() < _P_REPEAT:
            for _ in range(6):
                teller = pool[max(0, len(pool) - 1 - int(rng.random() * 200))]
                if teller.stories < 3 and teller.band(round_idx) == band:
                    teller.stories += 1
                    return teller
        pseudonym = f"u-{rng.getrandbits(32):08x}"
        while pseudonym in self._pseudonyms:
            pseudonym = f"u-{rng.getrandbits(32):08x}"
        self._pseudonyms.add(pseudonym)
        low, high = _AGE_RANGE[band]
        teller = _Storyteller(
            pseudonym,
            low + rng.random() * (high - low),
            round_idx,
            _weighted(rng.random, _VOICE_CUM),
        )
        pool.append(teller)
        return teller

    def compose(self, composer: Composer) -> tuple[list[str], list[str]]:
        """Text and title of every story; texts are made unique (they are ingest keys)."""
        texts: list[str] = []
        titles: list[str] = []
        seen: set[str] = set()
        for i, k in enumerate(self.scenario):
            localities = PLACES[self.place_idx[i]].localities
            text, title = composer.story(
                self._scenarios[k], localities, self.age[i], self.teller[i].style
            )
            if text in seen:  # one more try, then a signature as some storytellers write
                text, _ = composer.story(
                    self._scenarios[k], localities, self.age[i], self.teller[i].style
                )
            if text in seen:
                text = composer.sign(text, self.age[i])
            suffix = 2
            base = text
            while text in seen:
                text = f"{base} ({suffix})"
                suffix += 1
            seen.add(text)
            texts.append(text)
            titles.append(title)
        return texts, titles


# --- signifier answers ---------------------------------------------------------------------


def _draw_answers(
    plan: _Plan, scenarios: Sequence[Scenario], gen: np.random.Generator
) -> dict[str, list[object]]:
    """All signifier answers at once (vectorised), keyed by column, in plan order."""
    n = len(plan.scenario)
    scen = np.asarray(plan.scenario, dtype=np.int64)
    out: dict[str, list[object]] = {}

    for name in _TRIADS:
        centres = np.log(np.array([getattr(s, name) for s in scenarios], dtype=float))
        z = centres[scen] + _TRIAD_SIGMA * gen.standard_normal((n, 3))
        for c, column in enumerate(_corners(name)):
            z[:, c] += _shift(plan, column)
        comp = np.exp(z - z.max(axis=1, keepdims=True))
        comp /= comp.sum(axis=1, keepdims=True)
        units = np.rint(comp * 10_000).astype(np.int64)
        units[:, 2] = 10_000 - units[:, 0] - units[:, 1]
        over = units[:, 2] < 0  # both rounded up: take the excess from the larger one
        bigger = np.where(units[:, 0] >= units[:, 1], 0, 1)
        units[over, bigger[over]] += units[over, 2]
        units[over, 2] = 0
        units[gen.random(n) < _P_CENTRE] = (3333, 3333, 3334)
        p_na = np.array([s.fritid_na if name == "fritid" else _P_NA for s in scenarios])
        na = (gen.random(n) < p_na[scen]).tolist()
        for c, column in enumerate(_corners(name)):
            values = (units[:, c] / 10_000).tolist()
            out[column] = [None if missing else x for missing, x in zip(na, values, strict=True)]

    for name in _DYADS:
        mean = np.array([getattr(s, name) for s in scenarios], dtype=float)[scen]
        logit = np.log(mean / (1 - mean)) + _shift(plan, name)
        v = 1 / (1 + np.exp(-(logit + _DYAD_SIGMA * gen.standard_normal(n))))
        v = np.rint(v * 10_000) / 10_000
        u = gen.random(n)
        v = np.where(u < _P_CENTRE, 0.5, v)
        v = np.where((u >= _P_CENTRE) & (u < _P_CENTRE + _P_SLAM), np.rint(v), v)
        na = (gen.random(n) < _P_NA).tolist()
        out[name] = [None if missing else x for missing, x in zip(na, v.tolist(), strict=True)]

    valence = np.array([_KANSLA.index(s.valence) for s in scenarios])[scen]
    kansla = _draw_choice(_KANSLA_GIVEN_VALENCE[valence], gen)
    fler = _draw_choice(_FLER_GIVEN_KANSLA[kansla], gen)
    plats_p = np.array([[s.plats.get(p, 0.0) for p in _PLATS] for s in scenarios])
    plats_p = plats_p / plats_p.sum(axis=1, keepdims=True)
    plats_p = (1 - _P_PLATS_NOISE) * plats_p + _P_PLATS_NOISE / len(_PLATS)
    plats = _draw_choice(plats_p[scen], gen)
    drawn = {"kansla": (kansla, _KANSLA), "fler": (fler, _FLER), "plats": (plats, _PLATS),
             "alder": (np.asarray(plan.band), _ALDER)}  # fmt: skip
    for name, (idx, options) in drawn.items():
        na = (gen.random(n) < _P_CHOICE_NA[name]).tolist()
        out[name] = [
            None if missing else options[k] for missing, k in zip(na, idx.tolist(), strict=True)
        ]
    return {c: out[c] for c in COLUMNS[COLUMNS.index("language") + 1 :]}


def _shift(plan: _Plan, column: str) -> np.ndarray | float:
    """The planted shift of ``column`` per story (see ``SHIFTS``), or 0."""
    by_cell = {cell: s[column] for cell, s in SHIFTS.items() if column in s}
    if not by_cell:
        return 0.0
    names = [p.municipality for p in PLACES]
    return np.array(
        [by_cell.get((names[p], r), 0.0) for p, r in zip(plan.place_idx, plan.round, strict=True)]
    )


def _draw_choice(probs: np.ndarray, gen: np.random.Generator) -> np.ndarray:
    """One option index per row of ``probs`` (rows sum to 1)."""
    cum = probs.cumsum(axis=1)
    u = gen.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


_CORNER_PATTERN = re.compile(r"^([a-z]+)\.(.+)$")


@functools.cache
def _corners(triad: str) -> tuple[str, ...]:
    return tuple(c for c in COLUMNS if (m := _CORNER_PATTERN.match(c)) and m.group(1) == triad)
