"""Hook implementations of the core's notifications (an internal plugin)."""
