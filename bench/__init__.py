"""Query-count and timing benchmarks at production volumes (see bench/README.md)."""
