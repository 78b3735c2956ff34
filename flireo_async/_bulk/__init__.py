"""
The one bulk engine (checked by ``lint-imports`` to know no API).

``_engine`` runs a job over any API through a placer value (Flireo's in
``flireo_async._bulk_order``, Telnyx's in ``flireo_async.telnyx._bulk``);
``_journal`` makes it re-runnable after a crash and owned by one job at a
time, ``_flow`` bounds its concurrency and credit spend, ``_seen`` keeps
its duplicate index flat, ``_models`` holds the values it reports.
"""
