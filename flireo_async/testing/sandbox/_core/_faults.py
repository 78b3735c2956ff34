"""
Seeded fault decisions and the fixed-window rate limiter.
"""

from __future__ import annotations

import math
import random
import time

import attrs

from ._config import ORDER_ROUTES, TELNYX_ORDER_ROUTES, Faults


_ERROR_STATUSES = (500, 502, 503)
_DROPS = frozenset({"drop_before_commit", "drop_after_commit"})
# The routes a drop can hit: the order POSTs of both modes.
_COMMIT_ROUTES = ORDER_ROUTES | TELNYX_ORDER_ROUTES


@attrs.frozen
class FaultDecision:
    """
    What the fault injector decided for one request.

    Attributes:
        kind: ``None`` or one of ``"error"``, ``"html_error"``,
            ``"rate_limit_burst"``, ``"slow"``, ``"drop_before_commit"``,
            ``"drop_after_commit"``.
        latency: Extra seconds of delay before the request is handled.
        status: The status of an ``"error"`` answer (500, 502 or 503).
    """

    kind: str | None
    latency: float
    status: int

    @property
    def label(self) -> str | None:
        """The name logged for this decision, e.g. ``"error_503"``."""
        if self.kind == "error":
            return f"error_{self.status}"
        return self.kind


class FaultPlanner:
    """
    Draws one `FaultDecision` per selected request from a seeded RNG.

    Args:
        faults: The fault configuration.
        seed: The sandbox seed.
    """

    def __init__(self, faults: Faults, seed: int) -> None:
        self._faults = faults
        self._rng = random.Random(f"flireo-sandbox-faults:{seed}")
        self._routes = faults.routes() if faults.active else frozenset()
        # Cumulative upper bounds of each kind on the [0, 1) roll.
        bounds: list[tuple[float, str]] = []
        total = 0.0
        for kind, rate in faults.kinds():
            total += rate
            bounds.append((total, kind))
        self._bounds = tuple(bounds)

    def draw(self, route: str) -> FaultDecision | None:
        """
        Decide the fault of one request to *route*.

        Args:
            route: The route name.

        Returns:
            ``None`` when the route is not selected (nothing is drawn);
            otherwise the decision, which may be "no fault".
        """
        if route not in self._routes:
            return None
        rng = self._rng
        # Always exactly three draws, so that the sequence only depends on
        # the order in which requests arrive.
        latency_roll, kind_roll, status_roll = (
            rng.random(),
            rng.random(),
            rng.random(),
        )
        low, high = self._faults.latency
        kind: str | None = None
        for bound, candidate in self._bounds:
            if kind_roll < bound:
                kind = candidate
                break
        if kind in _DROPS and route not in _COMMIT_ROUTES:
            kind = None
        return FaultDecision(
            kind,
            low + (high - low) * latency_roll,
            _ERROR_STATUSES[int(status_roll * len(_ERROR_STATUSES))],
        )


class RateLimiter:
    """
    A fixed-window limit of *limit* requests per *window* seconds per key.

    Args:
        limit: Requests allowed per window.
        window: Window length in seconds.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        # key -> [Unix end of the window, requests counted in it].  Windows
        # are aligned to the clock (multiples of *window* since the epoch),
        # as a per-minute counter on a real server is, so the whole-second
        # reset the headers report is exact rather than up to 1 s late.
        self._windows: dict[str, list[float]] = {}

    def hit(self, key: str) -> tuple[int, int, int | None]:
        """
        Count one request of *key*.

        Args:
            key: The API key.

        Returns:
            ``(remaining, reset, retry_after)``: requests left in the
            window, the window's end as a Unix timestamp in whole seconds,
            and ``None`` when the request is allowed or the seconds to wait
            (rounded up) when it is over the limit.
        """
        remaining, left, over = self.count(key)
        reset = math.ceil(self._windows[key][0])
        if over:
            return 0, reset, max(1, math.ceil(left))
        return remaining, reset, None

    def peek(self, key: str) -> tuple[int, float]:
        """
        Look at the window of *key* without counting a request.

        Returns:
            ``(remaining, end)``: requests left in the window and its end
            as a Unix time.
        """
        now = time.time()
        window = self._windows.get(key)
        if window is None or now >= window[0]:
            end = math.floor(now / self.window) * self.window + self.window
            return self.limit, end
        return max(0, self.limit - int(window[1])), window[0]

    def count(self, key: str) -> tuple[int, float, bool]:
        """
        Count one request of *key*, reporting the window in seconds.

        Args:
            key: The API key.

        Returns:
            ``(remaining, left, over)``: requests left in the window,
            seconds until it resets, and whether this request is over the
            limit.
        """
        now = time.time()
        window = self._windows.get(key)
        if window is None or now >= window[0]:
            start = math.floor(now / self.window) * self.window
            window = self._windows[key] = [start + self.window, 0]
        window[1] += 1
        left = window[0] - now
        if window[1] > self.limit:
            return 0, left, True
        return self.limit - int(window[1]), left, False
