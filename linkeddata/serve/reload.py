"""Follows the release link: when `build` swaps `dist` to a new release, `serve` loads it and switches to it without dropping a request."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from fastapi import FastAPI

from linkeddata.errors import InputErrors
from linkeddata.serve.data import ServedData, load_release
from linkeddata.serve.protocol import AnswerCache
from linkeddata.serve.workers import QueryPool
from linkeddata.settings import Settings

log = logging.getLogger("linkeddata.serve.reload")
POLL_INTERVAL_S = 1.0


def new_pool(settings: Settings, data: ServedData) -> QueryPool:
    """Return a query pool over `data`, configured from the settings.

    Workers reach the network only to federate with the allow-list or to ask a remote backend.
    """
    return QueryPool(data.opener(), min(2, settings.query_workers), settings.query_workers, settings.worker_memory_mb,
                     network=bool(settings.federation_allow_list or settings.sparql_backend), query_memory_mb=settings.query_memory_mb,
                     queries_per_worker=settings.queries_per_worker)


def follows_release(app: FastAPI) -> bool:
    """Return True when the app serves the project's release (not files given by name, not a remote backend)."""
    data: ServedData = app.state.data
    return data.release_dir is not None and not data.backend and app.state.release_link is not None


async def switch_to(app: FastAPI, data: ServedData) -> None:
    """Serve `data` from now on; requests already running finish on the old pool, which is closed once they are done."""
    state = app.state
    pool = await asyncio.to_thread(new_pool, state.settings, data)  # forking workers and warming them up stays off the event loop
    old_pool = state.pool
    # One assignment each, with no await in between: a request sees the old release or the new one, never half of each.
    state.data, state.pool, state.cache, state.texts, state.network = data, pool, AnswerCache(state.settings.cache_entries, state.settings.cache_bytes), {}, None
    state.retired_pools.append(old_pool)
    log.warning("serving the new release %s (%d quads)", data.release_dir, data.quad_count)
    await asyncio.sleep(state.settings.query_timeout_s + 5)  # past every deadline of a query sent to the old pool
    state.retired_pools.remove(old_pool)
    await asyncio.to_thread(old_pool.close)


async def watch_release(app: FastAPI, interval_s: float = POLL_INTERVAL_S) -> None:
    """Poll the release link; load and switch to each new release it points to (a broken one is logged and skipped)."""
    link: Path = app.state.release_link
    failed: Path | None = None
    while True:
        await asyncio.sleep(interval_s)
        try:
            target = link.resolve(strict=True)
        except OSError:
            continue  # between build's unlink and rename, or the link was removed: keep serving what we have
        if target == app.state.data.release_dir or target == failed:
            continue
        try:
            data = await asyncio.to_thread(load_release, link, app.state.settings.store_mode)
        except (InputErrors, OSError) as error:
            failed = target
            log.warning("not switching to %s: %s", target, error)
            continue
        if app.state.settings.union_default_graph is False:
            from dataclasses import replace

            data = replace(data, union_default_graph=False)
        asyncio.get_running_loop().create_task(switch_to(app, data))
