"""The command line as an analyst uses it: clear messages, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import TEST_FRAMEWORK, story_row, write_csv

from cli.main import cli


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, (*prefix, name)))
    return found


@pytest.mark.parametrize("command", all_commands(cli), ids=" ".join)
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    summary = result.output.split("\n\n")[1].strip()
    assert len(summary) > 10


@pytest.fixture
def folder(tmp_path: Path, database_url: str | None) -> Path:
    args = ["init", str(tmp_path / "p"), "--framework", str(TEST_FRAMEWORK)]
    if database_url:
        args += ["--database-url", database_url]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return tmp_path / "p"


def run(folder: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, ["--project", str(folder), *args])


def test_init_ingest_status_export(folder: Path, tmp_path: Path) -> None:
    assert {p.name for p in folder.iterdir()} >= {
        "sensemaking.yaml",
        "framework.yaml",
        "inbox",
        "reports",
    }
    path = write_csv(tmp_path / "runda1.csv", [story_row(i) for i in range(1, 8)])
    result = run(folder, "ingest", str(path))
    assert result.exit_code == 0, result.output
    assert "7 added" in result.output
    status = json.loads(run(folder, "status", "--json").output)
    assert (status["stories"], status["places"], status["rounds"]) == (7, 3, 1)
    assert run(folder, "stories", "count", "--place", "Värmland/Säffle").output.strip() == "7"
    listing = run(folder, "stories", "list", "--limit", "3").output
    assert len(listing.strip().splitlines()) == 3
    assert "lyssnade en vuxen" in run(folder, "stories", "show", "1").output
    assert run(folder, "stories", "export", str(tmp_path / "ut.xlsx")).exit_code == 0
    again = run(folder, "ingest", str(tmp_path / "ut.xlsx"))
    assert "0 added" in again.output and "7 unchanged" in again.output


def test_a_rejected_file_exits_1_names_the_row_and_writes_the_report(
    folder: Path, tmp_path: Path
) -> None:
    data = [story_row(i) for i in range(1, 5)]
    data[2]["kansla"] = "superbra"
    report = tmp_path / "problem.csv"
    result = run(
        folder, "ingest", str(write_csv(tmp_path / "r.csv", data)), "--report", str(report)
    )
    assert result.exit_code == 1
    assert "r.csv:4 [kansla] 'superbra': unknown option" in result.output
    assert "nothing was written" in result.output
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "file,row,column,value,reason,severity" and len(lines) == 2
    assert json.loads(run(folder, "status", "--json").output)["stories"] == 0


def test_errors_are_messages_not_tracebacks(tmp_path: Path, folder: Path) -> None:
    outside = CliRunner().invoke(cli, ["--project", str(tmp_path / "nowhere"), "status"])
    assert outside.exit_code == 1 and "not a sensemaking project" in outside.output
    assert "Traceback" not in outside.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "framework:\n  id: x\n  prompt: hej\n  signifiers:\n    - id: a\n      type: triad\n",
        encoding="utf-8",
    )
    checked = CliRunner().invoke(cli, ["framework", "check", str(bad)])
    assert checked.exit_code == 1 and "bad.yaml:5: framework.signifiers[0]" in checked.output
    empty = tmp_path / "tom.csv"
    empty.write_bytes(b"")
    result = run(folder, "ingest", str(empty))
    assert result.exit_code == 1 and "empty" in result.output and "Traceback" not in result.output
    again = CliRunner().invoke(cli, ["init", str(folder)])
    assert again.exit_code == 1 and "already" in again.output


def test_db_current_and_upgrade(folder: Path) -> None:
    assert "up to date" in run(folder, "db", "current").output
    assert run(folder, "db", "upgrade").exit_code == 0


def test_help_does_not_import_the_library() -> None:
    heavy = ("sensemaking", "sqlalchemy", "torch", "pandas")
    code = f"import sys, cli.main; print([m for m in sys.modules if m.startswith({heavy})])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_forget_asks_erases_and_the_audit_log_says_how_much(folder: Path, tmp_path: Path) -> None:
    rows = [story_row(i, storyteller="elev-1" if i < 3 else f"elev-{i}") for i in range(1, 6)]
    text = "Ring mig på 070-123 45 67, jag heter Lisa Berg."
    rows[0]["text"] = text
    ingested = run(folder, "ingest", str(write_csv(tmp_path / "a.csv", rows)))
    assert "redacted: " in ingested.output and "phone numbers" in ingested.output
    usage = run(folder, "forget")
    assert usage.exit_code == 2 and "--storyteller ID or --story ID" in usage.output
    declined = CliRunner().invoke(cli, ["--project", str(folder), "forget", "--storyteller",
                                        "elev-1"], input="n\n")  # fmt: skip
    assert declined.exit_code == 1 and json.loads(run(folder, "status", "--json").output)[
        "stories"] == 5  # fmt: skip
    assert run(folder, "stories", "count", "--storyteller", "elev-1").output.strip() == "2"
    erased = run(folder, "forget", "--storyteller", "ELEV-1", "--yes")
    assert erased.exit_code == 0, erased.output
    assert "erased 2 stories, 1 storytellers" in erased.output
    assert json.loads(run(folder, "status", "--json").output)["stories"] == 3
    again = run(folder, "forget", "--storyteller", "elev-1", "--yes")
    assert again.exit_code == 1 and "no stories of that storyteller" in again.output
    log = run(folder, "audit").output
    assert "forget: by storyteller, stories 2" in log and "elev" not in log
    no_retention = run(folder, "retention", "apply", "--yes")
    assert no_retention.exit_code == 1 and "retention_months is not set" in no_retention.output


def test_enqueue_and_jobs(folder: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "runda.csv", [story_row(i) for i in range(1, 4)])
    missing = run(folder, "enqueue", "ingest")
    assert missing.exit_code == 2 and "ingest takes a FILE" in missing.output
    stray = run(folder, "enqueue", "embed", "--place", "Säffle")
    assert stray.exit_code == 2 and "go with ingest" in stray.output
    gone = run(folder, "enqueue", "ingest", str(tmp_path / "finns-inte.csv"))
    assert gone.exit_code == 1 and "no such file" in gone.output
    queued = run(folder, "enqueue", "ingest", str(path), "--round", "2025 vår")
    assert queued.exit_code == 0 and queued.output.startswith("job 1: ingest")
    assert run(folder, "enqueue", "run").output.startswith("job 2: run")
    listing = run(folder, "jobs").output.splitlines()
    assert "pending" in listing[0] and "run" in listing[0] and "runda.csv" in listing[1]
    status = json.loads(run(folder, "status", "--json").output)
    assert (status["pending_jobs"], status["failed_jobs"]) == (2, 0)
    assert json.loads(run(folder, "jobs", "--json").output)[1]["args"]["round"] == "2025 vår"
