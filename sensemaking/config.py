"""Project settings: defaults in code, the project's YAML file, environment overrides.

Precedence, highest first: a command-line option (the CLI passes it in), an environment
variable (``SENSEMAKING_*``), the project config file ``sensemaking.yaml``, defaults here.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sensemaking.errors import ConfigError

__all__ = [
    "CONFIG_FILE",
    "DesiredSettings",
    "EmbeddingSettings",
    "IngestSettings",
    "PatternSettings",
    "PrivacySettings",
    "ProjectConfig",
    "ReportSettings",
    "ThemeSettings",
    "WorkerSettings",
    "configs_dir",
    "load_config",
    "save_config",
]

#: The project config file's name inside a project folder.
CONFIG_FILE = "sensemaking.yaml"
#: The default SQLite file inside a project folder.
DEFAULT_DATABASE = "sensemaking.db"


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestSettings(_Settings):
    """How ingest treats what it reads."""

    max_story_length: int = Field(20_000, gt=0, description="longest story text, in characters")
    allow_new_places: bool = Field(True, description="create places not seen before")
    on_changed: Literal["reject", "update"] = Field(
        "reject",
        description="a row whose source id is already stored with other content: "
        "'reject' reports it as a problem, 'update' replaces the stored story",
    )
    default_language: str | None = Field("sv", description="language of stories that name none")


class PrivacySettings(_Settings):
    """Privacy limits every output honours, and what ingest does to identifiers."""

    min_group_size: int = Field(5, ge=1, description="smallest group of storytellers ever shown")
    quote_min_group: int = Field(
        10,
        ge=1,
        description="a story is quoted only from a group of at least this many "
        "storytellers (theme cards, the theme map's hover)",
    )
    redact: bool = Field(
        True,
        description="replace personnummer, phone numbers, e-mail addresses, street addresses "
        "and listed names in story texts with [PERSONNUMMER], [TELEFON] … at ingest",
    )
    names: list[str] = Field(
        default_factory=list,
        description="the project's own names to redact: schools, youth centres, people",
        examples=[["Kopparbergs skola", "Fritidsgården Kopparberg"]],
    )
    names_file: str | None = Field(
        None, description="a text file of more such names, one per line (relative to the folder)"
    )
    first_names: bool = Field(True, description="also redact common Swedish first names")
    keep_raw_text: bool = Field(
        False,
        description="keep each story as read, before redaction, encrypted with the project "
        "key in a table no report or export reads",
    )
    quote_without_consent: bool = Field(
        False,
        description="stories whose file says nothing about consent may be quoted "
        "(default: only stories marked as quotable are)",
    )
    retention_months: int | None = Field(
        None,
        gt=0,
        description="`sensemaking retention apply` erases stories told (or, without a date, "
        "stored) longer ago than this",
    )


class EmbeddingSettings(_Settings):
    """Which sentence-transformers model embeds the stories."""

    model: str = Field(
        "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2",
        description="a hub name or a local folder; 'bundled' is the offline English model. "
        "A model that cannot be loaded falls back to the bundled one, with a warning",
    )
    backend: Literal["auto", "torch", "onnx", "onnx-int8"] = "auto"
    batch_size: int | None = Field(None, gt=0)


class ThemeSettings(_Settings):
    """How stories are grouped into themes."""

    seed: int = 0
    n_themes: int | None = Field(None, gt=1, description="ask for this many themes")
    granularity: float = Field(1.0, gt=0, description="<1 fewer, broader themes; >1 more")
    min_theme_size: int | None = Field(None, gt=1)
    unstable_below: float = Field(0.5, ge=0, le=1, description="flag themes less stable")
    map_max_fit: int = Field(
        20_000, ge=30, description="the 2-D theme map is fitted on at most this many stories"
    )
    max_fit: int = Field(
        50_000,
        ge=100,
        description="themes are fitted (and labelled, and their stability scored) on a seeded "
        "sample of at most this many stories; every other story joins the most similar "
        "theme it is close enough to, or 'other'",
    )


class DesiredSettings(_Settings):
    """Items the analysts want more of and fewer of, written ``<signifier> <item>``."""

    more_of: list[str] = Field(default_factory=list, examples=[["kraft corner:kompisar"]])
    fewer_of: list[str] = Field(default_factory=list, examples=[["kansla option:negativ"]])


class PatternSettings(_Settings):
    """How stories are counted and compared (see ``sensemaking.patterns``)."""

    alpha: float = Field(0.05, gt=0, lt=1, description="false discovery rate of the verdicts")
    corner: float = Field(0.6, gt=1 / 3, le=1, description="a corner zone from this share")
    centre_low: float = Field(0.2, ge=0, lt=1 / 3, description="the centre zone's lower bound")
    centre_high: float = Field(0.47, gt=1 / 3, lt=1, description="the centre zone's upper bound")
    dyad_bands: int = Field(5, ge=2, le=10, description="equal bands of a dyad slider")
    n_bootstrap: int = Field(2000, ge=100, description="resamples for the intervals")
    seed: int = 0
    desired: DesiredSettings = Field(default_factory=DesiredSettings)


class ReportSettings(_Settings):
    """What the HTML reports show."""

    lang: Literal["sv", "en"] = Field("sv", description="language of the reports")
    map_excerpts: int = Field(
        3000,
        ge=0,
        description="at most this many stories quoted on the theme map's hover "
        "(a seeded sample; the others show their theme only)",
    )
    max_points: int = Field(600, ge=10, description="dots drawn per triangle (a seeded sample)")
    map_points: int = Field(
        200_000, ge=100, description="stories drawn on the theme map (a seeded sample beyond)"
    )


class WorkerSettings(_Settings):
    """How the background worker takes and retries work (see ``sensemaking.worker``)."""

    lease_seconds: float = Field(
        60.0, gt=0, description="a claimed job or chunk is another worker's after this long "
        "without a sign of life from its worker (a worker on this machine that died is "
        "noticed at once)",
    )  # fmt: skip
    max_attempts: int = Field(5, ge=1, description="a job that failed this often is failed")
    retry_seconds: float = Field(
        5.0, gt=0, description="wait before the first retry; doubles with every failure"
    )
    sweep_seconds: float = Field(
        10.0, gt=0, description="how often a worker looks for left or new work (and the inbox)"
    )
    embed_chunk: int = Field(256, ge=1, description="stories one worker embeds per claim")
    inbox_settle_seconds: float = Field(
        2.0, ge=0, description="a file in inbox/ is taken once unchanged this long"
    )


class ProjectConfig(_Settings):
    """The contents of ``sensemaking.yaml``."""

    name: str = "sensemaking"
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; empty means the SQLite file in the project folder"
    )
    framework: str = Field("framework.yaml", description="framework file, relative to the folder")
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    themes: ThemeSettings = Field(default_factory=ThemeSettings)
    patterns: PatternSettings = Field(default_factory=PatternSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)

    def resolved_embedding_model(self) -> str:
        """The model in force: ``SENSEMAKING_EMBEDDING_MODEL``, else the config."""
        return os.environ.get("SENSEMAKING_EMBEDDING_MODEL") or self.embedding.model

    def resolved_database_url(self, folder: Path) -> str:
        """The database URL in force: ``SENSEMAKING_DATABASE_URL``, the config, or the default."""
        url = os.environ.get("SENSEMAKING_DATABASE_URL") or self.database_url
        if not url:
            return f"sqlite:///{(folder / DEFAULT_DATABASE).resolve()}"
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            # A relative SQLite path is relative to the project folder, not the shell's cwd.
            relative = url.removeprefix("sqlite:///")
            if relative and relative != ":memory:":
                return f"sqlite:///{(folder / relative).resolve()}"
        return url


def load_config(folder: Path) -> ProjectConfig:
    """Read ``sensemaking.yaml`` from a project folder.

    Raises:
        ConfigError: the file is missing or invalid (the message names the field).
    """
    path = folder / CONFIG_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: no project config here (run `sensemaking init`)") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    try:
        return ProjectConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None


def save_config(folder: Path, config: ProjectConfig) -> Path:
    """Write ``sensemaking.yaml`` with a short explanation of each section."""
    path = folder / CONFIG_FILE
    body = yaml.safe_dump(
        config.model_dump(mode="json"), allow_unicode=True, sort_keys=False, width=100
    )
    header = (
        "# sensemaking project config. Environment variables (SENSEMAKING_DATABASE_URL)\n"
        "# and command-line options override what is written here.\n"
        "# database_url: null means the SQLite file sensemaking.db in this folder.\n"
    )
    path.write_text(header + body, encoding="utf-8")
    return path


def configs_dir() -> Path:
    """The folder of shipped example configs (framework, column mappings).

    Installed from a wheel they live inside the package (``sensemaking/_configs``); in a
    source checkout they are the top-level ``configs/`` folder.
    """
    packaged = Path(str(resources.files("sensemaking"))) / "_configs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "configs"
