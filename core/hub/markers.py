"""Hook markers. A leaf module: it imports nothing of the application, so a plugin
can ``from hub import hookimpl`` without pulling in the app (no circular imports)."""
import pluggy

PROJECT = "hub"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
