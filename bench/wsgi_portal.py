"""The portal as gunicorn serves it in the benchmark (settings from the environment)."""
import os

from pyramid.paster import get_appsettings

from hub.app import make_app

settings = dict(get_appsettings(os.environ.get("HUB_CONFIG", "config/development.ini")))
settings["sqlalchemy.url"] = os.environ["BENCH_DATABASE_URL"]
settings["pyramid.reload_templates"] = "false"
settings["hub.jobs.backend"] = "immediate"
app = make_app(settings)
