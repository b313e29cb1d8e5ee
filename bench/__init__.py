"""Benchmarks: ``make bench`` runs ``python -m bench.run`` and writes Markdown tables to bench/results/."""
