"""
What both APIs share, knowing neither (checked by ``lint-imports``).

A call reads as build → send (with retry) → decipher → structure:
``_sansio`` builds requests and deciphers answers as pure functions,
``_transport``/``_aiohttp`` send them, ``_retry`` (the only module that
imports backoff) retries them, ``_ratelimit`` keeps the server's window,
``_converter``/``_fastpath`` structure them into models, and ``_base``
wires it into one ``BaseClient``.  Each API brings a ``_dialect.Dialect``
value instead of override hooks; ``_once`` is the exactly-once loop of
every ordering POST, ``_pager`` the one paging walk, ``_telemetry`` the
optional OpenTelemetry spans.  Modules here are private: users import
``flireo_async`` and its public submodules.
"""
