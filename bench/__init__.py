"""Benchmarks outside `make test`: the storkommun generator and the runner behind `make bench`."""
