"""The Patient Hub core: a Pyramid application assembled from plugins."""
import warnings

# Pyramid imports pkg_resources, which warns on import; setuptools is pinned below the
# release that removed it (setup.cfg). The hub itself does not use it.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

from hub.markers import hookimpl, hookspec  # noqa: E402

PLUGIN_API = "1.0"

__all__ = ["PLUGIN_API", "hookimpl", "hookspec", "main"]


def main(global_config, **settings):
    """Paste entry point: build the WSGI application from ini settings."""
    from hub.app import make_app

    return make_app(settings, global_config=global_config)
