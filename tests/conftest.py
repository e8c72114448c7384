"""Core tests use the fixtures of ``hub.testing`` (loaded as a pytest plugin)."""
