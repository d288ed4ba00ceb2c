"""A project: one folder with its config, framework, database, inbox and reports.

Example:
    >>> import sensemaking
    >>> project = sensemaking.create_project("ange-2025")            # doctest: +SKIP
    >>> report = project.ingest("intervjuer-var.csv", round="2025 vår")  # doctest: +SKIP
    >>> report.added, [str(p) for p in report.errors]                 # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import OperationalError

from sensemaking.config import (
    CONFIG_FILE,
    ProjectConfig,
    configs_dir,
    load_config,
    save_config,
)
from sensemaking.errors import ConfigError, IngestError, ProjectError, StoreError, ThemeError
from sensemaking.framework import Framework, load_framework
from sensemaking.ingest.mapping import ColumnMapping, load_mapping
from sensemaking.ingest.pipeline import IngestReport, ProgressCallback, ingest_rows
from sensemaking.ingest.validate import RowValidator
from sensemaking.privacy.keys import ProjectKey, attach_key
from sensemaking.store import (
    current_revision,
    head_revision,
    make_engine,
    redact_url,
    refresh_statistics,
    upgrade,
)
from sensemaking.store.models import (
    AuditEntry,
    ChoiceAnswer,
    DyadAnswer,
    ImportBatch,
    Place,
    Round,
    SignifierOption,
    SignifierRow,
    Story,
    Storyteller,
    TextAnswer,
    ThemeRun,
    TriadAnswer,
)
from sensemaking.stories import StoryFilter, StoryView, export_stories, iter_stories

if TYPE_CHECKING:
    from sensemaking.patterns.groups import PatternContext
    from sensemaking.privacy.erase import ErasureReport
    from sensemaking.report.build import ReportProgress, ReportResult
    from sensemaking.themes import ThemeRunResult
    from sensemaking.vectors import EmbedProgress, EmbedReport
    from sensemaking.worker.jobs import JobView

__all__ = [
    "Project",
    "ProjectStatus",
    "RunReport",
    "create_project",
    "find_project",
    "open_project",
]

PROJECT_FOLDERS = ("inbox", "reports")
#: What an ingest writes in bulk: their statistics are refreshed after it (PostgreSQL).
_INGESTED_TABLES = tuple(model.__tablename__ for model in (
    Story, Storyteller, TriadAnswer, DyadAnswer, ChoiceAnswer, TextAnswer
))  # fmt: skip


@dataclass(frozen=True)
class ProjectStatus:
    """Counts and facts about a project; ``stories``, ``places``, ``rounds`` are a contract."""

    project: str
    framework: str
    database: str
    schema_revision: str | None
    stories: int
    places: int
    rounds: int
    storytellers: int
    import_batches: int
    embedded: int
    embedding_model: str | None
    theme_runs: int
    pending_jobs: int = 0
    failed_jobs: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class RunReport:
    """What :meth:`Project.run` did: embedded, re-themed (or why not), and the report."""

    embedded: EmbedReport
    themes: ThemeRunResult | None
    themes_skipped: str | None
    report: ReportResult


class Project:
    """An open project. Create one with :func:`create_project` or :func:`open_project`."""

    def __init__(
        self,
        path: Path,
        config: ProjectConfig,
        framework: Framework,
        engine: Engine,
        key: ProjectKey | None = None,
    ) -> None:
        self.path = path
        self.config = config
        self.framework = framework
        self.engine = engine
        self._key = key

    @property
    def key(self) -> ProjectKey:
        """The project's key (pseudonyms, keyed hashes, sealed raw texts)."""
        if self._key is None:
            self._key = attach_key(self.path, self.engine)
        return self._key

    def __repr__(self) -> str:
        return f"Project({str(self.path)!r}, database={redact_url(str(self.engine.url))!r})"

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- ingest --------------------------------------------------------------------------

    def ingest(
        self,
        path: str | Path,
        *,
        format: str | None = None,
        mapping: str | Path | ColumnMapping | None = None,
        place: str | None = None,
        round: str | None = None,
        skip_invalid: bool = False,
        on_changed: Literal["reject", "update"] | None = None,
        sensemaker_definition: str | Path | None = None,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Ingest one file as one import batch.

        Args:
            path: a CSV, XLSX, JSON or JSONL export (or a SenseMaker CSV export).
            format: the file's format when its name does not tell.
            mapping: a column mapping (file or object) for files not named after the framework.
            place: the place of every story in the file, e.g. ``"Värmland/Säffle"``.
            round: the round of every story in the file, e.g. ``"2025 vår"``.
            skip_invalid: store the valid rows of a file with invalid ones (default: store
                nothing when any row is invalid).
            on_changed: ``"reject"`` or ``"update"`` a row whose id is stored with other
                content (default: the project config's ``ingest.on_changed``).
            sensemaker_definition: the SenseMaker framework definition (JSON) of an export.
            progress: called with the number of rows read so far.

        Every valid row passes the project's privacy rules before it is stored: identifiers
        in its texts are redacted (``privacy.redact``), its storyteller id becomes a keyed
        pseudonym, and the row as read is kept only if ``privacy.keep_raw_text`` says so.

        Returns:
            The report: counts, problems (file, row, column, value, reason), what was
            redacted (counts per kind) and whether the batch was committed.

        Raises:
            IngestError: the file cannot be read at all (missing, empty, wrong format or
                encoding, no text column).
        """
        from sensemaking.ingest.sources import open_source
        from sensemaking.privacy.protect import Protector

        path = Path(path)
        protector = Protector(self.key, self.config.privacy, self.path)
        settings = self.config.ingest
        if isinstance(mapping, str | Path):
            mapping = load_mapping(mapping, self.framework)
        elif mapping is not None:
            mapping.check_against(self.framework)
        report = IngestReport(file=path.name, sha256=_sha256(path), format="")
        options = {
            "place": place,
            "round": round,
            "skip_invalid": skip_invalid,
            "mapping": None if mapping is None else mapping.model_dump(mode="json"),
            "sensemaker_definition": str(sensemaker_definition) if sensemaker_definition else None,
        }
        with open_source(
            self.framework, path, format=format, sensemaker_definition=sensemaker_definition
        ) as source:
            report.format = source.format
            validator = RowValidator(
                self.framework, source.columns, path.name,
                mapping=mapping, settings=settings, place=place, round=round,
            )  # fmt: skip
            with self.engine.connect() as conn:
                transaction = conn.begin()
                try:
                    ingest_rows(
                        conn, source.rows, validator, report,
                        skip_invalid=skip_invalid,
                        on_changed=on_changed or settings.on_changed,
                        allow_new_places=settings.allow_new_places,
                        options=options, progress=progress, reader_warnings=source.warnings,
                        protect=protector,
                    )  # fmt: skip
                except BaseException:
                    transaction.rollback()
                    raise
                if report.committed:
                    transaction.commit()
                else:
                    transaction.rollback()
        if report.committed and report.added:
            refresh_statistics(self.engine, *_INGESTED_TABLES)
        return report

    # --- reading -------------------------------------------------------------------------

    def _filter(self, place: str | None, round: str | None, storyteller: str | None) -> StoryFilter:
        pseudonym = None if storyteller is None else self.key.pseudonym(storyteller)
        return StoryFilter(place, round, pseudonym=pseudonym)

    def stories(
        self,
        *,
        place: str | None = None,
        round: str | None = None,
        storyteller: str | None = None,
        limit: int | None = None,
    ) -> Iterator[StoryView]:
        """The stored stories (optionally of one place, with the places below it, one round,
        one storyteller: the id as in the files, or its pseudonym)."""
        where = self._filter(place, round, storyteller)
        return iter_stories(self.engine, self.framework, where, limit=limit)

    def story(self, story_id: int) -> StoryView:
        """One story by its id. Raises ``KeyError`` if there is none."""
        for view in iter_stories(self.engine, self.framework, StoryFilter(story_id=story_id)):
            return view
        raise KeyError(story_id)

    def count_stories(
        self, *, place: str | None = None, round: str | None = None, storyteller: str | None = None
    ) -> int:
        """How many stories there are (of one place, round, storyteller)."""
        query = self._filter(place, round, storyteller).apply(select(func.count(Story.id)))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def export(
        self,
        path: str | Path,
        *,
        format: str | None = None,
        place: str | None = None,
        round: str | None = None,
        storyteller: str | None = None,
    ) -> int:
        """Write stories as CSV, XLSX or JSONL that ``ingest`` reads back; returns the count.

        With ``storyteller``, one storyteller's stories: what a request for access under
        GDPR art. 15 asks for.
        """
        where = self._filter(place, round, storyteller)
        return export_stories(self.engine, self.framework, Path(path), where, format)

    def status(self) -> ProjectStatus:
        """Counts of what the project holds."""
        counts = {}
        with self.engine.connect() as conn:
            for key, model in (
                ("stories", Story),
                ("places", Place),
                ("rounds", Round),
                ("storytellers", Storyteller),
                ("import_batches", ImportBatch),
            ):
                query = select(func.count()).select_from(model)
                if model is ImportBatch:
                    query = query.where(ImportBatch.status == "committed")
                counts[key] = int(conn.execute(query).scalar_one())
        from sensemaking.vectors import active_model, count_embedded
        from sensemaking.worker.jobs import count_jobs

        active = active_model(self.engine)
        with self.engine.connect() as conn:
            runs = conn.execute(select(func.count(ThemeRun.id)).where(ThemeRun.status == "done"))
            counts["theme_runs"] = int(runs.scalar_one())
        jobs = count_jobs(self.engine)
        counts["pending_jobs"] = jobs["pending"] + jobs["running"]
        counts["failed_jobs"] = jobs["failed"]
        return ProjectStatus(
            project=str(self.path),
            framework=self.framework.id,
            database=redact_url(str(self.engine.url)),
            schema_revision=current_revision(self.engine),
            embedded=count_embedded(self.engine, active[0] if active else None),
            embedding_model=active[1] if active else None,
            **counts,
        )

    # --- embeddings and themes -----------------------------------------------------------

    @property
    def cache_dir(self) -> Path:
        """Where compiled code and converted models are cached (``SENSEMAKING_CACHE_DIR``)."""
        return Path(os.environ.get("SENSEMAKING_CACHE_DIR") or self.path / ".cache")

    def load_embedder(self) -> Any:
        """The embedder the config asks for (``embedding.model``, or
        ``SENSEMAKING_EMBEDDING_MODEL``); a model that cannot be loaded falls back to the
        bundled one, with a warning. ``demo-topics`` is
        :class:`sensemaking.demo.embedder.TopicEmbedder`: instant and meaningless outside
        the demo stories, for tests and benchmarks of what surrounds the vectors."""
        requested = self.config.resolved_embedding_model()
        if requested == "demo-topics":
            from sensemaking.demo.embedder import TopicEmbedder

            return TopicEmbedder()
        from sensemaking.embed import load_embedder

        settings = self.config.embedding
        return load_embedder(
            requested, backend=settings.backend, batch_size=settings.batch_size,
            cache_dir=self.cache_dir,
        )  # fmt: skip

    def embed(self, *, embedder: Any = None, progress: EmbedProgress | None = None) -> EmbedReport:
        """Embed every story text that has no vector under the configured model yet.

        Args:
            embedder: use this embedder instead of loading the configured model (an object
                with ``key``, ``name``, ``dim`` and ``encode``, e.g. for tests).
            progress: called with (texts done, texts to do).

        Returns:
            How many texts were new, and which model produced the vectors. A model that
            cannot be loaded falls back to the bundled one with a warning.
        """
        from sensemaking.vectors import embed_stories

        requested = (
            embedder.name if embedder is not None else self.config.resolved_embedding_model()
        )

        def load() -> Any:
            return embedder if embedder is not None else self.load_embedder()

        return embed_stories(self.engine, requested, load, progress=progress)

    def find_themes(
        self,
        *,
        seed: int | None = None,
        n_themes: int | None = None,
        granularity: float | None = None,
        step: Callable[[str], None] | None = None,
    ) -> ThemeRunResult:
        """Group the embedded stories into themes and store the run (see ``sensemaking.themes``).

        Args:
            seed: random seed (default: the config's ``themes.seed``).
            n_themes: ask for this many themes (default: chosen from the data).
            granularity: below 1 fewer, broader themes; above 1 more, narrower ones.
            step: called with the name of each step as it starts.

        Raises:
            ThemeError: no embedded stories yet (run :meth:`embed` first), or too few.
        """
        from sensemaking.themes import run_themes

        return run_themes(
            self.engine, self.config.themes, seed=seed, n_themes=n_themes,
            granularity=granularity, cache_dir=self.cache_dir / "numba", step=step,
        )  # fmt: skip

    def themes(self, run_id: int | None = None) -> ThemeRunResult:
        """A stored theme run (default: the newest)."""
        from sensemaking.themes import read_run

        return read_run(self.engine, run_id)

    def rename_theme(self, key: str, label: str) -> None:
        """Give a theme a label that later runs keep."""
        from sensemaking.themes import edit_theme

        edit_theme(self.engine, "rename", key, label=label.strip())

    def pin_theme(self, key: str, pinned: bool = True) -> None:
        """Keep a theme's current label in later runs (or let it follow the stories again)."""
        from sensemaking.themes import edit_theme

        edit_theme(self.engine, "pin" if pinned else "unpin", key)

    def merge_themes(self, key: str, into: str) -> None:
        """Fold theme ``key`` into theme ``into``, now and in later runs."""
        from sensemaking.themes import edit_theme

        edit_theme(self.engine, "merge", key, into=into)

    def export_themes(self, path: str | Path, run_id: int | None = None) -> int:
        """Write ``source_id, theme_id, theme_label, strength`` for every story."""
        from sensemaking.themes import export_assignments

        return export_assignments(self.engine, Path(path), run_id)

    def report(
        self,
        out: str | Path | None = None,
        *,
        lang: str | None = None,
        progress: ReportProgress | None = None,
    ) -> ReportResult:
        """Write the HTML report (overview, themes, one page per place, comparisons).

        Args:
            out: the report folder (default: ``reports/`` in the project folder).
            lang: ``sv`` or ``en`` (default: the config's ``report.lang``).
            progress: called with (pages done, pages in all).

        Returns:
            The folder, the overview page's path, every file written and their size.
        """
        from sensemaking.report.build import build_report

        return build_report(self, out, lang=lang, progress=progress)

    def run(
        self,
        *,
        out: str | Path | None = None,
        lang: str | None = None,
        embedder: Any = None,
        step: Callable[[str], None] | None = None,
        embed_progress: EmbedProgress | None = None,
        report_progress: ReportProgress | None = None,
    ) -> RunReport:
        """Bring everything up to date: embed what is new, re-theme when the newest theme
        run no longer matches the stories or the settings, rebuild the report.

        Each step is skipped when there is nothing to do, so running it twice in a row
        embeds nothing and finds no new themes the second time.

        Args:
            out: the report folder (default: ``reports/``).
            lang: the report's language (default: the config's).
            embedder: an embedder to use instead of the configured model (tests).
            step: called with the name of each step as it starts.
            embed_progress: called with (texts done, texts to do).
            report_progress: called with (pages done, pages in all).
        """
        from sensemaking.themes import theme_run_stale

        def say(name: str) -> None:
            if step is not None:
                step(name)

        say("embed")
        embedded = self.embed(embedder=embedder, progress=embed_progress)
        themes, skipped = None, None
        if theme_run_stale(self.engine, self.config.themes):
            say("themes")
            try:
                themes = self.find_themes(step=step)
            except ThemeError as exc:
                skipped = str(exc)
        else:
            skipped = "the newest theme run is up to date"
        say("report")
        report = self.report(out, lang=lang, progress=report_progress)
        return RunReport(embedded, themes, skipped, report)

    # --- background work -----------------------------------------------------------------

    def enqueue(self, kind: str, path: str | Path | None = None, **options: Any) -> int:
        """Queue work for ``sensemaking worker``: ``ingest`` (with ``path``, and optionally
        ``place``, ``round``, ``mapping``, ``skip_invalid``), ``embed``, ``themes``,
        ``report`` or ``run``. Returns the job's id; the same job already waiting is not
        added twice.

        Raises:
            ValueError: an unknown kind, or ``path`` missing for ``ingest`` (or given for
                another kind).
            IngestError: the file to ingest does not exist.
        """
        from sensemaking.worker.jobs import add_job
        from sensemaking.worker.queue import wake

        args: dict[str, Any] = {}
        if kind == "ingest":
            if path is None:
                raise ValueError("an ingest job needs the file's path")
            file = Path(path).resolve()
            if not file.is_file():
                raise IngestError("no such file", file=str(path))
            args = {"path": str(file), **{k: v for k, v in options.items() if v is not None}}
        elif path is not None or options:
            raise ValueError(f"a {kind} job takes no file or options")
        with self.engine.begin() as conn:
            job_id, _ = add_job(conn, kind, args)
        wake(self.path, self.config.name)
        return job_id

    def jobs(self, *, statuses: Sequence[str] | None = None, limit: int = 50) -> list[JobView]:
        """The newest background jobs first (optionally of some statuses only)."""
        from sensemaking.worker.jobs import list_jobs

        return list_jobs(self.engine, statuses=statuses, limit=limit)

    def work(self, *, embedder: Any = None) -> int:
        """Do every due background job in this process, as a worker would; how many."""
        from sensemaking.worker.steps import Worker

        return Worker(self, embedder=embedder).work()

    # --- privacy -------------------------------------------------------------------------

    def forget(
        self,
        *,
        storyteller: str | None = None,
        story: str | None = None,
        round: str | None = None,
        rebuild_reports: bool = True,
    ) -> ErasureReport:
        """Erase a storyteller's stories, or one story, and everything derived from them.

        Stories, answers, sealed raw texts, embeddings no other story shares and theme
        assignments are deleted; theme runs are counted again and marked stale; the
        database is compacted so no copy of the text is left (SQLite); an audit entry
        records that it happened, without ids or content; and when the project has a
        report in ``reports/``, it is rebuilt.

        Args:
            storyteller: the storyteller's id as in the files (or its ``ps_…`` pseudonym).
            story: a story's id as in the files (the ``id`` column); every round's story of
                that id unless ``round`` names one.
            round: with ``story``, only that round's story.
            rebuild_reports: rebuild ``reports/`` if it holds a report.

        Raises:
            ProjectError: neither or both of ``storyteller`` and ``story``, or no such story.
        """
        from sensemaking.privacy.erase import erase_stories

        if (storyteller is None) == (story is None):
            raise ProjectError("name a storyteller or a story to forget (one of them)")
        query = select(Story.id)
        if storyteller is not None:
            query = query.join(Storyteller, Story.storyteller_id == Storyteller.id).where(
                Storyteller.pseudonym == self.key.pseudonym(storyteller)
            )
        else:
            query = query.where(Story.source_id == str(story).strip())
            if round is not None:
                query = query.join(Round, Story.round_id == Round.id).where(
                    Round.name == round.strip()
                )
        with self.engine.connect() as conn:
            ids = list(conn.execute(query).scalars())
        if not ids:
            what = "storyteller" if storyteller is not None else "story"
            raise ProjectError(f"no stories of that {what} are stored (nothing was erased)")
        by = "storyteller" if storyteller is not None else "story"
        report = erase_stories(self.engine, ids, action="forget", detail={"by": by})
        if rebuild_reports:
            self._rebuild_reports()
        return dataclasses.replace(report, input_files=self._input_files())

    def _input_files(self) -> list[str]:
        """Files the worker took from the inbox and keeps (they hold stories as read)."""
        return sorted(str(p.relative_to(self.path)) for sub in ("done", "failed", "processing")
                      for p in (self.path / "inbox" / sub).glob("*") if p.is_file()
                      and not p.name.endswith((".problems.csv", ".error.txt")))  # fmt: skip

    def apply_retention(
        self, *, today: dt.date | None = None, rebuild_reports: bool = True
    ) -> ErasureReport:
        """Erase every story older than ``privacy.retention_months``, as :meth:`forget` does.

        A story's age counts from the day it was told, or, without a date, the day it was
        stored.

        Raises:
            ConfigError: the config sets no retention.
        """
        from sensemaking.privacy.erase import erase_stories, older_than

        months = self.config.privacy.retention_months
        if months is None:
            raise ConfigError(
                f"{self.path / CONFIG_FILE}: privacy.retention_months is not set, so no "
                "story is old enough to purge"
            )
        ids = older_than(self.engine, months, today)
        report = erase_stories(self.engine, ids, action="retention",
                               detail={"months": months})  # fmt: skip
        if rebuild_reports and ids:
            self._rebuild_reports()
        return dataclasses.replace(report, input_files=self._input_files())

    def audit_log(self) -> list[dict[str, Any]]:
        """The audit log: every erasure, when and how much, oldest first."""
        query = select(AuditEntry.at, AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.id)
        with self.engine.connect() as conn:
            return [{"at": at.isoformat(timespec="seconds"), "action": action, **detail}
                    for at, action, detail in conn.execute(query)]  # fmt: skip

    def _rebuild_reports(self) -> None:
        if (self.path / "reports" / "index.html").is_file():
            self.report()

    def patterns(self, *, lang: str = "sv") -> PatternContext:
        """The stories' patterns: distributions, comparisons over time and between places.

        Reads every answer (and the newest theme run) once; ask it as many questions as
        needed, then call again after new stories or a new theme run.

        Example:
            >>> p = project.patterns()                                      # doctest: +SKIP
            >>> change = p.over_time("Ånge", "2024 vår", "2025 vår")         # doctest: +SKIP
            >>> change.to_frame().query("verdict == 'more_of'")             # doctest: +SKIP

        Raises:
            ConfigError: the project's desired directions name unknown items.
        """
        from sensemaking.patterns.data import load_answers
        from sensemaking.patterns.groups import PatternContext

        return PatternContext(
            load_answers(self.engine, self.framework), self.framework, self.config.patterns,
            self.config.privacy.min_group_size, lang=lang,
        )  # fmt: skip


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise IngestError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise IngestError("is a folder, not a file", file=str(path)) from None
    return digest.hexdigest()


def sync_framework(engine: Engine, framework: Framework) -> None:
    """Store the framework's signifiers and options, so answers can reference them.

    Signifiers and options are added and updated; one that has disappeared from the
    framework is removed only if no answer uses it (else :class:`StoreError`).
    """
    with engine.begin() as conn:
        stored = {row.id for row in conn.execute(select(SignifierRow.id))}
        wanted = {s.id for s in framework.signifiers}
        for sid in stored - wanted:
            try:
                with conn.begin_nested():
                    conn.execute(delete(SignifierRow).where(SignifierRow.id == sid))
            except Exception as exc:  # an answer references it
                raise StoreError(
                    f"signifier {sid!r} is no longer in the framework but stories answer it; "
                    "put it back in the framework file"
                ) from exc
        for position, s in enumerate(framework.signifiers):
            spec = s.model_dump(mode="json")
            if s.id in stored:
                conn.execute(
                    SignifierRow.__table__.update()
                    .where(SignifierRow.id == s.id)
                    .values(type=s.type, position=position, spec=spec)
                )
            else:
                conn.execute(
                    insert(SignifierRow).values(id=s.id, type=s.type, position=position, spec=spec)
                )
            if s.type == "choice":
                have = {
                    o
                    for (o,) in conn.execute(
                        select(SignifierOption.option_id).where(
                            SignifierOption.signifier_id == s.id
                        )
                    )
                }
                for pos, option in enumerate(s.options):
                    if option.id not in have:
                        conn.execute(
                            insert(SignifierOption).values(
                                signifier_id=s.id, option_id=option.id, position=pos
                            )
                        )


def find_project(path: str | Path | None = None) -> Path:
    """The project folder: ``path``, else ``SENSEMAKING_PROJECT``, else the current folder.

    Raises:
        ProjectError: there is no project config in that folder.
    """
    folder = Path(path or os.environ.get("SENSEMAKING_PROJECT") or Path.cwd())
    if not (folder / CONFIG_FILE).is_file():
        raise ProjectError(
            f"{folder} is not a sensemaking project (no {CONFIG_FILE}); create one with "
            "`sensemaking init DIR` or point to one with --project / SENSEMAKING_PROJECT"
        )
    return folder.resolve()


def open_project(path: str | Path | None = None, *, migrate: bool = False) -> Project:
    """Open an existing project.

    Args:
        path: the project folder (default: ``SENSEMAKING_PROJECT`` or the current folder).
        migrate: bring an older database schema up to date instead of refusing to open it.

    Raises:
        ProjectError: not a project folder. ConfigError / FrameworkError: invalid files.
        StoreError: the database cannot be reached or its schema is not current.
    """
    folder = find_project(path)
    config = load_config(folder)
    framework = load_framework(folder / config.framework)
    engine = make_engine(config.resolved_database_url(folder))
    revision = current_revision(engine)
    if revision != head_revision():
        if not migrate:
            engine.dispose()
            raise StoreError(
                f"the database schema is at {revision or 'nothing'}, this version needs "
                f"{head_revision()}: run `sensemaking db upgrade`"
            )
        upgrade(engine)
    sync_framework(engine, framework)
    try:
        key = attach_key(folder, engine)
    except ProjectError:
        engine.dispose()
        raise
    return Project(folder, config, framework, engine, key)


def create_project(
    path: str | Path,
    *,
    framework: str | Path | None = None,
    database_url: str | None = None,
    name: str | None = None,
) -> Project:
    """Create a project folder with config, framework, database, ``inbox/`` and ``reports/``.

    Args:
        path: the folder to create (it may exist if it is empty).
        framework: a framework YAML or SenseMaker definition JSON (default: the shipped
            ``configs/framework.sv.yaml``).
        database_url: an SQLAlchemy URL (default: ``SENSEMAKING_DATABASE_URL`` at run time,
            else ``sensemaking.db`` in the folder).
        name: the project's name (default: the folder's name).

    Raises:
        ProjectError: the folder is a project already or is not empty.
        FrameworkError: the framework is invalid. StoreError: the database cannot be set up.
    """
    folder = Path(path)
    if (folder / CONFIG_FILE).exists():
        raise ProjectError(f"{folder} is a sensemaking project already")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ProjectError(f"{folder} exists and is not an empty folder")
    source = Path(framework) if framework else configs_dir() / "framework.sv.yaml"
    fw = load_framework(source)  # validate before creating anything
    config = ProjectConfig(name=name or folder.resolve().name, database_url=database_url)
    engine = make_engine(config.resolved_database_url(folder.resolve()))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for sub in PROJECT_FOLDERS:
            (folder / sub).mkdir()
        if source.suffix.lower() == ".json":
            (folder / config.framework).write_text(fw.to_yaml(), encoding="utf-8")
        else:
            shutil.copyfile(source, folder / config.framework)
        save_config(folder, config)
        upgrade(engine)
        sync_framework(engine, fw)
        key = attach_key(folder.resolve(), engine)
    except (OSError, OperationalError, StoreError):
        engine.dispose()
        raise
    return Project(folder.resolve(), config, fw, engine, key)
