"""Benchmarks: ``python -m bench`` prints each figure beside a baseline from the same run."""
