"""Running reports: papermill + nbconvert render (:mod:`.render`), warm kernels, jobs on any executor
with a lock and content staleness (:mod:`.jobs`, :mod:`.staleness`), the weekly run, the CLI runs.
Stage: pipeline. May import every analysis stage; only :mod:`helpers.cli` and :mod:`helpers.sim` import it."""
