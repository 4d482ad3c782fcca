"""Building blocks of the seeded simulator (public entry: :mod:`helpers.sim.simulate`).

Stage: test instrument. May import the foundation, ingest, comments and the pipeline; nothing
imports it but the CLI.
"""
