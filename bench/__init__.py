"""Benchmarks: figures printed for a reader, no pass/fail thresholds (``python -m bench``)."""
