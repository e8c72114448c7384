"""Topics: the shared taxonomy of disease areas and themes used by every module."""
