"""The `linkeddata` command: the only place that prints errors and picks exit codes.

Exit codes: 0 done, 1 bad input or a failure outside it (a port in use, a full disk; nothing written), 2 an internal
error (a bug: the traceback is shown).
"""

from __future__ import annotations

import functools
import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from linkeddata import __version__
from linkeddata.errors import InputError, InputErrors, OperationFailed
from linkeddata.settings import DEFAULT_BASE_IRI, Settings, served_settings

EXIT_BAD_INPUT = 1
EXIT_INTERNAL_ERROR = 2


def print_errors(errors: list[InputError], heading: str) -> None:
    """Print one `path:line: message` line per error, sorted, then a summary line."""
    for error in sorted(errors):
        click.echo(str(error), err=True)
    click.echo(f"{heading}: {len(errors)} error(s)", err=True)


def reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn InputErrors and OperationFailed into exit code 1 and any other exception into exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputErrors as raised:
            print_errors(raised.errors, "bad input, nothing written")
            sys.exit(EXIT_BAD_INPUT)
        except OperationFailed as failure:
            click.echo(f"linkeddata {click.get_current_context().info_name}: {failure}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception:  # noqa: BLE001 - any other failure is reported as the bug it is, with its traceback
            traceback.print_exc()
            click.echo("internal error: this is a bug in linkeddata", err=True)
            sys.exit(EXIT_INTERNAL_ERROR)

    return wrapper


def project_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options every command shares: the project folder and the base IRI."""
    command = click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
                           envvar="LINKEDDATA_PROJECT", help="Data project folder holding seeds/, ontology/ and mappings/. [env LINKEDDATA_PROJECT]")(command)
    command = click.option("--base-iri", default=DEFAULT_BASE_IRI, show_default=True, envvar="LINKEDDATA_BASE_IRI",
                           help="Base IRI every published IRI is minted under. [env LINKEDDATA_BASE_IRI]")(command)
    return command


def check_base_iri(base_iri: str) -> str:
    """Return the base IRI, refusing one that cannot prefix minted IRIs."""
    if not base_iri.startswith(("http://", "https://")) or not base_iri.endswith("/"):
        raise click.BadParameter("must be an http(s) IRI ending in '/'", param_hint="--base-iri")
    return base_iri


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="linkeddata")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines: print only results, warnings and errors.")
@click.pass_context
def main(context: click.Context, quiet: bool) -> None:
    """Build, validate and serve evidence-backed linked data about who supports, recognizes or condemns whom."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logger = logging.getLogger("linkeddata")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    context.obj = {"quiet": quiet}


@main.command()
@project_options
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None, envvar="LINKEDDATA_OUT",
              help="Release link to write (default: PROJECT/dist). [env LINKEDDATA_OUT]")
@click.option("--keep-releases", type=click.IntRange(min=0), default=5, show_default=True, envvar="LINKEDDATA_KEEP_RELEASES",
              help="Releases kept beside the new one in dist.releases/, newest first, so that a release someone cited stays. [env LINKEDDATA_KEEP_RELEASES]")
@click.pass_context
@reports_errors
def build(context: click.Context, project_dir: Path, base_iri: str, out_dir: Path | None, keep_releases: int) -> None:
    """Map, validate and write a release; the previous release stays whole until the new one is complete."""
    from linkeddata.pipeline.build import build as build_release

    settings = Settings(project_dir=project_dir, out_dir=out_dir or project_dir / "dist", base_iri=check_base_iri(base_iri),
                        keep_releases=keep_releases)
    final, checked = build_release(settings, show_progress=not context.obj["quiet"])
    for warning in checked.outcome.warnings:
        click.echo(f"{warning} (warning)", err=True)
    click.echo(f"published {checked.seeds.facts} facts from {len(checked.seeds.articles)} article(s), "
               f"{checked.results.canonical.quads if checked.results else 0} quads: {settings.out_dir} -> {final}")


