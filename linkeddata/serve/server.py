"""Starts the HTTP server: binds the socket, loads what to serve, runs uvicorn with bounded connections."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import functools
import logging
import resource
import socket
import sys
from pathlib import Path
from typing import Any

import click
import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from linkeddata.errors import OperationFailed
from linkeddata.progress import Progress
from linkeddata.serve.data import ServedData, connect_backend, load_files, load_release
from linkeddata.settings import Settings

log = logging.getLogger("linkeddata.serve.server")


def load_served_data(settings: Settings, files: list[Path], *, quiet: bool) -> ServedData:
    """Return the data to serve: the given files, a remote backend, or the project's release."""
    if settings.sparql_backend:
        release = settings.out_dir if settings.out_dir.exists() else None
        return connect_backend(settings.sparql_backend, release, settings.base_iri)
    if files:
        progress = Progress("load", 1, enabled=not quiet)
        with progress.step(f"reading {len(files)} file(s)"):
            data = load_files(files, settings.base_iri, bool(settings.union_default_graph))
        progress.close()
        return data
    progress = Progress("load", 1, enabled=not quiet)
    with progress.step(f"loading release {settings.out_dir}"):
        data = load_release(settings.out_dir, settings.store_mode)
    progress.close()
    if settings.union_default_graph is False:
        data = dataclasses.replace(data, union_default_graph=False)
    return data


def bind_socket(host: str, port: int) -> socket.socket:
    """Return a listening socket; binding here (not in uvicorn) lets port 0 pick a free port we can report.

    Raises OperationFailed when the address cannot be bound (most often: the port is in use).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only turns on TCP_NODELAY for sockets that say they are TCP, and
    # without it every keep-alive response waits ~40 ms for the client's delayed ACK (Nagle's algorithm).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise OperationFailed(f"port {port} on {host} is already in use ({error.strerror}); pick another with --port, or 0 for a free one") from None
        raise OperationFailed(f"cannot listen on {host} port {port} ({error.strerror or error})") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def raise_open_files_limit(wanted: int) -> None:
    """Raise the soft limit on open files to the hard one: each connection is a file descriptor, and the
    usual soft limit of 1024 is below --max-connections. Warns when even the hard limit is too low."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft < wanted:
        log.warning("open files are limited to %d, fewer than --max-connections %d plus the server's own", soft, wanted)


def refusal(status: str, message: str) -> bytes:
    """Return a whole HTTP/1.1 response that closes its connection, written before any request is read."""
    body = (message + "\n").encode()
    return (f"HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\nretry-after: 1\r\nconnection: close\r\n"
            f"content-length: {len(body)}\r\n\r\n").encode() + body


TOO_MANY_CONNECTIONS = refusal("503 Service Unavailable", "too many connections, all of them busy; try again")


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 connection with the bounds it lacks: a deadline for each request head and body, and a cap on connections.

    uvicorn times out a kept-alive connection only between requests, so a client that sent half a head
    (slowloris) or half a body held its connection, a file descriptor and a buffer forever (issue 17).
    The head deadline runs from the connection's start, or from the first byte of a later request; the
    body deadline from the end of the head. Past --max-connections the connection idle the longest (no
    request in flight) is closed to make room; if every one is busy the newcomer gets 503 at once.
    """

    def __init__(self, *args: Any, settings: Settings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings
        self.deadline: asyncio.TimerHandle | None = None
        self.waiting_for: str | None = None  # "head" or "body" while a deadline runs
        self.last_active = self.loop.time()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.settings.max_connections and not close_longest_idle(self.connections, self):
            transport.write(TOO_MANY_CONNECTIONS)
            transport.close()
            return
        self.expect("head", self.settings.header_timeout_s)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self.follow_request()

    def on_response_complete(self) -> None:
        self.last_active = self.loop.time()
        super().on_response_complete()
        self.follow_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_deadline()
        super().connection_lost(exc)

    def is_idle(self) -> bool:
        """Return True when no request is in flight: between requests, or before a whole head arrived."""
        return (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing()

    def follow_request(self) -> None:
        """Run the deadline that fits what the client is sending now: a head, a body, or nothing."""
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            self.expect("body", self.settings.body_timeout_s)
        elif state is h11.IDLE:
            if self.conn.trailing_data[0]:  # the first bytes of a head; between requests uvicorn's keep-alive timeout rules
                self.expect("head", self.settings.header_timeout_s)
        else:
            self.stop_deadline()

    def expect(self, part: str, seconds: float) -> None:
        if self.waiting_for != part:
            self.stop_deadline()
            self.waiting_for = part
            self.deadline = self.loop.call_later(seconds, self.close_slow_client)

    def stop_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        self.deadline, self.waiting_for = None, None

    def close_slow_client(self) -> None:
        log.debug("closing a connection whose request %s took longer than allowed", self.waiting_for)
        self.deadline, self.waiting_for = None, None
        if not self.transport.is_closing():
            self.transport.close()


def close_longest_idle(connections: set[Any], newcomer: BoundedH11Protocol) -> bool:
    """Close the connection idle the longest to make room for `newcomer`; return False if every other one is busy."""
    idle = [c for c in connections if c is not newcomer and isinstance(c, BoundedH11Protocol) and c.is_idle()]
    if not idle:
        return False
    min(idle, key=lambda c: c.last_active).transport.close()
    return True


def public_url(settings: Settings, sock: socket.socket) -> str:
    """Return the URL absolute links name: --public-url, else the bound socket's; never a request header."""
    if settings.public_url:
        if not settings.public_url.startswith(("http://", "https://")):
            raise OperationFailed(f"--public-url {settings.public_url} is not an http(s) URL")
        return settings.public_url.rstrip("/") + "/"
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def run_server(settings: Settings, files: list[Path], *, quiet: bool) -> None:
    """Serve until interrupted; prints `serving on URL` once the port is bound and the data loaded.

    The port is bound first, so that a port in use is reported before a long load or build.
    """
    from linkeddata.serve.app import create_app

    sock = bind_socket(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    settings = dataclasses.replace(settings, public_url=public_url(settings, sock))
    raise_open_files_limit(settings.max_connections + 64)
    data = load_served_data(settings, files, quiet=quiet)
    app = create_app(settings, data, release_link=settings.out_dir if not files and not settings.sparql_backend else None)
    protocol = functools.partial(BoundedH11Protocol, settings=settings)
    config = uvicorn.Config(app, http=protocol, log_level="warning", access_log=False,  # type: ignore[arg-type]
                            h11_max_incomplete_event_size=settings.max_header_bytes, timeout_keep_alive=30, server_header=False)
    server = uvicorn.Server(config)
    click.echo(f"serving {data.quad_count} quads on http://{shown_host}:{port}/ (SPARQL at /sparql)", file=sys.stdout)
    sys.stdout.flush()
    try:
        server.run(sockets=[sock])
    finally:
        app.state.pool.close()
