"""Running reports: papermill + nbconvert render (:mod:`.render`), warm kernels, jobs on any
executor with a lock and content staleness (:mod:`.jobs`, :mod:`.staleness`), the weekly run.
Stage: pipeline. May import the foundation, ingest, room and weekly; only cli and sim import it."""
