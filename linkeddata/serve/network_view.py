"""The served alliance network: the network query's answer with each node's place, computed once per served release."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import State

from linkeddata.network import network_elements, network_query, with_positions
from linkeddata.serve.engine import QueryRequest


async def served_network(state: State) -> dict[str, list[dict[str, Any]]]:
    """Return the network's nodes (with x, y) and edges for the served data; the layout is computed once per release."""
    cached = getattr(state, "network", None)
    if cached is not None and cached[0] == state.data.digest:
        return cached[1]
    request = QueryRequest(network_query(), results_format="json", union_default_graph=state.data.union_default_graph,
                           max_rows=state.settings.max_result_rows)
    answer = await state.pool.run(request, state.settings.query_timeout_s)
    elements = with_positions(network_elements(json.loads(answer.body)["results"]["bindings"]))
    state.network = (state.data.digest, elements)
    return elements
