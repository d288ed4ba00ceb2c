"""The `sensemaking` command line: thin commands over the library.

Each command parses options, makes one library call and prints the result. The library is
imported inside the commands so that ``sensemaking --help`` starts instantly.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sensemaking.ingest.pipeline import IngestReport
    from sensemaking.project import Project

PROBLEMS_SHOWN = 30
#: How the ingest summary names each kind of redacted identifier.
KIND_NAMES = {"personnummer": "personnummer", "phone": "phone numbers", "email": "e-mail addresses",
              "address": "addresses", "name": "names"}  # fmt: skip


class _Group(click.Group):
    """A group that turns every SensemakingError into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from sensemaking.errors import SensemakingError

        try:
            return super().invoke(ctx)
        except SensemakingError as exc:
            raise click.ClickException(str(exc)) from None


def _open(ctx: click.Context) -> Project:
    from sensemaking.project import open_project

    return open_project(ctx.obj["project"])


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    "-p",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SENSEMAKING_PROJECT",
    help="Project folder (default: the current folder).",
)
@click.option("-v", "--verbose", count=True, help="Log more (-vv for debug).")
@click.version_option(package_name="sensemaking")
@click.pass_context
def cli(ctx: click.Context, project: Path | None, verbose: int) -> None:
    """Stories from children and young people: ingest, themes, patterns and reports.

    Start with `sensemaking init DIR`, then `sensemaking ingest FILE` inside DIR.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {"project": project}


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--framework",
    "framework",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Framework YAML, or a SenseMaker definition JSON (default: the shipped Swedish one).",
)
@click.option(
    "--database-url",
    envvar="SENSEMAKING_DATABASE_URL",
    help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (default: SQLite in DIR).",
)
def init(directory: Path, framework: Path | None, database_url: str | None) -> None:
    """Create a project folder: config, framework, database, inbox/ and reports/."""
    from sensemaking.project import create_project
    from sensemaking.store import redact_url

    with create_project(directory, framework=framework, database_url=database_url) as project:
        click.echo(f"Created project {project.path}")
        click.echo(
            f"  framework: {project.framework.id} ({len(project.framework.signifiers)} signifiers)"
        )
        click.echo(f"  database:  {redact_url(str(project.engine.url))}")
        click.echo(f"Next: cd {directory} && sensemaking ingest FILE")


# --- db ------------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """The project database's schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Migrate the database to the schema this version needs."""
    from sensemaking.project import open_project

    with open_project(ctx.obj["project"], migrate=True) as project:
        from sensemaking.store import current_revision

        click.echo(f"database at revision {current_revision(project.engine)}")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Show the database's schema revision and the one this version needs."""
    from sensemaking.config import load_config
    from sensemaking.project import find_project
    from sensemaking.store import current_revision, head_revision, make_engine

    folder = find_project(ctx.obj["project"])
    engine = make_engine(load_config(folder).resolved_database_url(folder))
    try:
        current, head = current_revision(engine), head_revision()
    finally:
        engine.dispose()
    state = "up to date" if current == head else "run `sensemaking db upgrade`"
    click.echo(f"current: {current or '(empty)'}\nhead:    {head}\n{state}")


# --- framework -----------------------------------------------------------------------------


@cli.group()
def framework() -> None:
    """Signification frameworks: check a file, show the project's."""


@framework.command("check")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def framework_check(file: Path) -> None:
    """Validate a framework file; problems name the line and field."""
    from sensemaking.framework import load_framework

    fw = load_framework(file)
    counts = ", ".join(f"{len(fw.of_type(k))} {k}" for k in ("triad", "dyad", "choice", "text"))
    click.echo(f"{file}: framework {fw.id!r} is valid ({counts})")


@framework.command("show")
@click.option("--lang", default="sv", show_default=True, help="Language of the texts.")
@click.pass_context
def framework_show(ctx: click.Context, lang: str) -> None:
    """Show the project's framework and the input columns it defines."""
    from sensemaking.framework import text_in

    with _open(ctx) as project:
        fw = project.framework
        click.echo(f"{fw.id}: {text_in(fw.prompt, lang)}")
        for s in fw.signifiers:
            click.echo(f"\n{s.id} ({s.type}): {text_in(s.question, lang)}")
            if s.type == "triad":
                for corner, column in zip(s.corners, s.columns(), strict=True):
                    click.echo(f"  column {column:<24} {text_in(corner.label, lang)}")
            elif s.type == "dyad":
                low, high = (text_in(pole, lang) for pole in s.poles)
                click.echo(f"  column {s.id:<24} 0 = {low}, 1 = {high}")
            elif s.type == "choice":
                kind = "several answers" if s.multiple else "one answer"
                click.echo(f"  column {s.id:<24} {kind}:")
                for option in s.options:
                    click.echo(f"    {option.id:<20} {text_in(option.label, lang)}")


