"""Two portal processes, as on two machines: each with its own data directory, sharing only
one PostgreSQL database and one Redis, served by ``hub serve`` over real HTTP. A change made
through one is shown by the other within a second: kept pages, kept blocks and menus."""
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from hub.testing import TEST_SETTINGS, HTTPClient, make_user

HUB = Path(sys.executable).parent / "hub"
ONE_SECOND = 1.0
PLUGINS = "events news"
pytestmark = [pytest.mark.postgresql, pytest.mark.redis]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment() -> dict:
    env = dict(os.environ)
    for name in ("HUB_CONFIG", "HUB_DATABASE_URL", "HUB_REDIS_URL"):
        env.pop(name, None)  # would override the ini's settings
    return env


class Portal:
    """One ``hub serve`` process with an ini and a data directory of its own."""

    def __init__(self, directory: Path, database_url: str, redis_url: str):
        directory.mkdir()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = {**TEST_SETTINGS, "hub.plugins": PLUGINS, "hub.base_url": self.url,
                    "hub.allowed_hosts": "", "sqlalchemy.url": database_url,
                    "hub.redis_url": redis_url, "hub.data_dir": str(directory / "data")}
        self.ini = directory / "portal.ini"
        self.ini.write_text("[app:main]\nuse = egg:hub-core\n" + "".join(
            f"{key} = {value}\n" for key, value in settings.items()))
        self.log_path = directory / "serve.log"
        self.process = None

    def hub(self, *args: str) -> str:
        done = subprocess.run([str(HUB), "-c", str(self.ini), *args], env=_environment(),
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self) -> None:
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [str(HUB), "-c", str(self.ini), "serve", "--port", str(self.port),
                 "--threads", "4"], env=_environment(), stdout=log, stderr=subprocess.STDOUT)

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/health/live", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{self.url} did not start:\n{self.log()}")
            time.sleep(0.2)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)

    def cache_hits(self, region: str) -> float:
        """Kept values of ``region`` found so far, from the process's own /metrics."""
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as response:
            metrics = response.read().decode()
        pattern = re.compile(r'^hub_cache_lookups_total\{(?=[^}]*region="' + re.escape(region)
                             + r'[":])(?=[^}]*result="hit")[^}]*\} (\S+)$', re.M)
        return sum(float(value) for value in pattern.findall(metrics))


@pytest.fixture
def portals(tmp_path, redis_url):
    """Two served portals on one new PostgreSQL database and one Redis, migrated once."""
    base = os.environ.get("HUB_TEST_DATABASE_URL")
    if not base:
        pytest.skip("runs on PostgreSQL (HUB_TEST_DATABASE_URL): two processes share it")
    from hub.testing import _postgres_database

    database_url, drop = _postgres_database(base)  # need_service when it does not answer
    both = [Portal(tmp_path / name, database_url, redis_url) for name in ("one", "two")]
    try:
        both[0].hub("db", "upgrade")
        for portal in both:
            portal.start()
        for portal in both:
            portal.wait_until_ready()
        yield database_url, both
    finally:
        for portal in both:
            portal.stop()
        drop()


def within(seconds: float, condition, what: str = "") -> None:
    """``condition()`` becomes true within ``seconds`` from now."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {seconds:.2f} s"
        time.sleep(0.02)


def signed_in(client: HTTPClient, db, user_id: int) -> HTTPClient:
    """``client`` with a session of ``user_id``, as the sign-in form would leave it."""
    from hub.accounts.models import UserSession
    from hub.db import utcnow
    from hub.sessions import COOKIE_NAME, hash_token

    token = uuid.uuid4().hex + uuid.uuid4().hex
    db.add(UserSession(id=hash_token(token), user_id=user_id, data={}, created_at=utcnow(),
                       last_seen_at=utcnow()))
    client.cookies[COOKIE_NAME] = token
    return client


def test_a_change_made_through_one_process_is_shown_by_the_other_within_a_second(portals):
    from sqlalchemy.orm import Session

    from hub.db import make_engine
    from hub.shell import MENU_REGION
    from hub.tokens import create_token

    database_url, (one, two) = portals
    visitor = HTTPClient(two.url)
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            suffix = uuid.uuid4().hex[:8]
            staff = make_user(db, f"staff-{suffix}@example.org", role="staff")
            member = signed_in(HTTPClient(two.url), db,
                               make_user(db, f"member-{suffix}@example.org").id)
            editor = signed_in(HTTPClient(one.url), db, staff.id)
            _row, secret = create_token(db, staff, "two processes", scopes=("read", "write"))
            db.commit()
    finally:
        engine.dispose()

    title = f"Seminář {uuid.uuid4().hex[:8]}"
    about = "/news/pages/about"
    pages = {
        "kept page": (lambda: visitor.get("/events").text, "page:events.index"),
        "kept block": (lambda: member.get("/").text, "widget:events.upcoming"),
        "menu": (lambda: member.get("/my").text, MENU_REGION),
    }

    def shown_from_what_is_kept(fetch, region) -> bool:
        hits = two.cache_hits(region)
        page = fetch()
        assert title not in page and about not in page
        return two.cache_hits(region) > hits

    # The second process keeps what it shows (once it has reached Redis, which empties
    # everything it kept before).
    for name, (fetch, region) in pages.items():
        within(10, lambda fetch=fetch, region=region: shown_from_what_is_kept(fetch, region),
               f"{name} kept")

    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(microsecond=0)
    event = {"title": title, "address": "Praha", "starts_at": start.isoformat(),
             "ends_at": (start + dt.timedelta(hours=2)).isoformat()}
    created = HTTPClient(one.url).request(
        "POST", "/api/v1/events", json.dumps(event).encode(),
        {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"})
    assert created.status == 201, created.text
    changed = {"kept page": time.monotonic(), "kept block": time.monotonic()}
    saved = editor.post_form("/news/manage/pages/about", {
        "title_cs": "O hubu", "title_en": "About the hub", "body_cs": "<p>Kdo jsme</p>",
        "body_en": "<p>Who we are</p>"})
    assert saved.status == 303, saved.text
    changed["menu"] = time.monotonic()
    assert title in HTTPClient(one.url).get("/events").text  # the writer: at once

    for name, (fetch, _region) in pages.items():
        expected = about if name == "menu" else title
        # Within a second of the change, not of the previous check.
        within(changed[name] + ONE_SECOND - time.monotonic(),
               lambda fetch=fetch, expected=expected: expected in fetch(),
               f"{name} shown by the second process")
