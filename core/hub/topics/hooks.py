"""Hook implementations of the core's topics (an internal plugin)."""
