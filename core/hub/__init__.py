"""The Patient Hub core: a Pyramid application assembled from plugins."""
from hub.markers import hookimpl, hookspec

__all__ = ["hookimpl", "hookspec", "main"]


def main(global_config, **settings):
    """Paste entry point: build the WSGI application from ini settings."""
    from hub.app import make_app

    return make_app(settings, global_config=global_config)