@main.command()
@project_options
@click.pass_context
@reports_errors
def validate(context: click.Context, project_dir: Path, base_iri: str) -> None:
    """Run every check of `build` and print the report, writing nothing."""
    from linkeddata.pipeline.build import validate_project

    settings = Settings(project_dir=project_dir, base_iri=check_base_iri(base_iri))
    checked = validate_project(settings, show_progress=not context.obj["quiet"])
    for warning in checked.outcome.warnings:
        click.echo(f"{warning} (warning)")
    click.echo(f"valid: {checked.seeds.facts} facts, {checked.seeds.candidates} candidate(s) awaiting review, "
               f"{len(checked.outcome.warnings)} warning(s), 0 errors")


def serve_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add one option per served setting, each with its LINKEDDATA_<NAME> environment variable."""
    for name, default, help_text, extra in reversed(served_settings()):
        option = "--" + name.replace("_", "-")
        envvar = f"LINKEDDATA_{name.upper()}"
        if extra.get("flag"):
            command = click.option(f"{option}/--no-{option[2:]}", name, default=None, envvar=envvar, help=f"{help_text} [env {envvar}]")(command)
        elif extra.get("multiple"):
            command = click.option(option, name, multiple=True, default=default, show_default=True, envvar=envvar,
                                   help=f"{help_text} [env {envvar}, space-separated]")(command)
        elif extra.get("choices"):
            command = click.option(option, name, type=click.Choice(extra["choices"]), default=default, show_default=True, envvar=envvar,  # type: ignore[arg-type]
                                   help=f"{help_text} [env {envvar}]")(command)
        else:
            command = click.option(option, name, type=type(default), default=default, show_default=True, envvar=envvar,
                                   help=f"{help_text} [env {envvar}]")(command)
    return command


@main.command()
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              envvar="LINKEDDATA_PROJECT", help="Data project whose release is served when no FILE is given. [env LINKEDDATA_PROJECT]")
@click.option("--release", "out_dir", type=click.Path(path_type=Path), default=None, envvar="LINKEDDATA_OUT",
              help="Release to serve (default: PROJECT/dist, built first if missing). [env LINKEDDATA_OUT]")
@serve_options
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.pass_context
@reports_errors
def serve(context: click.Context, project_dir: Path, out_dir: Path | None, files: tuple[Path, ...], **options: Any) -> None:
    """Serve the release (or the RDF FILEs given, gzip too) with a SPARQL endpoint, pages and dumps.

    FILE may be any RDF format rdflib or Oxigraph reads; TriG and N-Quads keep their named graphs.
    """
    from linkeddata.serve.server import run_server

    check_base_iri(options["base_iri"])
    settings = Settings(project_dir=project_dir, out_dir=out_dir or project_dir / "dist", **options)
    if not files and not settings.sparql_backend and not settings.out_dir.exists():
        # Building is the pipeline's job; serving starts from a finished release (and never imports the build side).
        from linkeddata.pipeline.build import build as build_release

        click.echo(f"no release at {settings.out_dir}: building it first", err=True)
        build_release(settings, show_progress=not context.obj["quiet"])
    run_server(settings, list(files), quiet=context.obj["quiet"])


# ---------------------------------------------------------------- curation: add-article, suggest, review, diff


@main.command("add-article")
@project_options
@click.argument("text_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="Where the article was published (http or https).")
@click.option("--published", required=True, help="Publication date: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--title", default=None, help="Title (default: the text's first non-empty line).")
@click.option("--language", default="en", show_default=True, help="BCP 47 language tag of the text.")
@click.option("--publisher", default=None, help="Who published it.")
@click.option("--note", default=None, help="A note for curators, kept in the metadata.")
@click.option("--archived", default=None, metavar="URL", help="A web archive's snapshot of the original page (published as schema:archivedAt).")
@click.option("--archived-date", default=None, metavar="YYYY-MM-DD", help="The day the snapshot was taken (default: from a Wayback-style URL's timestamp).")
@click.pass_context
@reports_errors
def add_article_command(context: click.Context, project_dir: Path, base_iri: str, text_file: Path, url: str, published: str,
                        title: str | None, language: str, publisher: str | None, note: str | None, archived: str | None, archived_date: str | None) -> None:
    """Copy FILE byte for byte into seeds/articles/ as a new article, with its metadata and an empty fact file.

    The id is the next number and the first 16 hex digits of the text's SHA-256; a text already in the project is
    refused, naming its article.
    """
    from linkeddata.curate.articles import add_article

    added = add_article(project_dir, text_file, url=url, published=published, title=title, language=language, publisher=publisher, note=note,
                        archived=archived, archived_date=archived_date)
    for path in (added.text_path, added.metadata_path, added.facts_path):
        click.echo(f"wrote {path.relative_to(project_dir).as_posix()}")
    click.echo(f"added article {added.id}; next: linkeddata suggest {added.id}")


@main.command("suggest")
@project_options
@click.argument("article_id")
@click.option("--dry-run", is_flag=True, help="Print the candidates without writing them.")
@click.pass_context
@reports_errors
def suggest_command(context: click.Context, project_dir: Path, base_iri: str, article_id: str, dry_run: bool) -> None:
    """Propose candidate facts for ARTICLE_ID and append them to its fact file with `status: candidate`.

    Rule-based and offline: actors from seeds/actors.yaml (labels, aliases, mentions), stance cues from
    ontology/stance-lexicon.yaml. Candidates are not published until `linkeddata review` accepts them.
    Capitalised names that are not actors are listed, not written.
    """
    from linkeddata.curate.suggest import suggest
    from linkeddata.project.vocabulary import read_vocabulary

    outcome = suggest(project_dir, article_id, read_vocabulary(project_dir), write=not dry_run)
    for fields in outcome.written:
        speaker = f", speaker {fields['speaker']}" if "speaker" in fields else ""
        date = f", date {fields['date']}" if "date" in fields else ""
        click.echo(f"+ {fields['key']}: {fields['holder']} {fields['stance']} {fields['target']} ({fields['polarity']}; "
                   f"claim {fields['claim']}{speaker}{date})")
        click.echo(f"    quote: {fields['quote']}")
        click.echo(f"    why:   {outcome.descriptions[fields['key']]}")
    verb = "would append" if dry_run else "appended"
    click.echo(f"{verb} {len(outcome.written)} candidate(s) to seeds/facts/{article_id}.yaml; "
               f"{len(outcome.duplicates)} already in the file")
    if outcome.unknown:
        click.echo("names that are not actors in seeds/actors.yaml (add them there if they hold stances):")
        for name, count in outcome.unknown:
            click.echo(f"  {name}" + (f" ({count}x)" if count > 1 else ""))
    if outcome.written and not dry_run:
        click.echo(f"next: linkeddata review {article_id}")


@main.command("review")
@project_options
@click.argument("article_id")
@click.pass_context
@reports_errors
def review_command(context: click.Context, project_dir: Path, base_iri: str, article_id: str) -> None:
    """Walk through the candidate facts of ARTICLE_ID: [a]ccept, [e]dit field=value, [r]eject, [s]kip or [q]uit.

    Each decision is written to the fact file at once: accept removes `status: candidate`, reject deletes
    the record, edit rewrites the field. An empty answer skips. Answers are read from standard input, so a
    review can be scripted.
    """
    from linkeddata.curate.review import review
    from linkeddata.project.vocabulary import read_vocabulary

    summary = review(project_dir, article_id, read_vocabulary(project_dir))
    click.echo(f"accepted {len(summary.accepted)}, rejected {len(summary.rejected)}, edited {len(summary.edited)}, "
               f"skipped {len(summary.skipped)}" + (f", {summary.left} left for later" if summary.left else ""))


@main.command("verify")
@click.argument("release", type=click.Path(path_type=Path), default="dist", required=False)
@click.pass_context
@reports_errors
def verify_command(context: click.Context, release: Path) -> None:
    """Re-check a downloaded release: every SHA256SUMS line, every archived text's hash, every evidence anchor (quote at its
    offsets, prefix, suffix) and each dump's triple count against the VoID description. Exit 1 with one line per failure."""
    from linkeddata.release.verify import verify_release

    if not release.is_dir():
        raise OperationFailed(f"{release}: not a release folder")
    failures = verify_release(release)
    for failure in failures:
        click.echo(str(failure), err=True)
    if failures:
        raise SystemExit(1)
    if not context.obj["quiet"]:
        click.echo(f"verified {release}: every checksum, archived text, evidence anchor and dump count holds")


