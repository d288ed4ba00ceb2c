"""Column mappings: how a file's own column names and scales become the framework's.

A file whose columns are named after the framework (``text``, ``place``, ``kraft.vuxna``,
``lyssnad``, ...) needs no mapping. Anything else is described in a small YAML file; see
``configs/mappings/`` for commented examples::

    columns:                 # the file's column -> the framework's column
      Berättelse: text
      Skola: place
      Vuxna: kraft.vuxna
    triads:
      trygghet: {x: "Trygghet X", y: "Trygghet Y"}   # the dot's coordinates instead of 3 numbers
    dyads:
      lyssnad: {scale: [1, 5]}                        # a Likert scale 1..5 -> 0..1
    choices:
      kansla: {values: {"Jättebra": positiv}, separator: ";"}
    ignore: [Starttid, IP-adress]                    # columns dropped without a warning
    date_format: "%d/%m/%Y"
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sensemaking.errors import ConfigError
from sensemaking.framework import Framework

__all__ = ["ChoiceMapping", "ColumnMapping", "DyadMapping", "TriadMapping", "load_mapping"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TriadMapping(_Model):
    """A triad given as the dot's coordinates (x, y in [0, 1], see ``ingest.geometry``)."""

    x: str
    y: str
    scale: Literal["unit", "percent"] = "unit"


class DyadMapping(_Model):
    """A dyad's scale: ``unit`` (0–1), ``percent`` (0–100) or ``[low, high]`` (a Likert scale)."""

    scale: Literal["unit", "percent"] | tuple[float, float] = "unit"
    reverse: bool = Field(False, description="the file's first pole is the framework's second")

    @field_validator("scale")
    @classmethod
    def _ordered(cls, value: object) -> object:
        if isinstance(value, tuple) and not value[0] < value[1]:
            raise ValueError("a scale [low, high] needs low < high")
        return value

    def bounds(self) -> tuple[float, float]:
        if self.scale == "unit":
            return (0.0, 1.0)
        if self.scale == "percent":
            return (0.0, 100.0)
        return self.scale  # type: ignore[return-value]


class ChoiceMapping(_Model):
    """A choice question's own answer texts, and the separator of multi-select answers."""

    values: dict[str, str] = Field(default_factory=dict)
    separator: str = ";"


class ColumnMapping(_Model):
    """How one kind of file maps onto the framework."""

    columns: dict[str, str] = Field(default_factory=dict)
    triads: dict[str, TriadMapping] = Field(default_factory=dict)
    dyads: dict[str, DyadMapping] = Field(default_factory=dict)
    choices: dict[str, ChoiceMapping] = Field(default_factory=dict)
    ignore: list[str] = Field(default_factory=list)
    date_format: str | None = None

    def check_against(self, framework: Framework, source: str = "<mapping>") -> None:
        """Raise ConfigError when the mapping names columns or signifiers the framework lacks."""
        known = set(framework.columns())
        problems = [
            f"columns.{src}: {dst!r} is not a column of framework {framework.id!r}"
            for src, dst in self.columns.items()
            if dst not in known
        ]
        for section, kind in (("triads", "triad"), ("dyads", "dyad"), ("choices", "choice")):
            ids = {s.id for s in framework.of_type(kind)}
            problems.extend(
                f"{section}.{sid}: the framework has no {kind} {sid!r}"
                for sid in getattr(self, section)
                if sid not in ids
            )
        for cid, choice in self.choices.items():
            if cid in {s.id for s in framework.of_type("choice")}:
                options = {o.id for o in framework.signifier(cid).options}
                problems.extend(
                    f"choices.{cid}.values.{text}: {oid!r} is not an option of {cid!r}"
                    for text, oid in choice.values.items()
                    if oid not in options
                )
        if problems:
            raise ConfigError(f"{source}: " + "; ".join(problems))


def load_mapping(path: str | Path, framework: Framework | None = None) -> ColumnMapping:
    """Read a column mapping YAML file (and check it against ``framework`` if given).

    Raises:
        ConfigError: the file is missing or invalid; the message names the field.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such mapping file") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a readable YAML file: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a mapping file is a YAML mapping (columns:, triads:, ...)")
    try:
        mapping = ColumnMapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
    if framework is not None:
        mapping.check_against(framework, str(path))
    return mapping
