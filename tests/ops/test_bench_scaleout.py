"""The benchmark's scale-out row: both processes loaded at once, their figures combined."""
import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scaleout(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))  # bench/ is a folder of the repository
    return importlib.import_module("bench.scaleout")


def test_both_processes_are_loaded_and_their_figures_combined(monkeypatch, scaleout):
    calls = []

    def fake_wrk(url, duration, connections, cookie):
        calls.append((url, duration, connections, cookie))
        fast = url.startswith("http://one")
        return {"rps": 600.0 if fast else 400.0, "p50": 5.0 if fast else 7.0,
                "p99": 20.0 if fast else 30.0, "errors": 0 if fast else 2}

    monkeypatch.setattr(scaleout, "wrk", fake_wrk)
    portals = [SimpleNamespace(url="http://one"), SimpleNamespace(url="http://two")]
    result = scaleout.both(portals, "/my", 3, 32, "hub_session=x")
    assert sorted(calls) == [("http://one/my", 3, 16, "hub_session=x"),
                             ("http://two/my", 3, 16, "hub_session=x")]
    assert result == {"rps": 1000.0, "p50": 7.0, "p99": 30.0, "errors": 2}


@pytest.mark.parametrize("env", [{"HUB_DATABASE_URL": "sqlite:///x.sqlite",
                                  "HUB_REDIS_URL": "redis://127.0.0.1/14"},
                                 {"HUB_DATABASE_URL": "postgresql://u@h/db"}])
def test_the_row_needs_postgresql_and_redis(monkeypatch, scaleout, env):
    monkeypatch.delenv("HUB_REDIS_URL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit, match="PostgreSQL database and HUB_REDIS_URL"):
        scaleout.main([])