@main.command("diff")
@click.argument("old_release", type=click.Path(path_type=Path))
@click.argument("new_release", type=click.Path(path_type=Path))
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the diff as JSON to this file.")
@click.pass_context
@reports_errors
def diff_command(context: click.Context, old_release: Path, new_release: Path, json_file: Path | None) -> None:
    """Compare the facts of two release folders: added, removed, changed (holder, target, stance, polarity, quote,
    speaker, date, aspect, claim type)."""
    from linkeddata.curate.articles import atomic_write
    from linkeddata.release.diff import diff_releases

    difference = diff_releases(old_release, new_release)
    click.echo(difference.to_text(), nl=False)
    if json_file is not None:
        atomic_write(json_file, "".join(difference.json_chunks()).encode("utf-8"))


@main.command()
@click.option("--to", "url", required=True,
              help="Graph Store Protocol endpoint of the target store, e.g. http://127.0.0.1:7878/store; with --bulk-loader, "
                   "Virtuoso's /sparql-auth endpoint or an Oxigraph store folder.")
@click.option("--release", "release", type=click.Path(path_type=Path), default=Path("dist"), show_default=True,
              help="Release to publish (a folder or the `dist` link).")
@click.option("--timeout-s", type=float, default=60.0, show_default=True, help="Time limit per HTTP request, in seconds.")
@click.option("--default-graph-as", default=None, metavar="IRI",
              help="Put the release's default graph (the actors) into this named graph, for a store without a default graph (Virtuoso).")
