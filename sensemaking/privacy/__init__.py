"""Privacy: identifiers redacted at ingest, pseudonymous storytellers, consent to quote,
erasure and retention.

- :mod:`sensemaking.privacy.redact`: personnummer, phone numbers, e-mail, addresses, names.
- :mod:`sensemaking.privacy.keys`: the project secret, pseudonyms, keyed hashes, sealing.
- :mod:`sensemaking.privacy.protect`: what ingest does to every row before storing it.
- :mod:`sensemaking.privacy.quotes`: which stories a report may quote.
- :mod:`sensemaking.privacy.erase`: erasure, retention, leaving no copy in the database.
"""

__all__: list[str] = []
