"""Starts the HTTP server: loads what to serve, binds the socket, runs uvicorn."""

from __future__ import annotations

import dataclasses
import logging
import socket
import sys
from pathlib import Path

import click
import uvicorn

from linkeddata.progress import Progress
from linkeddata.settings import Settings
from linkeddata.store import ServedData, connect_backend, load_files, load_release

log = logging.getLogger("linkeddata.server")


def load_served_data(settings: Settings, files: list[Path], *, quiet: bool) -> ServedData:
    """Return the data to serve: the given files, or the project's release (built first if there is none)."""
    if settings.sparql_backend:
        release = settings.out_dir if settings.out_dir.exists() else None
        return connect_backend(settings.sparql_backend, release, settings.base_iri)
    if files:
        progress = Progress("load", 1, enabled=not quiet)
        with progress.step(f"reading {len(files)} file(s)"):
            data = load_files(files, settings.base_iri, bool(settings.union_default_graph))
        progress.close()
        return data
    if not settings.out_dir.exists():
        from linkeddata.release import build

        log.info("no release at %s: building it first", settings.out_dir)
        build(settings, show_progress=not quiet)
    progress = Progress("load", 1, enabled=not quiet)
    with progress.step(f"loading release {settings.out_dir}"):
        data = load_release(settings.out_dir, settings.store_mode)
    progress.close()
    if settings.union_default_graph is False:
        data = dataclasses.replace(data, union_default_graph=False)
    return data


def bind_socket(host: str, port: int) -> socket.socket:
    """Return a listening socket; binding here (not in uvicorn) lets port 0 pick a free port we can report."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only turns on TCP_NODELAY for sockets that say they are TCP, and
    # without it every keep-alive response waits ~40 ms for the client's delayed ACK (Nagle's algorithm).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run_server(settings: Settings, files: list[Path], *, quiet: bool) -> None:
    """Serve until interrupted; prints `serving on URL` once the port is bound."""
    from linkeddata.app import create_app

    data = load_served_data(settings, files, quiet=quiet)
    app = create_app(settings, data)
    sock = bind_socket(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    config = uvicorn.Config(app, log_level="warning", access_log=False, h11_max_incomplete_event_size=settings.max_header_bytes,
                            timeout_keep_alive=30, server_header=False)
    server = uvicorn.Server(config)
    click.echo(f"serving {data.quad_count} quads on http://{shown_host}:{port}/ (SPARQL at /sparql)", file=sys.stdout)
    sys.stdout.flush()
    try:
        server.run(sockets=[sock])
    finally:
        app.state.pool.close()
