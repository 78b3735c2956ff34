"""
Seeded fault decisions and the fixed-window rate limiter.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable

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


@attrs.frozen(kw_only=True)
class RateWindow:
    """
    How one API reports its rate-limit window, and its 429.

    Every answer of a limited sandbox carries the window; the two APIs
    differ only in the values below, so the counting is written once.

    Attributes:
        names: The limit, remaining and reset header names, in the case
            the API sends them.
        reset: The reset header's value from the window's end (a Unix
            time) and the seconds left until it: Flireo sends the former,
            Telnyx the latter.
        retry_after: Whether a 429 carries ``Retry-After`` (Telnyx
            documents none: its reset header is the only hint).
        body: The 429 body, given the seconds to wait.
    """

    names: tuple[str, str, str]
    reset: Callable[[float, float], str]
    retry_after: bool
    body: Callable[[int], bytes]

    def count(
        self, limiter: RateLimiter, key: str, headers: dict[str, str]
    ) -> bytes | None:
        """Count a request, set the headers; the 429 body when over."""
        remaining, end, left, over = limiter.take(key)
        self._set(headers, limiter.limit, remaining, self.reset(end, left))
        if not over:
            return None
        wait = max(1, math.ceil(left))
        if self.retry_after:
            headers["Retry-After"] = str(wait)
        return self.body(wait)

    def peek(
        self, limiter: RateLimiter, key: str, headers: dict[str, str]
    ) -> None:
        """Set the headers of an answer that is not counted."""
        remaining, end = limiter.peek(key)
        left = end - time.time()
        self._set(headers, limiter.limit, remaining, self.reset(end, left))

    def burst(
        self, limit: int | None, wait: int, headers: dict[str, str]
    ) -> bytes:
        """
        Set the headers of an injected 429 and return its body.

        Shaped like the limit's own 429: nothing left until *wait* has
        passed; the limit is named only when one is configured.
        """
        reset = self.reset(math.ceil(time.time() + wait), wait)
        self._set(headers, limit, 0, reset)
        if self.retry_after:
            headers["Retry-After"] = str(wait)
        return self.body(wait)

    def _set(
        self,
        headers: dict[str, str],
        limit: int | None,
        remaining: int,
        reset: str,
    ) -> None:
        limit_name, remaining_name, reset_name = self.names
        if limit is not None:
            headers[limit_name] = str(limit)
        headers[remaining_name] = str(remaining)
        headers[reset_name] = reset


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

    def take(self, key: str) -> tuple[int, float, float, bool]:
        """
        Count one request of *key*.

        Args:
            key: The API key.

        Returns:
            ``(remaining, end, left, over)``: requests left in the window,
            its end as a Unix time, the seconds until then, and whether
            this request is over the limit.
        """
        now = time.time()
        window = self._windows.get(key)
        if window is None or now >= window[0]:
            start = math.floor(now / self.window) * self.window
            window = self._windows[key] = [start + self.window, 0]
        window[1] += 1
        end = window[0]
        if window[1] > self.limit:
            return 0, end, end - now, True
        return self.limit - int(window[1]), end, end - now, False
