"""Theme runs on a project: embeddings cached, themes stored, kept and curated across runs."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli.main import cli
from sensemaking.demo import write_demo_csv
from sensemaking.demo.embedder import TopicEmbedder as DemoTopicEmbedder
from sensemaking.errors import ThemeError
from sensemaking.project import Project, create_project


class TopicEmbedder(DemoTopicEmbedder):
    """The fast, deterministic stand-in for a sentence model, under a test name."""

    name = "test-topic-embedder"
    key = "test-topic-embedder@1"


class OtherEmbedder(TopicEmbedder):
    name = "test-other-embedder"
    key = "test-other-embedder@1"


class Exploding(TopicEmbedder):
    def encode(self, texts: Sequence[str], *, progress: object = None) -> np.ndarray:
        raise AssertionError("nothing should be embedded")


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "stories.csv"
    write_demo_csv(path, n=600, seed=11)
    return path


@pytest.fixture
def demo(tmp_path: Path, database_url: str | None, demo_csv: Path) -> Project:
    with create_project(tmp_path / "p", database_url=database_url) as project:
        assert project.ingest(demo_csv).added == 600
        yield project


def split_rounds(path: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The demo file as two files: the first two rounds, and the last round."""
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    early = [r for r in rows if r["round"] != "2025 vår"]
    late = [r for r in rows if r["round"] == "2025 vår"]
    out = []
    for name, part in (("early.csv", early), ("late.csv", late)):
        with (tmp_path / name).open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(part)
        out.append(tmp_path / name)
    return out[0], out[1]


def test_embedding_is_cached_per_model_and_text(demo: Project, tmp_path: Path) -> None:
    embedder = TopicEmbedder()
    first = demo.embed(embedder=embedder)
    assert (first.new, first.embedded, first.model) == (600, 600, "test-topic-embedder@1")
    again = demo.embed(embedder=Exploding())  # same model: nothing new, the model is not even used
    assert (again.new, again.embedded) == (0, 600)
    status = demo.status()
    assert (status.embedded, status.embedding_model) == (600, "test-topic-embedder@1")
    other = demo.embed(embedder=OtherEmbedder())  # another model embeds everything again
    assert (other.new, other.embedded) == (600, 600)


def test_a_new_round_embeds_only_its_stories(
    tmp_path: Path, database_url: str | None, demo_csv: Path
) -> None:
    early, late = split_rounds(demo_csv, tmp_path)
    with create_project(tmp_path / "p", database_url=database_url) as project:
        project.ingest(early)
        embedder = TopicEmbedder()
        before = project.embed(embedder=embedder).new
        added = project.ingest(late).added
        report = project.embed(embedder=embedder)
        assert report.new == added == embedder.encoded - before
        assert report.embedded == project.count_stories()


def test_themes_need_embedded_stories(demo: Project) -> None:
    with pytest.raises(ThemeError, match="embed"):
        demo.find_themes()


def test_a_theme_run_is_stored_with_its_manifest(demo: Project, tmp_path: Path) -> None:
    demo.embed(embedder=TopicEmbedder())
    result = demo.find_themes(seed=3)
    assert 5 <= len(result.themes) <= 25
    assert result.other_share <= 0.10
    assert result.other_size + sum(t.size for t in result.themes) == 600
    assert result.seed == 3 and result.seed_ari is not None and 0 <= result.seed_ari <= 1
    assert result.model == "test-topic-embedder@1"
    for theme in result.themes:
        assert theme.label and theme.keywords and 3 <= len(theme.representatives) <= 5
        assert theme.stability is not None and 0 <= theme.stability <= 1
        assert theme.unstable == (theme.stability < 0.5)
        assert theme.event == "new"
    assert demo.themes().run_id == result.run_id and demo.status().theme_runs == 1
    out = tmp_path / "teman.csv"
    assert demo.export_themes(out) == 600
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["source_id", "theme_id", "theme_label", "strength"]
    assert {r["theme_id"] for r in rows} <= {t.key for t in result.themes} | {"other"}
    assert all(0 <= float(r["strength"]) <= 1 for r in rows)


def test_themes_keep_their_keys_and_curation_across_runs(
    tmp_path: Path, database_url: str | None, demo_csv: Path
) -> None:
    early, late = split_rounds(demo_csv, tmp_path)
    with create_project(tmp_path / "p", database_url=database_url) as project:
        project.ingest(early)
        project.embed(embedder=TopicEmbedder())
        first = project.find_themes(seed=1)
        big, second, third = (t.key for t in first.themes[:3])
        project.rename_theme(big, "Det stora temat")
        project.merge_themes(third, second)
        merged = project.themes()
        assert third not in {t.key for t in merged.themes}
        assert merged.theme(second).size == first.theme(second).size + first.theme(third).size
        # A new round comes in; the themes are found again.
        project.ingest(late)
        project.embed(embedder=TopicEmbedder())
        later = project.find_themes(seed=1)
        keys = {t.key for t in later.themes}
        assert big in keys and second in keys and third not in keys
        assert later.theme(big).label == "Det stora temat" and later.theme(big).label_pinned
        assert later.theme(big).event == "continued"
        assert sum(t.event == "continued" for t in later.themes) >= len(first.themes) // 2


def test_editing_an_unknown_theme_is_a_clear_error(demo: Project) -> None:
    demo.embed(embedder=TopicEmbedder())
    demo.find_themes()
    with pytest.raises(ThemeError, match="no theme 'T999'"):
        demo.rename_theme("T999", "x")


def test_the_cli_runs_lists_shows_and_exports_themes(demo: Project, tmp_path: Path) -> None:
    demo.embed(embedder=TopicEmbedder())  # the CLI would load the configured model otherwise
    key = demo.find_themes().themes[0].key
    run = ["--project", str(demo.path)]
    listing = CliRunner().invoke(cli, [*run, "themes", "list"])
    assert listing.exit_code == 0 and key in listing.output and "other" in listing.output
    shown = CliRunner().invoke(cli, [*run, "themes", "show", key])
    assert shown.exit_code == 0 and "keywords:" in shown.output
    renamed = CliRunner().invoke(cli, [*run, "themes", "rename", key, "Fritid"])
    assert renamed.exit_code == 0
    assert "Fritid" in CliRunner().invoke(cli, [*run, "themes", "list"]).output
    out = tmp_path / "t.csv"
    assert CliRunner().invoke(cli, [*run, "themes", "export", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8-sig").startswith("source_id,theme_id,theme_label,strength")
    missing = CliRunner().invoke(cli, [*run, "themes", "show", "T999"])
    assert missing.exit_code == 1 and "no theme 'T999'" in missing.output


def test_asking_for_more_themes_than_the_stories_hold_is_a_clear_error(demo: Project) -> None:
    demo.embed(embedder=TopicEmbedder())
    with pytest.raises(ThemeError, match="n_themes"):
        demo.find_themes(n_themes=400)
    assert len(demo.find_themes(n_themes=7).themes) == 7
