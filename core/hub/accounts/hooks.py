"""Hook implementations of the core's accounts (an internal plugin)."""
