"""Privacy end to end: pseudonyms, consent, redaction at ingest, the raw-text vault, erasure
and retention, and what reports may quote."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import HEADER, story_row, write_csv
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sensemaking.config import load_config, save_config
from sensemaking.errors import ConfigError, ProjectError
from sensemaking.patterns.data import AnswerTable
from sensemaking.privacy.keys import SECRET_ENV, SECRET_FILE
from sensemaking.privacy.quotes import quotable
from sensemaking.project import Project, create_project, open_project
from sensemaking.store.models import ImportBatch, RawText, Storyteller

CONSENT_HEADER = [*HEADER[:7], "consent", *HEADER[7:]]


def project_bytes(folder: Path) -> bytes:
    """Every byte of every file under ``folder`` (the database, its WAL, the reports …)."""
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def reopen(project: Project) -> Project:
    project.close()
    return open_project(project.path)


# --- pseudonyms ------------------------------------------------------------------------------


def test_storyteller_ids_are_stored_only_as_keyed_pseudonyms(project: Project, tmp_path: Path):
    rows = [story_row(1, storyteller="Elev-4711"), story_row(2, storyteller="elev-4711 ")]
    assert project.ingest(write_csv(tmp_path / "a.csv", rows)).added == 2
    with project.engine.connect() as conn:
        stored = conn.execute(select(Storyteller.pseudonym)).scalars().all()
    # one child however the id was typed; the raw id is nowhere, the pseudonym is keyed
    assert stored == [project.key.pseudonym("ELEV-4711")]
    assert re.fullmatch(r"ps_[0-9a-f]{32}", stored[0])
    if project.engine.dialect.name == "sqlite":
        assert b"lev-4711" not in project_bytes(project.path).lower()
    other = create_project(tmp_path / "annan")
    assert other.key.pseudonym("Elev-4711") != stored[0]
    other.close()


def test_an_export_ingests_back_to_the_same_storytellers(project: Project, tmp_path: Path):
    project.ingest(write_csv(tmp_path / "a.csv", [story_row(1), story_row(2)]))
    project.export(tmp_path / "ut.csv")
    again = project.ingest(tmp_path / "ut.csv")
    assert (again.added, again.unchanged) == (0, 2)
    assert project.status().storytellers == 2


def test_the_project_refuses_a_missing_or_foreign_secret(tmp_path: Path):
    folder = tmp_path / "p"
    create_project(folder).close()
    secret = (folder / SECRET_FILE).read_text()
    assert (folder / SECRET_FILE).stat().st_mode & 0o077 == 0  # owner only
    (folder / SECRET_FILE).unlink()
    with pytest.raises(ProjectError, match=r"secret\.key is missing"):
        open_project(folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(SECRET_ENV, "another secret of enough length")
        with pytest.raises(ProjectError, match="not the one this database was made with"):
            open_project(folder)
        mp.setenv(SECRET_ENV, secret)
        open_project(folder).close()  # the same secret from the environment is fine


# --- consent ---------------------------------------------------------------------------------


def test_consent_is_read_and_a_strange_answer_named(project: Project, tmp_path: Path):
    rows = [story_row(1, consent="Ja"), story_row(2, consent="nej"), story_row(3)]
    report = project.ingest(write_csv(tmp_path / "a.csv", rows, header=CONSENT_HEADER))
    assert report.added == 3
    assert [s.sharing for s in project.stories()] == ["quote", "count", None]
    bad = project.ingest(write_csv(tmp_path / "b.csv", [story_row(4, consent="kanske")],
                                   header=CONSENT_HEADER))  # fmt: skip
    assert not bad.committed
    assert bad.errors[0].column == "consent" and "unknown consent" in bad.errors[0].reason


# --- redaction at ingest ---------------------------------------------------------------------

IDENTIFIED = (
    "Jag heter Lisa Berg och går på Kopparbergs skola. Ring mig på 070-123 45 67 eller "
    "maila lisa.berg@example.se, mitt personnummer är 811228-9874."
)


def test_identifiers_are_redacted_at_ingest_and_counted_per_batch(project: Project,
                                                                  tmp_path: Path):  # fmt: skip
    project.config.privacy.names = ["Kopparbergs skola"]
    report = project.ingest(write_csv(tmp_path / "a.csv", [story_row(1, text=IDENTIFIED)]))
    text = next(project.stories()).text
    for secret in ("Lisa", "Berg", "Kopparbergs", "070", "example.se", "811228"):
        assert secret not in text
    for placeholder in ("[NAMN]", "[TELEFON]", "[E-POST]", "[PERSONNUMMER]"):
        assert placeholder in text
    assert report.redactions["personnummer"] == 1 and report.redactions["email"] == 1
    with project.engine.connect() as conn:
        assert conn.execute(select(ImportBatch.redactions)).scalar_one() == report.redactions


def test_a_file_ingested_again_after_the_name_list_grew_adds_nothing(project: Project,
                                                                     tmp_path: Path):  # fmt: skip
    rows = [story_row(1, text="Vi var på Stjärnans fritidsgård hela kvällen.", id=None)]
    path = write_csv(tmp_path / "a.csv", rows)
    assert project.ingest(path).added == 1
    project.config.privacy.names = ["Stjärnans fritidsgård"]
    again = project.ingest(path)
    assert (again.added, again.unchanged) == (0, 1)


def test_the_raw_text_is_kept_only_when_asked_and_then_sealed(project: Project, tmp_path: Path):
    project.ingest(write_csv(tmp_path / "a.csv", [story_row(1, text=IDENTIFIED)]))
    with project.engine.connect() as conn:
        assert conn.execute(select(RawText)).all() == []
    project.config.privacy.keep_raw_text = True
    project.ingest(write_csv(tmp_path / "b.csv", [story_row(2, text=IDENTIFIED + " Igen.")]))
    with project.engine.connect() as conn:
        (sealed,) = conn.execute(select(RawText.sealed)).scalars().all()
    assert b"811228" not in sealed
    assert IDENTIFIED in project.key.unseal(sealed)
    if project.engine.dialect.name == "sqlite":
        project = reopen(project)
        assert b"811228-9874" not in project_bytes(project.path)
        project.close()


# --- erasure and retention -------------------------------------------------------------------


@pytest.fixture
def themed(tmp_path: Path, database_url: str | None):
    """300 demo stories, embedded by the fast topic embedder, themed and reported."""
    from test_themes import TopicEmbedder

    from sensemaking.demo import write_demo_csv

    project = create_project(tmp_path / "p", database_url=database_url)
    project.ingest(write_demo_csv(tmp_path / "demo.csv", n=300))
    project.run(embedder=TopicEmbedder())
    yield project
    project.close()


def test_forgetting_a_storyteller_leaves_no_trace_and_updates_every_count(themed: Project):
    project = themed
    stories = list(project.stories())
    victim = next(s for s in stories if s.sharing == "quote" and len(s.text) > 60)
    theirs = [s for s in stories if s.storyteller == victim.storyteller]
    before = project.status()
    run_before = project.themes()

    result = project.forget(storyteller=victim.storyteller)

    assert result.stories == len(theirs) and result.storytellers == 1
    after = project.status()
    assert after.stories == before.stories - len(theirs)
    assert after.storytellers == before.storytellers - 1
    assert after.embedded == before.embedded - result.embeddings
    run = project.themes()
    assert run.run_id in result.theme_runs
    assert sum(t.size for t in run.themes) + run.other_size == after.stories
    assert not any(s.id in t.representatives for t in run.themes for s in theirs)
    assert sum(t.size for t in run_before.themes) + run_before.other_size == before.stories
    entry = project.audit_log()[-1]
    assert entry["action"] == "forget" and entry["stories"] == len(theirs)
    assert victim.storyteller not in str(entry)
    if project.engine.dialect.name == "sqlite":
        # the text in no file of the project: database, write-ahead log, rebuilt reports
        everything = project_bytes(project.path)
        for story in theirs:
            assert story.text.encode() not in everything
        assert (project.path / "reports" / "index.html").is_file()
    with pytest.raises(ProjectError, match="no stories of that storyteller"):
        project.forget(storyteller=victim.storyteller)


def test_forgetting_one_story_by_its_file_id(themed: Project):
    first = next(themed.stories())
    result = themed.forget(story=first.source_id, rebuild_reports=False)
    assert result.stories == 1
    assert first.source_id not in {s.source_id for s in themed.stories()}


def test_retention_erases_what_is_older_than_the_config_says(themed: Project):
    with pytest.raises(ConfigError, match="retention_months is not set"):
        themed.apply_retention()
    config = load_config(themed.path)
    config.privacy.retention_months = 12
    save_config(themed.path, config)
    themed.config = config
    dates = sorted(s.told_on for s in themed.stories())
    today = dates[len(dates) // 2] + dt.timedelta(days=366)  # half the stories are too old
    old = sum(1 for d in dates if d < today.replace(year=today.year - 1))
    result = themed.apply_retention(today=today, rebuild_reports=False)
    assert result.stories == old > 0
    assert min(s.told_on for s in themed.stories()) >= today.replace(year=today.year - 1)
    assert themed.audit_log()[-1] == {**themed.audit_log()[-1], "action": "retention",
                                      "months": 12}  # fmt: skip


# --- what reports may quote ------------------------------------------------------------------


@st.composite
def quote_cases(draw: st.DrawFn) -> tuple[AnswerTable, np.ndarray, int, bool]:
    n = draw(st.integers(1, 60))
    tellers = draw(st.lists(st.integers(0, 25), min_size=n, max_size=n))
    places = draw(st.lists(st.sampled_from(["A", "A/x", "B", ""]), min_size=n, max_size=n))
    sharing = draw(st.lists(st.sampled_from(["quote", "count", ""]), min_size=n, max_size=n))
    theme = draw(st.lists(st.integers(-2, 3), min_size=n, max_size=n))
    table = AnswerTable(
        story_id=np.arange(n), place=np.array(places, dtype=object),
        round=np.full(n, "r", dtype=object), storyteller=np.array(tellers),
        sharing=np.array(sharing, dtype=object),
    )  # fmt: skip
    return table, np.array(theme), draw(st.integers(1, 8)), draw(st.booleans())


@settings(max_examples=300, deadline=None)
@given(quote_cases())
def test_no_story_is_quoted_without_consent_or_from_a_small_group(case) -> None:
    table, theme, k, without_consent = case
    ok = quotable(table, theme, quote_min_group=k, without_consent=without_consent)
    for i in np.flatnonzero(ok):
        assert table.sharing[i] == "quote" or (table.sharing[i] == "" and without_consent)
        assert theme[i] >= 0
        assert len(set(table.storyteller[theme == theme[i]])) >= k
        assert len(set(table.storyteller[table.place == table.place[i]])) >= k


# --- nothing identifying leaves the engine ---------------------------------------------------


def test_no_planted_identifier_reaches_a_report_or_an_export(tmp_path: Path) -> None:
    """Ingest stories with planted personnummer, phone numbers and e-mail addresses, run
    everything, export everything, and scan every byte written (inside XLSX files too)."""
    import csv
    import zipfile

    from test_themes import TopicEmbedder

    from sensemaking.demo import write_demo_csv
    from sensemaking.demo.planted import PROJECT_NAMES, planted_stories

    planted = planted_stories(300, seed=3)
    rows = list(csv.DictReader(write_demo_csv(tmp_path / "demo.csv", n=300).open()))
    for row, story in zip(rows, planted, strict=True):
        row["text"] = story.text
    source = tmp_path / "berattelser.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    secrets = {text for story in planted for kind, text in story.planted
               if kind in ("personnummer", "phone", "email")}  # fmt: skip
    assert len(secrets) > 120

    with create_project(tmp_path / "p") as project:
        project.config.privacy.names = list(PROJECT_NAMES)
        project.config.privacy.quote_without_consent = True  # quote as much as possible
        assert project.ingest(source).added == 300
        project.run(embedder=TopicEmbedder())
        out = tmp_path / "ut"
        out.mkdir()
        for name in ("stories.csv", "stories.xlsx", "stories.jsonl"):
            project.export(out / name)
        project.export_themes(out / "themes.csv")
        context = project.patterns()
        context.against("Ånge", "all").to_csv(out / "patterns.csv")
        written = [*out.iterdir(), *(project.path / "reports").rglob("*")]
        data = b""
        for path in written:
            if path.suffix == ".xlsx":
                with zipfile.ZipFile(path) as archive:
                    data += b"".join(archive.read(name) for name in archive.namelist())
            elif path.is_file():
                data += path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    assert "[PERSONNUMMER]" in text and "[TELEFON]" in text  # the stories are in there
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == []
