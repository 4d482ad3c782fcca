"""Building blocks of the seeded simulator (public entry: :mod:`helpers.simulate`)."""
