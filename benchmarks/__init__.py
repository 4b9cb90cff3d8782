"""Benchmarks: the real bot against the local Discord stand-in, side by side with bare discord.py.

Run `python -m benchmarks`; it writes docs/benchmarks.md. Kept out of the test run (testpaths is `tests`).
"""