# --- ingest --------------------------------------------------------------------------------


def _progress(quiet: bool) -> Any:
    if quiet or not sys.stderr.isatty():
        return None

    def show(rows: int) -> None:
        click.echo(f"\r  {rows:,} rows read", err=True, nl=False)

    return show


def _print_report(report: IngestReport, report_file: Path | None, quiet: bool) -> None:
    shown = report.problems if report_file is None else report.problems[:PROBLEMS_SHOWN]
    for problem in shown[:PROBLEMS_SHOWN]:
        prefix = "warning" if problem.severity == "warning" else "error"
        click.echo(f"{prefix}: {problem}", err=True)
    if len(report.problems) > PROBLEMS_SHOWN:
        more = len(report.problems) - PROBLEMS_SHOWN
        hint = f"all in {report_file}" if report_file else "use --report FILE.csv for the full list"
        click.echo(f"... and {more} more problems ({hint})", err=True)
    if report_file is not None:
        report.write_problems(report_file)
    counts = (
        f"{report.rows_read} rows read, {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.skipped} invalid"
    )
    if report.committed:
        if not quiet:
            click.echo(f"{report.file}: {counts} (batch {report.batch_id})")
            if report.redactions:
                found = ", ".join(
                    f"{n} {KIND_NAMES.get(k, k)}" for k, n in report.redactions.items()
                )
                click.echo(f"  redacted: {found}")
    else:
        rows = ", ".join(str(r) for r in report.invalid_rows[:10])
        more = " ..." if len(report.invalid_rows) > 10 else ""
        click.echo(
            f"{report.file}: rejected, nothing was written: {report.skipped} of {report.rows_read} "
            f"rows are invalid (rows {rows}{more}). Fix them, or use --skip-invalid to store "
            f"the {report.rows_valid} valid rows.",
            err=True,
        )


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Column mapping YAML for files not named after the framework.",
)
@click.option("--place", help="Place of every story in the file(s), e.g. 'Värmland/Säffle'.")
@click.option("--round", "round_", metavar="ROUND", help="Round of every story, e.g. '2025 vår'.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "json", "jsonl"]),
    help="The file format when the name does not tell.",
)
@click.option("--skip-invalid", is_flag=True, help="Store the valid rows even if some are invalid.")
@click.option(
    "--on-changed",
    type=click.Choice(["reject", "update"]),
    help="A row whose id is stored with other content (default: project config).",
)
@click.option(
    "--sensemaker-definition",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="SenseMaker framework definition (JSON) of a SenseMaker CSV export.",
)
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every problem (file, row, column, value, reason) to this CSV.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@click.pass_context
def ingest(
    ctx: click.Context,
    files: tuple[Path, ...],
    mapping: Path | None,
    place: str | None,
    round_: str | None,
    fmt: str | None,
    skip_invalid: bool,
    on_changed: str | None,
    sensemaker_definition: Path | None,
    report_file: Path | None,
    quiet: bool,
) -> None:
    """Ingest interview-round files (CSV, XLSX, JSON, JSONL, SenseMaker CSV).

    Each file is one batch: by default a file with any invalid row is rejected whole
    (exit code 1, nothing written). Ingesting a file again adds nothing.
    """
    failed = False
    with _open(ctx) as project:
        for file in files:
            progress = _progress(quiet)
            report = project.ingest(
                file,
                format=fmt,
                mapping=mapping,
                place=place,
                round=round_,
                skip_invalid=skip_invalid,
                on_changed=on_changed,  # type: ignore[arg-type]
                sensemaker_definition=sensemaker_definition,
                progress=progress,
            )
            if progress is not None:
                click.echo("\r", err=True, nl=False)
            target = report_file
            if report_file is not None and len(files) > 1:
                target = report_file.with_name(
                    f"{report_file.stem}-{file.stem}{report_file.suffix}"
                )
            _print_report(report, target, quiet)
            failed |= not report.committed
    if failed:
        ctx.exit(1)


