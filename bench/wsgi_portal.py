"""The portal as gunicorn serves it in the benchmark (settings from the environment)."""
import os

from pyramid.paster import get_appsettings

from hub.app import make_app

settings = dict(get_appsettings(os.environ.get("HUB_CONFIG", "config/development.ini")))
settings["sqlalchemy.url"] = os.environ["BENCH_DATABASE_URL"]
settings["pyramid.reload_templates"] = "false"
settings["hub.jobs.backend"] = "immediate"
# The scale-out row (bench.scaleout): each process a machine of its own, sharing Redis.
if os.environ.get("BENCH_DATA_DIR"):
    settings["hub.data_dir"] = os.environ["BENCH_DATA_DIR"]
if os.environ.get("BENCH_REDIS_URL"):
    settings["hub.redis_url"] = os.environ["BENCH_REDIS_URL"]
app = make_app(settings)
