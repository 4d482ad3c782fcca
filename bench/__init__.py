"""Benchmarks: `python -m bench` (or `make bench`) runs every bench/<area>.py main() and prints
figures."""