# --- stories -------------------------------------------------------------------------------


def _filters(f: Any) -> Any:
    f = click.option(
        "--storyteller", metavar="ID",
        help="Only this storyteller's stories (the id as in the files; for a request for access).",
    )(f)  # fmt: skip
    f = click.option("--round", "round_", metavar="ROUND", help="Only this round.")(f)
    return click.option("--place", help="Only this place and the places below it.")(f)


@cli.group()
def stories() -> None:
    """Count, list, show and export stored stories."""


@stories.command("count")
@_filters
@click.pass_context
def stories_count(ctx: click.Context, place: str | None, round_: str | None,
                  storyteller: str | None) -> None:  # fmt: skip
    """How many stories there are."""
    with _open(ctx) as project:
        click.echo(project.count_stories(place=place, round=round_, storyteller=storyteller))


@stories.command("list")
@_filters
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.pass_context
def stories_list(ctx: click.Context, place: str | None, round_: str | None,
                 storyteller: str | None, limit: int) -> None:  # fmt: skip
    """One line per story: id, place, round and the start of its text."""
    with _open(ctx) as project:
        for story in project.stories(place=place, round=round_, storyteller=storyteller,
                                     limit=limit):  # fmt: skip
            text = " ".join(story.text.split())
            text = text if len(text) <= 60 else text[:57] + "..."
            click.echo(
                f"{story.id:>6}  {story.place or '-':<30.30}  {story.round or '-':<12.12}  {text}"
            )


@stories.command("show")
@click.argument("story_id", type=int)
@click.pass_context
def stories_show(ctx: click.Context, story_id: int) -> None:
    """One story with all its answers."""
    with _open(ctx) as project:
        try:
            story = project.story(story_id)
        except KeyError:
            raise click.ClickException(f"no story with id {story_id}") from None
        row = story.as_row(project.framework)
        click.echo(f"story {story.id}")
        for key, value in row.items():
            if value is not None and key != "text":
                click.echo(f"  {key:<24} {value}")
        click.echo("\n" + story.text)


@stories.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_filters
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "jsonl"]),
    help="Default: from the file name.",
)
@click.pass_context
def stories_export(
    ctx: click.Context, file: Path, place: str | None, round_: str | None,
    storyteller: str | None, fmt: str | None,
) -> None:  # fmt: skip
    """Write stories to CSV, XLSX or JSONL (readable again by `ingest`)."""
    with _open(ctx) as project:
        count = project.export(file, format=fmt, place=place, round=round_,
                               storyteller=storyteller)  # fmt: skip
    click.echo(f"wrote {count} stories to {file}")


# --- embeddings and themes ------------------------------------------------------------------


class _Bar:
    """A click progress bar drawn from a library (done, total) callback."""

    def __init__(self, label: str, quiet: bool) -> None:
        self.label = label
        self.quiet = quiet
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.quiet or total == 0:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@cli.command()
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def embed(ctx: click.Context, quiet: bool) -> None:
    """Embed the stories that have no vector under the configured model yet."""
    import warnings

    with _open(ctx) as project:
        bar = _Bar("embedding", quiet)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                report = project.embed(progress=bar)
            finally:
                bar.close()
        for warning in caught:
            click.echo(f"warning: {warning.message}", err=True)
    click.echo(
        f"{report.new} new texts embedded with {report.model} "
        f"({report.embedded} embedded in all, {report.seconds:.1f} s)"
    )


@cli.group()
def themes() -> None:
    """Find themes among the stories, look at them, curate them."""


def _theme_line(view: Any) -> str:
    flag = " (unstable)" if view.unstable else ""
    stability = "-" if view.stability is None else f"{view.stability:.2f}"
    pinned = "*" if view.label_pinned else " "
    return (
        f"{view.key:>5} {pinned} {view.size:>6} {view.share:>6.1%}  stab {stability}{flag}  "
        f"{view.event:<9}  {view.label}"
    )


