"""Compose story texts from the hand-written fragments in ``data/fragments.yaml``.

A story is one scenario's optional ``start``, one ``main``, optional ``then`` and ``end``
sentences, with ``{slots}`` filled once per story, written in the storyteller's voice.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

__all__ = ["VOICE_WEIGHTS", "Composer", "Material", "Scenario", "load_material"]

_SLOT = re.compile(r"\{(\w+)\}")
#: Slots filled from the story's context rather than from the ``slots`` table.
_CONTEXT_SLOTS = frozenset({"ort", "klass"})

_P_OPENER = 0.06
_P_SHORT = 0.12  # only the main sentence (and maybe an ending)
_P_START = 0.72
_P_THEN = 0.5
_P_END = 0.55
_P_END_SHORT = 0.3
_P_NO_TITLE = 0.03  # some storytellers leave the title empty
_P_OWN_TITLE = 0.6  # a title that fits the main sentence, where there is one
_P_TAIL = (0.02, 0.06, 0.08, 0.6)  # per voice

#: How common each writing voice is: 0 neat, 1 casual spelling, 2 casual and all lower-case,
#: 3 excited (exclamation marks, emoji). A storyteller keeps one voice for all their stories.
VOICE_WEIGHTS = (0.50, 0.30, 0.12, 0.08)

Fragment = tuple[str, ...]  # literal, slot, literal, slot, …, literal


@dataclass(frozen=True)
class Scenario:
    """One kind of story with its fragments and its typical signifier answers."""

    id: str
    weight: float
    valence: str
    kraft: tuple[float, float, float]
    trygghet: tuple[float, float, float]
    fritid: tuple[float, float, float]
    fritid_na: float
    lyssnad: float
    trygg: float
    hopp: float
    plats: dict[str, float]
    alder: tuple[float, float, float, float]
    titles: tuple[Fragment, ...]
    start: tuple[Fragment, ...]
    main: tuple[Fragment, ...]
    main_titles: tuple[tuple[Fragment, ...], ...]  # titles that fit one main sentence, or ()
    then: tuple[Fragment, ...]
    end: tuple[Fragment, ...]

    @property
    def at_youth_centre(self) -> bool:
        """Whether the story mostly happens at a youth centre (told there, too)."""
        return max(self.plats, key=self.plats.__getitem__) == "fritidsgarden"


@dataclass(frozen=True)
class Material:
    """All story material: slot fillers, openers, tails and scenarios."""

    slots: dict[str, tuple[str, ...]]
    klass_by_age: dict[int, tuple[str, ...]]
    casual: dict[str, tuple[str, float]]  # word -> (casual spelling, chance per occurrence)
    openers: tuple[str, ...]
    tails: dict[str, tuple[str, ...]]
    scenarios: tuple[Scenario, ...]


def _parse(text: str, known: set[str], where: str) -> Fragment:
    parts = tuple(_SLOT.split(text))
    for slot in parts[1::2]:
        base = slot[:-1] if slot.endswith("2") else slot
        if base not in known and slot not in _CONTEXT_SLOTS:
            raise ValueError(f"fragments.yaml: unknown slot {{{slot}}} in {where}: {text!r}")
    return parts


def _scenario(raw: dict[str, Any], known: set[str]) -> Scenario:
    sid = raw["id"]

    def fragments(key: str, items: Sequence[str] | None = None) -> tuple[Fragment, ...]:
        texts = raw.get(key, ()) if items is None else items
        return tuple(_parse(t, known, f"{sid}.{key}") for t in texts)

    mains = [m if isinstance(m, dict) else {"text": m} for m in raw["main"]]

    return Scenario(
        id=sid,
        weight=float(raw["weight"]),
        valence=raw["valence"],
        kraft=tuple(raw["kraft"]),
        trygghet=tuple(raw["trygghet"]),
        fritid=tuple(raw["fritid"]),
        fritid_na=float(raw.get("fritid_na", 0.04)),
        lyssnad=float(raw["lyssnad"]),
        trygg=float(raw["trygg"]),
        hopp=float(raw["hopp"]),
        plats=dict(raw["plats"]),
        alder=tuple(raw["alder"]),
        titles=fragments("titles"),
        start=fragments("start"),
        main=fragments("main", [m["text"] for m in mains]),
        main_titles=tuple(fragments("main.titles", m.get("titles", ())) for m in mains),
        then=fragments("then"),
        end=fragments("end"),
    )


@functools.cache
def load_material() -> Material:
    """Read and check ``data/fragments.yaml`` (once per process)."""
    text = (resources.files("sensemaking.demo") / "data" / "fragments.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    slots = {k: tuple(str(v) for v in values) for k, values in raw["slots"].items()}
    known = set(slots)
    return Material(
        slots=slots,
        klass_by_age={int(age): tuple(v) for age, v in raw["klass_by_age"].items()},
        casual={word: (str(v[0]), float(v[1])) for word, v in raw["casual"].items()},
        openers=tuple(raw["openers"]),
        tails={k: tuple(v) for k, v in raw["tails"].items()},
        scenarios=tuple(_scenario(s, known) for s in raw["scenarios"]),
    )


class Composer:
    """Writes stories from :class:`Material` with one shared ``random.Random``."""

    def __init__(self, material: Material, rng: random.Random) -> None:
        self._material = material
        self._random: Callable[[], float] = rng.random

    def _pick(self, seq: Sequence[Any]) -> Any:
        return seq[int(self._random() * len(seq))]

    def _fill(
        self, fragment: Fragment, memo: dict[str, str], context: dict[str, Sequence[str]]
    ) -> str:
        if len(fragment) == 1:
            text = fragment[0]
        else:
            out = list(fragment)
            for j in range(1, len(fragment), 2):
                out[j] = self._slot(fragment[j], memo, context)
            text = "".join(out)
        return text[:1].upper() + text[1:]

    def _slot(self, name: str, memo: dict[str, str], context: dict[str, Sequence[str]]) -> str:
        value = memo.get(name)
        if value is not None:
            return value
        if name in context:
            value = self._pick(context[name])
        elif name.endswith("2") and name[:-1] in self._material.slots:
            first = self._slot(name[:-1], memo, context)
            choices = self._material.slots[name[:-1]]
            value = first
            while value == first:
                value = self._pick(choices)
        else:
            value = self._pick(self._material.slots[name])
        memo[name] = value
        return value

    def story(
        self, scenario: Scenario, localities: Sequence[str], age: int, style: int
    ) -> tuple[str, str]:
        """One story text and its title."""
        r = self._random
        memo: dict[str, str] = {}
        klass = self._material.klass_by_age[min(max(age, 10), 20)]
        context = {"ort": localities, "klass": klass}
        parts: list[str] = []
        if r() < _P_OPENER:
            parts.append(self._pick(self._material.openers))
        short = r() < _P_SHORT
        if not short and r() < _P_START:
            parts.append(self._fill(self._pick(scenario.start), memo, context))
        which = int(r() * len(scenario.main))
        parts.append(self._fill(scenario.main[which], memo, context))
        if not short and r() < _P_THEN:
            parts.append(self._fill(self._pick(scenario.then), memo, context))
        if r() < (_P_END_SHORT if short else _P_END):
            parts.append(self._fill(self._pick(scenario.end), memo, context))
        text = " ".join(parts)
        own_titles = scenario.main_titles[which]
        if r() < _P_NO_TITLE:
            title = ""
        else:
            titles = own_titles if own_titles and r() < _P_OWN_TITLE else scenario.titles
            title = self._fill(self._pick(titles), memo, context).rstrip(".")
        return self._voice(text, title, style, scenario.valence)

    def sign(self, text: str, age: int) -> str:
        """Add a signature, as some storytellers do (used to keep texts unique)."""
        return f"{text} /{chr(ord('A') + int(self._random() * 26))}, {age} år"

    def _voice(self, text: str, title: str, style: int, valence: str) -> tuple[str, str]:
        r = self._random
        if style in (1, 2):
            text = self._casual(text)
            if r() < 0.4:
                text = text.replace(",", "")
            if r() < 0.5:
                text = text.rstrip(".")
        if style == 2:
            text, title = text.lower(), title.lower()
        elif style == 3:
            text = text.replace(".", "!", 1) if r() < 0.5 else text
            text = text[:-1] + "!!" if text.endswith(".") else text
        if r() < _P_TAIL[style]:
            text = text.rstrip(".") + self._pick(self._material.tails[valence])
        return text, title

    def _casual(self, text: str) -> str:
        """Casual spellings, word by word (``någon`` → ``nån``, ``jättekul`` → ``jätte kul``)."""
        r = self._random
        casual = self._material.casual
        words = text.split(" ")
        for i, token in enumerate(words):
            word = token.rstrip(".,!?:")
            key = word.lower()
            found = casual.get(key)
            if found is not None:
                spelling, chance = found
                if r() < chance:
                    if word[0].isupper():
                        spelling = spelling.capitalize()
                    words[i] = spelling + token[len(word) :]
            elif key.startswith("jätte") and len(key) > 5 and r() < 0.5:
                words[i] = f"{token[:5]} {token[5:]}"
        return " ".join(words)
