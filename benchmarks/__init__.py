"""Benchmark exports at any scale (generate), and the benchmark that times the dashboard against its targets (run)."""