def _print_run(result: Any) -> None:
    click.echo(
        f"theme run {result.run_id}: {len(result.themes)} themes over {result.n_stories:,} "
        f"stories, other {result.other_size:,} ({result.other_share:.1%}), seed {result.seed}, "
        f"seed-to-seed ARI {result.seed_ari:.2f}, model {result.model}"
    )
    if result.fitted_on < result.n_stories:
        click.echo(
            f"themes fitted on a random sample of {result.fitted_on:,} of {result.n_stories:,} "
            "stories; the others were given the nearest theme (themes.max_fit)"
        )
    click.echo(f"{'key':>5}   {'size':>6} {'share':>6}")
    for view in result.themes:
        click.echo(_theme_line(view))
    other = f"{result.other_size:>6} {result.other_share:>6.1%}"
    click.echo(f"{'other':>5}   {other}  stories no theme holds well")
    for event in result.events:
        if event["event"] == "vanished":
            click.echo(f"  vanished since the previous run: {event['key']}")


@themes.command("run")
@click.option("--seed", type=int, help="Random seed (default: the project config's).")
@click.option("--themes", "n_themes", type=click.IntRange(min=2), help="Ask for this many themes.")
@click.option(
    "--granularity",
    type=click.FloatRange(min=0, min_open=True),
    help="Below 1: fewer, broader themes; above 1: more, narrower ones.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress.")
@click.pass_context
def themes_run(ctx: click.Context, seed: int | None, n_themes: int | None,
               granularity: float | None, quiet: bool) -> None:  # fmt: skip
    """Embed what is new, then group all stories into themes (a new theme run)."""
    with _open(ctx) as project:
        bar = _Bar("embedding", quiet)
        try:
            project.embed(progress=bar)
        finally:
            bar.close()

        def step(name: str) -> None:
            if not quiet:
                click.echo(f"  {name} ...", err=True)

        result = project.find_themes(
            seed=seed, n_themes=n_themes, granularity=granularity, step=step
        )
    _print_run(result)


@themes.command("list")
@click.option("--run", "run_id", type=int, help="An earlier run (default: the newest).")
@click.pass_context
def themes_list(ctx: click.Context, run_id: int | None) -> None:
    """The themes of a run with size, share, stability and label."""
    with _open(ctx) as project:
        _print_run(project.themes(run_id))


@themes.command("show")
@click.argument("key")
@click.option("--run", "run_id", type=int, help="An earlier run (default: the newest).")
@click.pass_context
def themes_show(ctx: click.Context, key: str, run_id: int | None) -> None:
    """One theme: label, keywords, history and representative stories."""
    with _open(ctx) as project:
        result = project.themes(run_id)
        try:
            view = result.theme(key)
        except KeyError:
            known = ", ".join(v.key for v in result.themes)
            raise click.ClickException(
                f"no theme {key!r} in run {result.run_id} (known: {known})"
            ) from None
        click.echo(_theme_line(view))
        click.echo(f"keywords: {', '.join(view.keywords)}")
        if view.event_from:
            click.echo(f"{view.event} from: {', '.join(view.event_from)}")
        click.echo("representative stories:")
        for story_id in view.representatives:
            text = " ".join(project.story(story_id).text.split())
            click.echo(f"  [{story_id}] {text if len(text) <= 200 else text[:197] + '...'}")


@themes.command("rename")
@click.argument("key")
@click.argument("label")
@click.pass_context
def themes_rename(ctx: click.Context, key: str, label: str) -> None:
    """Give a theme a label that later runs keep."""
    with _open(ctx) as project:
        project.rename_theme(key, label)
    click.echo(f"{key} is now {label!r} (pinned)")


@themes.command("pin")
@click.argument("key")
@click.option("--unpin", is_flag=True, help="Let the label follow the stories again.")
@click.pass_context
def themes_pin(ctx: click.Context, key: str, unpin: bool) -> None:
    """Keep a theme's current label in later runs."""
    with _open(ctx) as project:
        project.pin_theme(key, pinned=not unpin)
    click.echo(f"{key} {'unpinned' if unpin else 'pinned'}")


@themes.command("merge")
@click.argument("key")
@click.argument("into")
@click.pass_context
def themes_merge(ctx: click.Context, key: str, into: str) -> None:
    """Fold theme KEY into theme INTO, now and in later runs."""
    with _open(ctx) as project:
        project.merge_themes(key, into)
    click.echo(f"{key} merged into {into}")


