"""The signification framework: the shipped default, and errors that name line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sensemaking.config import configs_dir
from sensemaking.errors import FrameworkError
from sensemaking.framework import load_framework, parse_framework

GOOD = """\
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
    - id: lyssnad
      type: dyad
      question: {sv: "Jag kände mig …"}
      poles: [{sv: "inte lyssnad på"}, {sv: "lyssnad på"}]
"""


def test_the_shipped_default_framework_is_valid_and_promoting() -> None:
    fw = load_framework(configs_dir() / "framework.sv.yaml")
    assert fw.id == "ungas-berattelser"
    assert 2 <= len(fw.of_type("triad")) <= 4 and 2 <= len(fw.of_type("dyad")) <= 3
    kraft = fw.signifier("kraft")
    assert [c.id for c in kraft.corners] == ["vuxna", "kompisar", "jag"]
    assert {o.id for o in fw.signifier("kansla").options} == {"positiv", "blandad", "negativ"}
    assert {"alder", "plats", "fler"} <= {s.id for s in fw.of_type("choice")}


def test_a_framework_round_trips_through_yaml() -> None:
    fw = parse_framework(GOOD)
    assert parse_framework(fw.to_yaml()) == fw
    assert fw.columns()[-4:] == ["kraft.vuxna", "kraft.kompisar", "kraft.jag", "lyssnad"]


@pytest.mark.parametrize(
    ("change", "line", "field", "message"),
    [
        (
            ('        - {id: jag, label: {sv: "något jag själv gjorde"}}\n', ""),
            5,
            "framework.signifiers[0]",
            "exactly 3 corners",
        ),
        (("type: dyad", "type: slider"), 12, "framework.signifiers[1]", "'slider'"),
        (("id: lyssnad", "id: Lyssnad!"), 12, "framework.signifiers[1].id", "pattern"),
        (("id: lyssnad", "id: text"), 12, "framework.signifiers[1].id", "reserved"),
        (("id: lyssnad", "id: kraft"), 4, "framework.signifiers", "used twice"),
        (
            ('      poles: [{sv: "inte lyssnad på"}, {sv: "lyssnad på"}]\n', ""),
            12,
            "framework.signifiers[1].poles",
            "required",
        ),
    ],
)
def test_errors_name_the_line_and_the_field(
    change: tuple[str, str], line: int, field: str, message: str
) -> None:
    with pytest.raises(FrameworkError) as info:
        parse_framework(GOOD.replace(*change), "ramverk.yaml")
    problems = info.value.problems
    assert any(p == (line, field, p[2]) and message in p[2] for p in problems), problems
    assert f"ramverk.yaml:{line}: {field}" in str(info.value)


def test_broken_yaml_names_its_line() -> None:
    with pytest.raises(FrameworkError) as info:
        parse_framework(GOOD.replace("type: triad", "type: [triad"), "x.yaml")
    assert info.value.problems[0][0] is not None and info.value.problems[0][1] == "(yaml)"


def test_a_missing_file_is_a_framework_error(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match="no such file"):
        load_framework(tmp_path / "saknas.yaml")
