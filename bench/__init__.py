"""Performance benchmarks (not tests): `make bench`."""