@themes.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--run", "run_id", type=int, help="An earlier run (default: the newest).")
@click.pass_context
def themes_export(ctx: click.Context, file: Path, run_id: int | None) -> None:
    """Write source_id, theme_id, theme_label, strength for every story."""
    with _open(ctx) as project:
        count = project.export_themes(file, run_id)
    click.echo(f"wrote {count} stories to {file}")


# --- patterns ------------------------------------------------------------------------------


@cli.command()
@click.option("--place", required=True, help="The place to look at (with the places below it).")
@click.option("--from", "from_round", help="The earlier round (default: the one before --to).")
@click.option("--to", "to_round", help="The later round (default: the newest).")
@click.option(
    "--against",
    help="Compare the place with 'all' other places, or with another place, instead of over time.",
)
@click.option("--round", "round_", help="The round of --against (default: the newest; 'all').")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write one row per item to this CSV file.",
)
@click.option("--all-items", is_flag=True, help="Print every item, not only the clear findings.")
@click.pass_context
def patterns(
    ctx: click.Context,
    place: str,
    from_round: str | None,
    to_round: str | None,
    against: str | None,
    round_: str | None,
    lang: str,
    csv_file: Path | None,
    all_items: bool,
) -> None:
    """More of / fewer of: a place over time, or against other places.

    \b
    sensemaking patterns --place Ånge --from "2024 vår" --to "2025 vår"
    sensemaking patterns --place Ånge --against all
    sensemaking patterns --place Ånge --against Säffle --csv ange-saffle.csv
    """
    from sensemaking.patterns.text import render_comparison

    if against is not None and (from_round or to_round):
        raise click.UsageError("use --from/--to (over time) or --against (between places)")
    if against is None and round_ is not None:
        raise click.UsageError("--round goes with --against; over time use --from/--to")
    with _open(ctx) as project:
        context = project.patterns(lang=lang)
        if against is None:
            result = context.over_time(place, from_round, to_round)
        else:
            result = context.against(place, against, round_)
        text = render_comparison(
            result, project.framework, lang=lang, theme_labels=context.table.theme_labels,
            min_group=context.min_group, all_items=all_items,
        )  # fmt: skip
        click.echo(text, nl=False)
        if csv_file is not None:
            rows = result.to_csv(csv_file)
            click.echo(f"\n{rows} rows -> {csv_file}")


# --- reports, run, demo -------------------------------------------------------------------


def _echo_warnings(caught: list[Any]) -> None:
    """Show the library's own warnings (other libraries' import chatter stays quiet)."""
    from sensemaking.errors import SensemakingWarning

    for warning in caught:
        if issubclass(warning.category, SensemakingWarning):
            click.echo(f"warning: {warning.message}", err=True)


def _lang_option(f: Any) -> Any:
    return click.option(
        "--lang", type=click.Choice(["sv", "en"]), help="Language (default: the project config's)."
    )(f)


def _out_option(f: Any) -> Any:
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        help="Report folder (default: reports/ in the project).",
    )(f)


def _print_report_result(result: Any) -> None:
    size = result.bytes / 1e6
    click.echo(f"wrote {len(result.pages)} files ({size:.1f} MB) in {result.seconds:.1f} s")
    click.echo(f"open {result.index}")


@cli.command()
@_out_option
@_lang_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def report(ctx: click.Context, out: Path | None, lang: str | None, quiet: bool) -> None:
    """Write the HTML report: overview, themes, one page per place, comparisons.

    The pages open offline in a browser; plotly.js is in assets/ beside them.
    """
    with _open(ctx) as project:
        bar = _Bar("report", quiet)
        try:
            result = project.report(out, lang=lang, progress=bar)
        finally:
            bar.close()
    _print_report_result(result)


