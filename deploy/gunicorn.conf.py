"""Gunicorn for the Patient Hub's web processes (docs/deployment.md).

    gunicorn -c /etc/hub/gunicorn.conf.py

Everything that differs between machines comes from the environment (the systemd unit):
HUB_CONFIG (the ini file), HUB_BIND (addresses to listen on, space-separated),
HUB_WEB_WORKERS, HUB_WEB_THREADS, HUB_TRUSTED_PROXIES (who may set X-Forwarded-Proto) and
PROMETHEUS_MULTIPROC_DIR (metrics of all workers added up at /metrics).
"""
import multiprocessing
import os
from pathlib import Path

# The application and its logging come from the ini file named by HUB_CONFIG.
os.environ.setdefault("HUB_CONFIG", "/etc/hub/production.ini")
wsgi_app = "hub.wsgi:application"
bind = os.environ.get("HUB_BIND", "127.0.0.1:8000").split()

# Threads let a worker wait for the database or Redis while serving other requests; the
# processes use the cores. Each process keeps up to sqlalchemy.pool_size (+ max_overflow)
# database connections: workers x that, per machine, must fit PostgreSQL's max_connections.
workers = int(os.environ.get("HUB_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("HUB_WEB_THREADS", "4"))

# Every worker loads the application itself (no preload): a reload (SIGHUP) then starts
# workers on the newly installed code while the old ones finish their requests.
preload_app = False
timeout = 60
graceful_timeout = 30
keepalive = 5
# Replace a worker now and then, so that nothing it accumulates can grow without bound.
max_requests = 5000
max_requests_jitter = 500

# The reverse proxy terminates TLS and says so in X-Forwarded-Proto (only believed from
# these addresses); the visitor's address is taken from X-Forwarded-For by the hub itself
# (hub.trusted_proxies).
forwarded_allow_ips = os.environ.get("HUB_TRUSTED_PROXIES", "127.0.0.1,::1")

# Access log on stdout (the journal), with the request id of every request.
accesslog = "-"
errorlog = "-"
access_log_format = ('%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s" '
                     'request_id=%({x-request-id}o)s')


def on_starting(server):
    """Metrics files of processes from an earlier run would be added up forever."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    """A worker that ended no longer counts towards live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