@click.option("--bulk-loader", type=click.Choice(["virtuoso", "oxigraph"]), default=None,
              help="Hand the release to the store's own bulk loader instead of PUT: Virtuoso's ld_dir/rdf_loader_run (through --to, "
                   "its /sparql-auth endpoint; needs --load-dir) or Oxigraph's (into the store folder --to, its server stopped).")
@click.option("--load-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --bulk-loader virtuoso: a folder the server may read (in its DirsAllowed) to stage the release's files in.")
@reports_errors
def publish(url: str, release: Path, timeout_s: float, default_graph_as: str | None, bulk_loader: str | None, load_dir: Path | None) -> None:
    """Load a release into any SPARQL 1.1 Graph Store Protocol store, replacing the previous release's graphs.

    Credentials, when the store asks for them (HTTP Basic or Digest), come from LINKEDDATA_PUBLISH_USER and
    LINKEDDATA_PUBLISH_PASSWORD, else from ~/.netrc; never from the command line or the URL. Past what PUT
    carries well (about 100,000 facts), --bulk-loader has the store read the files itself.
    """
    import httpx

    from linkeddata.release.bulk_load import bulk_load_oxigraph, bulk_load_virtuoso
    from linkeddata.release.publish import publish as publish_release

    if bulk_loader == "virtuoso" and load_dir is None:
        raise click.UsageError("--bulk-loader virtuoso needs --load-dir, a folder in the server's DirsAllowed")
    try:
        if bulk_loader == "virtuoso":
            report = bulk_load_virtuoso(release, url, load_dir, default_graph_as, timeout_s=max(timeout_s, 3600))  # type: ignore[arg-type]
        elif bulk_loader == "oxigraph":
            report = bulk_load_oxigraph(release, Path(url))
        else:
            report = publish_release(release, url, timeout_s, default_graph_as)
    except (httpx.HTTPError, RuntimeError) as error:
        raise click.ClickException(f"publishing to {url} failed: {error}") from None
    click.echo(f"published {report.triples} triples into {len(report.replaced)} graphs at {url}; deleted {len(report.deleted)} stale graph(s)")
