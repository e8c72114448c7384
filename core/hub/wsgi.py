"""The WSGI application for servers that import one (gunicorn, uWSGI): ``hub.wsgi:application``.

It is built from the ini file in ``$HUB_CONFIG`` (else ``config/development.ini``), with the
logging that file configures, exactly as ``hub serve`` builds it.
"""
import os

from pyramid.paster import get_app, setup_logging

CONFIG = os.environ.get("HUB_CONFIG") or "config/development.ini"

setup_logging(CONFIG)
application = get_app(CONFIG, "main")
