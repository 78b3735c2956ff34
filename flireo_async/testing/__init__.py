"""
Test helpers for code that uses ``flireo_async``.

* [`RecordedTransport`][flireo_async.testing.RecordedTransport] replays JSON
  cassettes of recorded exchanges
  (and records them);
* [`MockTransport`][flireo_async.testing.MockTransport] answers requests with a
  function;
* [`flireo_async.testing.sandbox`][flireo_async.testing.sandbox] is a local
  Flireo API server, also
  available as the ``flireo_sandbox`` pytest fixture.
"""

from __future__ import annotations

from ._mock import MockTransport
from ._recorded import CassetteMismatchError, RecordedTransport


__all__ = ["CassetteMismatchError", "MockTransport", "RecordedTransport"]
