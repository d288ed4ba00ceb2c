"""Background work: jobs in the database, huey to wake workers, leases so nothing is lost
or done twice (see :mod:`sensemaking.worker.jobs`, :mod:`sensemaking.worker.steps` and
:mod:`sensemaking.worker.queue`)."""

__all__: list[str] = []