def _run(project: Project, out: Path | None, lang: str | None, quiet: bool) -> Any:
    import warnings

    def step(name: str) -> None:
        if not quiet:
            click.echo(f"  {name} ...", err=True)

    bars = [_Bar("embedding", quiet), _Bar("report", quiet)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = project.run(out=out, lang=lang, step=step, embed_progress=bars[0],
                                 report_progress=bars[1])  # fmt: skip
        finally:
            for bar in bars:
                bar.close()
    _echo_warnings(caught)
    click.echo(f"{result.embedded.new} new texts embedded, {result.embedded.embedded} stories in "
               f"all ({result.embedded.model})")  # fmt: skip
    if result.themes is not None:
        click.echo(
            f"theme run {result.themes.run_id}: {len(result.themes.themes)} themes, "
            f"other {result.themes.other_share:.1%}"
        )
    else:
        click.echo(f"themes: {result.themes_skipped}")
    _print_report_result(result.report)
    return result


@cli.command("run")
@_out_option
@_lang_option
@click.option("-q", "--quiet", is_flag=True, help="No progress.")
@click.pass_context
def run_all(ctx: click.Context, out: Path | None, lang: str | None, quiet: bool) -> None:
    """Bring everything up to date: embed new stories, re-theme if stale, rebuild reports."""
    with _open(ctx) as project:
        _run(project, out, lang, quiet)


@cli.command()
@click.argument(
    "directory", type=click.Path(file_okay=False, path_type=Path), default="sensemaking-demo"
)
@_lang_option
@click.option("-q", "--quiet", is_flag=True, help="No progress.")
def demo(directory: Path, lang: str | None, quiet: bool) -> None:
    """Create a demo project from the shipped sample stories and run everything.

    Prints the path of the overview page. Running it again on the same folder brings the
    demo up to date instead of starting over.
    """
    import time

    from sensemaking.demo.project import open_demo_project

    start = time.perf_counter()
    with open_demo_project(directory) as project:
        click.echo(f"demo project {project.path}: {project.count_stories()} stories")
        result = _run(project, None, lang, quiet)
    click.echo(f"done in {time.perf_counter() - start:.0f} s; overview page:")
    click.echo(str(result.report.index))


# --- background work -----------------------------------------------------------------------


@cli.command()
@click.option("--workers", "-w", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (threads for 1).")  # fmt: skip
@click.pass_context
def worker(ctx: click.Context, workers: int) -> None:
    """Run queued work in the background until interrupted (Ctrl-C).

    Takes jobs from `sensemaking enqueue` and `project.enqueue(...)`, and files dropped into
    inbox/ (moved to inbox/done/ or inbox/failed/ afterwards). The queue is queue.db in the
    project folder, or Redis when SENSEMAKING_QUEUE_URL=redis://... is set; run as many
    workers, on as many machines, as you like: they never take the same piece of work.
    """
    from sensemaking.worker.queue import serve

    with _open(ctx) as project:
        folder = project.path
    click.echo(f"worker for {folder} ({workers} process{'es' if workers > 1 else ''}); "
               "Ctrl-C stops it", err=True)  # fmt: skip
    serve(folder, workers=workers)


@cli.command()
@click.argument("kind", type=click.Choice(["ingest", "embed", "themes", "report", "run"]))
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--place", help="With ingest: the place of every story in the file.")
@click.option("--round", "round_", help="With ingest: the round of every story in the file.")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path),
              help="With ingest: a column mapping.")  # fmt: skip
@click.option("--skip-invalid", is_flag=True, help="With ingest: store the valid rows.")
@click.pass_context
def enqueue(ctx: click.Context, kind: str, file: Path | None, place: str | None,
            round_: str | None, mapping: Path | None, skip_invalid: bool) -> None:  # fmt: skip
    """Queue work for `sensemaking worker`: ingest FILE, embed, themes, report or run."""
    if (kind == "ingest") != (file is not None):
        raise click.UsageError("ingest takes a FILE; the other kinds take none")
    options = {"place": place, "round": round_, "skip_invalid": skip_invalid or None,
               "mapping": str(mapping.resolve()) if mapping else None}  # fmt: skip
    if kind != "ingest" and any(v is not None for v in options.values()):
        raise click.UsageError("--place, --round, --mapping and --skip-invalid go with ingest")
    with _open(ctx) as project:
        job_id = project.enqueue(kind, file, **(options if kind == "ingest" else {}))
    click.echo(f"job {job_id}: {kind}{' ' + str(file) if file else ''}")


@cli.command()
@click.option("--status", "statuses", multiple=True,
              type=click.Choice(["pending", "running", "done", "failed"]),
              help="Only jobs of this status (repeatable).")  # fmt: skip
