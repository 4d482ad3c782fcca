"""The data model and the store: canonical table schemas, Parquet partitions per session, viewer-id
pseudonyms, ISO weeks, and the scope (one session or a week) a report reads.
Stage: foundation. May import only :mod:`helpers.paths`."""
