"""
Staying under the account's rate limit instead of collecting 429s.

Two gates, shared by every task of one client: an optional client-side
ceiling in requests per second (evenly spaced slots, so a burst of tasks
does not all fire in the same millisecond), and the server's window from
``X-RateLimit-Remaining``/``-Reset``.  The window is counted down locally
as requests leave, because with many requests in flight the answers that
would report it arrive too late to help.
"""

from __future__ import annotations

import asyncio
import time

from ..exceptions import ConfigurationError, RateLimitError
from . import _telemetry


__all__ = ["RateGate"]


class RateGate:
    """
    Admission control in front of every attempt.

    Args:
        rate: Client-side ceiling in requests per second, or ``None``.
        max_wait: The longest window reset the gate will sit out; past
            it the request fails with ``RateLimitError`` instead.
    """

    def __init__(self, rate: float | None, *, max_wait: float) -> None:
        if rate is not None and rate <= 0:
            msg = "rate_limit must be a positive number of requests/second"
            raise ConfigurationError(msg)
        self._interval = 1.0 / rate if rate else 0.0
        self._next_slot = 0.0
        self._max_wait = max_wait
        self._remaining: int | None = None
        self._reset = 0.0

    @property
    def window(self) -> tuple[int | None, float]:
        """The locally counted ``(remaining, reset)`` of the server window."""
        return self._remaining, self._reset

    def pass_now(self) -> bool:
        """
        Admit one request if that takes no waiting (the usual case).

        Returns:
            ``True`` if the request may leave now (and is counted);
            ``False`` if it must go through `admit()`.
        """
        if self._interval:
            return False
        if self._remaining is None:
            return True
        if time.time() >= self._reset:
            self._remaining = None
            return True
        if self._remaining > 0:
            self._remaining -= 1
            return True
        return False

    async def admit(self) -> None:
        """
        Wait until one more request may leave.

        Raises:
            RateLimitError: The server window resets later than
                ``max_wait`` from now.
        """
        if self._interval:
            loop_now = time.monotonic()
            slot = max(loop_now, self._next_slot)
            self._next_slot = slot + self._interval
            if slot > loop_now:
                _telemetry.event(
                    "rate_limit_wait",
                    {"delay_s": slot - loop_now, "source": "rate_limit"},
                )
                await asyncio.sleep(slot - loop_now)
        while self._remaining is not None:
            now = time.time()
            if now >= self._reset:
                # The window has turned over; the next answer reports the
                # new one.
                self._remaining = None
                break
            if self._remaining > 0:
                self._remaining -= 1
                break
            wait = self._reset - now
            if wait > self._max_wait:
                msg = (
                    f"rate-limit window exhausted; it resets in {wait:.0f}s,"
                    f" longer than the {self._max_wait:g}s the policy waits"
                )
                # Said once, then forgotten: a window held on to would
                # keep every later request from reaching the server, whose
                # next answer is the only thing that can correct it (one
                # answer saying "resets in 2100" must not brick a client).
                self._remaining = None
                raise RateLimitError(msg, status=429, retry_after=wait)
            _telemetry.event(
                "rate_limit_wait", {"delay_s": wait, "source": "server_window"}
            )
            await asyncio.sleep(wait)

    def observe(self, window: tuple[int, float, int | None] | None) -> None:
        """
        Fold an answer's window (`rate_window()`) into the gate's.

        Args:
            window: ``(remaining, reset, limit)``, or ``None`` for an
                answer without one.
        """
        if window is None:
            return
        remaining, reset, _ = window
        if self._remaining is not None and reset == self._reset:
            # Answers overtake each other; within one window the lowest
            # count is the truest.
            self._remaining = min(self._remaining, remaining)
        elif reset >= self._reset:
            self._remaining = remaining
            self._reset = reset
