"""Benchmark harness: `python -m bench` runs the registered measurements and reports them."""
