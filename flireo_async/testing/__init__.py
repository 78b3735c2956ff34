"""
Test helpers for code that uses ``flireo_async``.

* :class:`RecordedTransport` replays JSON cassettes of recorded exchanges
  (and records them);
* :class:`MockTransport` answers requests with a function;
* :mod:`flireo_async.testing.sandbox` is a local Flireo API server, also
  available as the ``flireo_sandbox`` pytest fixture.
"""

from __future__ import annotations

from ._mock import MockTransport
from ._recorded import CassetteMismatchError, RecordedTransport


__all__ = ["CassetteMismatchError", "MockTransport", "RecordedTransport"]