@click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def jobs(ctx: click.Context, statuses: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Recent, running, pending and failed background jobs, newest first."""
    with _open(ctx) as project:
        found = project.jobs(statuses=statuses or None, limit=limit)
    if as_json:
        rows = [{**job.__dict__, **{k: getattr(job, k).isoformat(timespec="seconds")
                 for k in ("created_at", "started_at", "finished_at") if getattr(job, k)}}
                for job in found]  # fmt: skip
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    if not found:
        click.echo("no jobs")
    for job in found:
        what = job.kind + (f" {Path(job.args['path']).name}" if "path" in job.args else "")
        when = (job.finished_at or job.started_at or job.created_at).strftime("%Y-%m-%d %H:%M")
        tries = f"  failed {job.failures}x" if job.failures else ""
        click.echo(f"{job.id:>5}  {job.status:<8} {when}  {what}{tries}")
        if job.error and job.status in ("failed", "pending"):
            click.echo(f"       {job.error.splitlines()[-1][:200]}")


# --- privacy -------------------------------------------------------------------------------


def _print_erasure(result: Any, project: Project) -> None:
    click.echo(
        f"erased {result.stories} stories, {result.storytellers} storytellers and "
        f"{result.embeddings} embeddings; theme runs marked stale: "
        f"{', '.join(map(str, result.theme_runs)) or 'none'}"
    )
    if result.compacted:
        click.echo("the database was compacted: no copy of the text is left in its files")
    else:
        click.echo(
            "PostgreSQL keeps the deleted rows in its files until VACUUM FULL: run it on the "
            "tables docs/privacy.md lists",
            err=True,
        )
    if (project.path / "reports" / "index.html").is_file():
        click.echo(f"reports rebuilt: {project.path / 'reports' / 'index.html'}")
    if result.input_files:
        click.echo(
            f"warning: {len(result.input_files)} files read from the inbox are kept in "
            "inbox/done and inbox/failed; the erased stories may still be in them, as they "
            "were read: delete the files you no longer need", err=True,
        )  # fmt: skip


@cli.command()
@click.option("--storyteller", help="The storyteller's id as in the files (or its ps_ pseudonym).")
@click.option("--story", help="A story's id as in the files (the id column).")
@click.option("--round", "round_", help="With --story: only this round's story of that id.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def forget(ctx: click.Context, storyteller: str | None, story: str | None,
           round_: str | None, yes: bool) -> None:  # fmt: skip
    """Erase a storyteller's stories (or one story) and everything derived from them.

    Answers, embeddings and theme assignments go too; theme runs are counted again and
    marked stale, the reports are rebuilt, and the audit log records that an erasure
    happened (without ids or content). This cannot be undone.
    """
    if (storyteller is None) == (story is None):
        raise click.UsageError("give --storyteller ID or --story ID")
    if round_ is not None and story is None:
        raise click.UsageError("--round goes with --story")
    with _open(ctx) as project:
        if not yes:
            click.confirm("Erase for good? This cannot be undone", abort=True)
        result = project.forget(storyteller=storyteller, story=story, round=round_)
        _print_erasure(result, project)


@cli.group()
def retention() -> None:
    """Erase stories older than the config's privacy.retention_months."""


@retention.command("apply")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def retention_apply(ctx: click.Context, yes: bool) -> None:
    """Erase every story told (or stored) longer ago than privacy.retention_months."""
    with _open(ctx) as project:
        months = project.config.privacy.retention_months
        if months is not None and not yes:
            click.confirm(f"Erase every story older than {months} months?", abort=True)
        result = project.apply_retention()
        _print_erasure(result, project)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def audit(ctx: click.Context, as_json: bool) -> None:
    """The audit log: every erasure, when and how much (never whose)."""
    with _open(ctx) as project:
        entries = project.audit_log()
    if as_json:
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    if not entries:
        click.echo("no erasures yet")
    for entry in entries:
        rest = ", ".join(f"{k} {v}" for k, v in entry.items() if k not in ("at", "action"))
        click.echo(f"{entry['at']}  {entry['action']}: {rest}")


# --- status --------------------------------------------------------------------------------


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """What the project holds."""
    with _open(ctx) as project:
        info = project.status().as_dict()
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    width = max(len(k) for k in info)
    for key, value in info.items():
        click.echo(f"{key.replace('_', ' '):<{width}}  {value}")


def main() -> None:
    """Entry point of the `sensemaking` console command."""
    cli(prog_name="sensemaking")


if __name__ == "__main__":
    main()
