"""Shopify GraphQL Admin API over the shared HTTP toolkit, with cost-based throttling.

    client = ShopifyClient("https://acme.myshopify.com", token, api_version="2025-01")
    for record in client.poll_orders(cursor, page_size=50): ...

Every call is ``POST /admin/api/<version>/graphql.json`` with ``X-Shopify-Access-Token``.
HTTP statuses are classified by the toolkit (429 + Retry-After, 5xx → retriable); GraphQL errors
inside a 200 answer are classified by :func:`classify_graphql`, the one place for them.

Throttling: each answer carries ``extensions.cost`` (requested cost, and the bucket's
``currentlyAvailable`` / ``restoreRate``). Before sending a query whose last known cost exceeds
what is left in the bucket, the client waits ``(cost − available) / restoreRate`` seconds (at most
``max_wait``). That wait is exact, and the bucket may still be a fraction of a point short when
the query arrives (Shopify reports whole points), so a throttled answer — a THROTTLED error in
the body, or HTTP 429 — is not a failure yet: the client waits again, one point and a tenth
longer than the bucket says it needs (or Retry-After), and asks again, up to
``throttle_attempts`` sends. A throttled answer it cannot wait out — the attempts are used up,
or the wait would exceed ``max_wait`` — is raised as :class:`ThrottledError` (a RetriableError
whose ``retry_after`` is the bucket's refill time), so the run is retried later.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timezone
from typing import Any

from connectors.http.auth import ApiKeyAuth
from connectors.http.client import HttpClient
from connectors.http.endpoints import as_utc, parse_timestamp
from connectors.shopify.queries import ORDER_QUERY, ORDERS_QUERY, legacy_id, order_gid
from hub.connector import Cursor, PolledRecord
from hub.errors import FatalError, RetriableError, ThrottledError

RETRIABLE_CODES = frozenset({"THROTTLED", "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"})
THROTTLE_ATTEMPTS = 4  # sends of one query while it is answered THROTTLED or 429
THROTTLE_MARGIN_POINTS = 1.0  # the bucket is reported in whole points
THROTTLE_MARGIN_FACTOR = 1.1
DEFAULT_THROTTLE_WAIT = 1.0  # a 429 without Retry-After and no bucket known yet


@dataclass(slots=True)
class ThrottleStatus:
    """The cost bucket as the last answer described it."""

    available: float
    restore_rate: float

    @classmethod
    def of(cls, body: Any) -> ThrottleStatus | None:
        """Read ``extensions.cost.throttleStatus`` of a GraphQL answer (None when absent)."""
        status = (((body or {}).get("extensions") or {}).get("cost") or {}).get("throttleStatus")
        if not status:
            return None
        return cls(float(status["currentlyAvailable"]), float(status["restoreRate"]) or 1.0)

    def wait_for(self, cost: float) -> float:
        """Seconds until the bucket holds ``cost`` points (0 when it already does)."""
        return max(0.0, (cost - self.available) / self.restore_rate)

    def wait_with_margin(self, cost: float) -> float:
        """Seconds until the bucket surely holds ``cost`` points: a point and a tenth more."""
        points = max(0.0, cost - self.available) + THROTTLE_MARGIN_POINTS
        return points / self.restore_rate * THROTTLE_MARGIN_FACTOR


def requested_cost(body: Any) -> float | None:
    """``extensions.cost.requestedQueryCost`` of a GraphQL answer."""
    cost = ((body or {}).get("extensions") or {}).get("cost") or {}
    value = cost.get("requestedQueryCost")
    return float(value) if value is not None else None


def classify_graphql(body: Any, *, connection: str | None, action: str | None) -> None:
    """Return if a 200 answer has no ``errors``; else raise RetriableError or FatalError."""
    errors = (body or {}).get("errors") if isinstance(body, Mapping) else None
    if not errors:
        return
    errors = errors if isinstance(errors, list) else [{"message": str(errors)}]
    codes = {str((e.get("extensions") or {}).get("code") or "") for e in errors}
    message = "; ".join(str(e.get("message", "error")) for e in errors)[:300]
    context = {"connection": connection, "action": action, "status": 200, "response_excerpt": message}
    if codes & RETRIABLE_CODES:
        status, cost = ThrottleStatus.of(body), requested_cost(body)
        wait = status.wait_for(cost) if status and cost else None
        kind = ThrottledError if "THROTTLED" in codes else RetriableError
        raise kind(f"shopify {'/'.join(sorted(codes & RETRIABLE_CODES))}", retry_after=wait, **context)
    raise FatalError(f"shopify GraphQL error: {message}", **context)


class ShopifyClient:
    """One shop's GraphQL Admin API: queries, cost-aware pacing, order polling."""

    def __init__(
        self,
        shop_url: str,
        access_token: str,
        *,
        api_version: str,
        timeout: float | tuple[float, float] = (5.0, 30.0),
        connection: str | None = None,
        max_wait: float = 30.0,
        throttle_attempts: int = THROTTLE_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ):
        base = f"{shop_url.rstrip('/')}/admin/api/{api_version}/"
        auth = ApiKeyAuth(access_token, header="X-Shopify-Access-Token")
        self.http = HttpClient(base, auth=auth, timeout=timeout, connection=connection)
        self.connection, self.max_wait, self.sleep = connection, max_wait, sleep
        self.throttle_attempts = max(1, throttle_attempts)
        self.throttle: ThrottleStatus | None = None
        self.costs: dict[str, float] = {}  # last requested cost of each query document

    def graphql(self, query: str, variables: Mapping[str, Any], *, action: str) -> dict[str, Any]:
        """Run one query and return its ``data``; waits first when the bucket is too low, and
        asks again (after a wait with a margin) while the answer is throttled."""
        self._pace(query)
        attempt = 1
        while True:
            try:
                return self._send(query, variables, action=action)
            except RetriableError as error:
                wait = self._throttle_wait(error, query)
                if wait is None or wait > self.max_wait or attempt >= self.throttle_attempts:
                    raise
            self.sleep(wait)
            attempt += 1

    def _send(self, query: str, variables: Mapping[str, Any], *, action: str) -> dict[str, Any]:
        body = self.http.request("POST", "graphql.json", json={"query": query, "variables": dict(variables)},
                                 action=action)
        self.throttle = ThrottleStatus.of(body) or self.throttle
        cost = requested_cost(body)
        if cost is not None:
            self.costs[query] = cost
        classify_graphql(body, connection=self.connection, action=action)
        return body.get("data") or {}

    def _throttle_wait(self, error: RetriableError, query: str) -> float | None:
        """Seconds to wait before asking again after a throttled answer; None when not throttled."""
        if not isinstance(error, ThrottledError) and error.status != 429:
            return None
        cost = self.costs.get(query)
        if self.throttle is not None and cost is not None and error.status != 429:
            return self.throttle.wait_with_margin(cost)
        if error.retry_after is not None:
            return error.retry_after * THROTTLE_MARGIN_FACTOR
        return DEFAULT_THROTTLE_WAIT

    def _pace(self, query: str) -> None:
        cost = self.costs.get(query)
        if self.throttle is None or cost is None:
            return
        wait = self.throttle.wait_for(cost)
        if wait > 0:
            self.sleep(min(wait, self.max_wait))

    def get_order(self, order_id: Any) -> dict[str, Any]:
        """The GraphQL order node for a numeric id or a gid; FatalError when there is none."""
        order = self.graphql(ORDER_QUERY, {"id": order_gid(order_id)}, action="get_order").get("order")
        if order is None:
            raise FatalError(f"order {order_id} not found", connection=self.connection, action="get_order")
        return order

    def poll_orders(self, cursor: Cursor, *, page_size: int) -> Iterator[PolledRecord]:
        """Orders updated at or after ``cursor.start``, oldest first, page by page.

        Each record stands on its own (its id and updatedAt come from its node), so nothing
        depends on where in an answer it sits. Pages follow Shopify's ``endCursor``, which
        holds the last order's sort key (updatedAt, id), not an offset: an order updated while
        the pages are read moves behind the cursor and comes again as a new version, and no
        other order shifts out of reach.
        """
        start = as_utc(cursor.start) if cursor.start else None
        search = f"updated_at:>='{start.astimezone(timezone.utc).isoformat().replace('+00:00', 'Z')}'" if start else None
        after: str | None = None
        while True:
            variables = {"first": page_size, "after": after, "query": search}
            page = self.graphql(ORDERS_QUERY, variables, action="poll:orders")["orders"]
            for edge in page["edges"]:
                record = self._polled(edge["node"])
                if start is None or record.updated_at >= start:
                    yield record
            info = page["pageInfo"]
            if not info["hasNextPage"] or not info.get("endCursor") or info["endCursor"] == after:
                return
            after = info["endCursor"]

    def _polled(self, node: Mapping[str, Any]) -> PolledRecord:
        updated = parse_timestamp(node["updatedAt"], self.connection, "orders")
        return PolledRecord(id=legacy_id(node), updated_at=updated, data=node)

    def close(self) -> None:
        """Close pooled connections."""
        self.http.close()
