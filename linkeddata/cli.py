"""The `linkeddata` command: the only place that prints errors and picks exit codes.

Exit codes: 0 done, 1 bad input (nothing written), 2 an internal error (a bug: the traceback is shown).
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
from linkeddata.errors import InputError, InputErrors
from linkeddata.settings import DEFAULT_BASE_IRI, Settings, served_settings

EXIT_BAD_INPUT = 1
EXIT_INTERNAL_ERROR = 2


def print_errors(errors: list[InputError], heading: str) -> None:
    """Print one `path:line: message` line per error, sorted, then a summary line."""
    for error in sorted(errors):
        click.echo(str(error), err=True)
    click.echo(f"{heading}: {len(errors)} error(s)", err=True)


def reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn InputErrors into exit code 1 and any other exception into exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputErrors as raised:
            print_errors(raised.errors, "bad input, nothing written")
            sys.exit(EXIT_BAD_INPUT)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception:
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
@click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
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
@click.pass_context
@reports_errors
def build(context: click.Context, project_dir: Path, base_iri: str, out_dir: Path | None) -> None:
    """Map, validate and write a release; the previous release stays whole until the new one is complete."""
    from linkeddata.release import build as build_release

    settings = Settings(project_dir=project_dir, out_dir=out_dir or project_dir / "dist", base_iri=check_base_iri(base_iri))
    final, checked = build_release(settings, show_progress=not context.obj["quiet"])
    for warning in checked.outcome.warnings:
        click.echo(f"{warning} (warning)", err=True)
    click.echo(f"published {len(checked.seeds.facts)} facts from {len(checked.seeds.articles)} article(s), "
               f"{len(checked.mapped.quads)} quads: {settings.out_dir} -> {final}")


@main.command()
@project_options
@click.pass_context
@reports_errors
def validate(context: click.Context, project_dir: Path, base_iri: str) -> None:
    """Run every check of `build` and print the report, writing nothing."""
    from linkeddata.release import validate_project

    settings = Settings(project_dir=project_dir, base_iri=check_base_iri(base_iri))
    checked = validate_project(settings, show_progress=not context.obj["quiet"])
    for warning in checked.outcome.warnings:
        click.echo(f"{warning} (warning)")
    click.echo(f"valid: {len(checked.seeds.facts)} facts, {len(checked.seeds.candidates)} candidate(s) awaiting review, "
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
    from linkeddata.server import run_server

    check_base_iri(options["base_iri"])
    settings = Settings(project_dir=project_dir, out_dir=out_dir or project_dir / "dist", **options)
    run_server(settings, list(files), quiet=context.obj["quiet"])
