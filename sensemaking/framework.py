"""The signification framework: the prompt and the signifiers a storyteller answers.

A framework is written in YAML (see ``configs/framework.sv.yaml``)::

    framework:
      id: ungas-berattelser
      prompt: {sv: "Berätta om en gång när du mådde bra – eller inte – i din vardag."}
      signifiers:
        - id: kraft
          type: triad
          question: {sv: "Det som gjorde skillnad var …"}
          corners:
            - {id: vuxna, label: {sv: "vuxna som lyssnade"}}
            - {id: kompisar, label: {sv: "kompisar och gemenskap"}}
            - {id: jag, label: {sv: "något jag själv gjorde"}}

Validation errors name the line and the field: ``framework.yaml:12: framework.signifiers[0].
corners: a triad has exactly 3 corners, got 2``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sensemaking.errors import FrameworkError

__all__ = [
    "RESERVED_COLUMNS",
    "ChoiceSignifier",
    "Corner",
    "DyadSignifier",
    "Framework",
    "Option",
    "Signifier",
    "TextSignifier",
    "TriadSignifier",
    "load_framework",
    "parse_framework",
]

#: Column names with a fixed meaning in an input file; no signifier may use them as its id.
RESERVED_COLUMNS = frozenset(
    {"id", "text", "title", "place", "round", "date", "storyteller", "consent", "language"}
)

_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
Ident = Annotated[str, Field(pattern=_ID_PATTERN, max_length=64)]


def _localized(value: Any) -> Any:
    """Accept ``"text"`` as shorthand for ``{sv: "text"}``."""
    if isinstance(value, str):
        return {"sv": value}
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: A text in one or more languages, ``{sv: "…", en: "…"}``; a plain string means Swedish.
Text = Annotated[
    dict[
        Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")],
        Annotated[str, Field(min_length=1)],
    ],
    BeforeValidator(_localized),
    Field(min_length=1),
]


def text_in(text: dict[str, str], lang: str = "sv") -> str:
    """The text in ``lang``, else Swedish, else English, else any language given."""
    for key in (lang, "sv", "en"):
        if key in text:
            return text[key]
    return next(iter(text.values()), "")


class Corner(_Model):
    """One labelled corner of a triad."""

    id: Ident
    label: Text
    sensemaker_id: str | None = None


class Option(_Model):
    """One option of a choice question."""

    id: Ident
    label: Text
    sensemaker_id: str | None = None


class _SignifierBase(_Model):
    id: Ident
    question: Text
    allow_na: bool = True
    sensemaker_id: str | None = None

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_COLUMNS:
            raise ValueError(
                f"{value!r} is a reserved column name ({', '.join(sorted(RESERVED_COLUMNS))})"
            )
        return value


class TriadSignifier(_SignifierBase):
    """A triangle with three labelled corners; an answer is a composition a+b+c=1, or N/A."""

    type: Literal["triad"]
    corners: tuple[Corner, ...]

    @model_validator(mode="after")
    def _three_distinct_corners(self) -> TriadSignifier:
        if len(self.corners) != 3:
            raise ValueError(f"a triad has exactly 3 corners, got {len(self.corners)}")
        ids = [c.id for c in self.corners]
        if len(set(ids)) != 3:
            raise ValueError(f"corner ids must be distinct, got {ids}")
        return self

    def columns(self) -> list[str]:
        """The input columns of this triad: ``T.a``, ``T.b``, ``T.c``."""
        return [f"{self.id}.{c.id}" for c in self.corners]


class DyadSignifier(_SignifierBase):
    """A slider between two poles; an answer is a value in [0, 1] (0 = first pole), or N/A."""

    type: Literal["dyad"]
    poles: tuple[Text, Text]

    def columns(self) -> list[str]:
        return [self.id]


class ChoiceSignifier(_SignifierBase):
    """A multiple-choice question; ``multiple`` allows several options in one answer."""

    type: Literal["choice"]
    options: tuple[Option, ...] = Field(min_length=2)
    multiple: bool = False

    @model_validator(mode="after")
    def _distinct_options(self) -> ChoiceSignifier:
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"option ids must be distinct, got {ids}")
        return self

    def columns(self) -> list[str]:
        return [self.id]


class TextSignifier(_SignifierBase):
    """A free-text question (for example a second, shorter story or an explanation)."""

    type: Literal["text"]

    def columns(self) -> list[str]:
        return [self.id]


Signifier = Annotated[
    TriadSignifier | DyadSignifier | ChoiceSignifier | TextSignifier,
    Field(discriminator="type"),
]


class Framework(_Model):
    """A signification framework: the prompt and the signifiers."""

    id: Ident
    prompt: Text
    title: Text | None = None
    signifiers: tuple[Signifier, ...]

    @field_validator("signifiers")
    @classmethod
    def _distinct_ids(cls, signifiers: tuple[Any, ...]) -> tuple[Any, ...]:
        if not signifiers:
            raise ValueError("a framework needs at least one signifier")
        first: dict[str, int] = {}
        for i, s in enumerate(signifiers):
            if s.id in first:
                raise ValueError(f"signifier id {s.id!r} is used twice ([{first[s.id]}] and [{i}])")
            first[s.id] = i
        return signifiers

    def signifier(
        self, signifier_id: str
    ) -> TriadSignifier | DyadSignifier | ChoiceSignifier | TextSignifier:
        """The signifier with this id (``KeyError`` if there is none)."""
        for s in self.signifiers:
            if s.id == signifier_id:
                return s
        raise KeyError(signifier_id)

    def of_type(self, kind: str) -> list[Any]:
        """The signifiers of one type (``"triad"``, ``"dyad"``, ``"choice"``, ``"text"``)."""
        return [s for s in self.signifiers if s.type == kind]

    def columns(self) -> list[str]:
        """Every input column this framework defines, in order, reserved columns first."""
        cols = ["id", "text", "title", "place", "round", "date", "storyteller", "consent",
                "language"]  # fmt: skip
        for s in self.signifiers:
            cols.extend(s.columns())
        return cols

    def to_yaml(self) -> str:
        """The framework as YAML that :func:`parse_framework` reads back unchanged."""
        data = {
            "framework": self.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
        }
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


# --- parsing with line numbers -------------------------------------------------------------


def _node_line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at ``loc`` (or of its deepest existing ancestor)."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if node is None:
            break
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    child = v
                    line = k.start_mark.line + 1
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(key, int)
            and 0 <= key < len(node.value)
        ):
            child = node.value[key]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def _field_name(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top)"


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # pydantic puts the discriminator tag (e.g. 'triad') and validator names into loc paths.
    return tuple(
        p for p in loc if p not in ("triad", "dyad", "choice", "text") or isinstance(p, int)
    )


def parse_framework(text: str, source: str = "<framework>") -> Framework:
    """Parse and validate a framework from YAML text.

    Raises:
        FrameworkError: with one ``(line, field, message)`` per problem.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise FrameworkError(source, [(line, "(yaml)", str(exc).replace("\n", " "))]) from None
    if not isinstance(data, dict) or "framework" not in data:
        raise FrameworkError(
            source, [(1, "framework", "the file must have a top-level 'framework:' key")]
        )
    try:
        return Framework.model_validate(data["framework"])
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ("framework", *_clean_loc(tuple(err["loc"])))
            msg = err["msg"].removeprefix("Value error, ")
            problems.append((_node_line(root, loc), _field_name(loc), msg))
        raise FrameworkError(source, problems) from None


def load_framework(path: str | Path) -> Framework:
    """Read and validate a framework file (YAML, or a SenseMaker definition ``.json``).

    Raises:
        FrameworkError: the file is missing or invalid; the message names line and field.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FrameworkError(str(path), [(None, "(file)", "no such file")]) from None
    except UnicodeDecodeError as exc:
        raise FrameworkError(str(path), [(None, "(file)", f"not UTF-8 text: {exc}")]) from None
    if path.suffix.lower() == ".json":
        from sensemaking.ingest.sensemaker import framework_from_definition

        return framework_from_definition(path)
    return parse_framework(text, str(path))
