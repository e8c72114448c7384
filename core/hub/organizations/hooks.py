"""Hook implementations of the core's organizations (an internal plugin)."""
