"""`hub demo` loads each hub's own demo content: the schools of config/another-hub.ini,
the patient organisations of config/development.ini."""
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from pyramid.paster import get_app

from hub.cli import main
from hub.testing import HubTestApp, html_text

ROOT = Path(__file__).resolve().parents[1]
PATIENT_ORGANISATIONS = {"sdruzeni-diabetes", "vzacna-onemocneni", "onko-pomoc",
                         "dusevni-zdravi", "spolek-mediku"}
PATIENT_TOPICS = {"rare-diseases", "diabetes", "oncology", "patient-rights"}
SCHOOLS = {"zs-komenskeho", "gymnazium-nerudy", "szs-ostrava", "sit-otevrenych-skol"}
SCHOOL_TOPICS = {"digital-literacy", "inclusive-education", "school-leadership"}
LOCAL_KEYS = ("sqlalchemy.url", "hub.jobs.backend", "hub.jobs.path", "hub.data_dir",
              "mail.backend")


def _copy_ini(name, tmp_path):
    """The ini file ``config/<name>`` on a database and data directory under ``tmp_path``."""
    local = {"sqlalchemy.url": f"sqlite:///{tmp_path / 'hub.sqlite'}",
             "hub.jobs.backend": "immediate", "hub.data_dir": str(tmp_path / "var"),
             "mail.backend": "files"}
    lines = []
    for line in (ROOT / "config" / name).read_text(encoding="utf-8").splitlines():
        if line.split("=", 1)[0].strip() in LOCAL_KEYS:
            continue
        lines.append(line)
        if line.strip() == "[app:main]":
            lines += [f"{key} = {value}" for key, value in local.items()]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path), local["sqlalchemy.url"]


def _load_demo(name, tmp_path, monkeypatch):
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    ini, url = _copy_ini(name, tmp_path)
    runner = CliRunner()
    upgrade = runner.invoke(main, ["-c", ini, "db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    demo = runner.invoke(main, ["-c", ini, "demo"])
    assert demo.exit_code == 0, demo.output
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        organisations = set(conn.exec_driver_sql("SELECT slug FROM organisation").scalars())
        topics = set(conn.exec_driver_sql("SELECT slug FROM topic").scalars())
        memberships = set(conn.exec_driver_sql(
            'SELECT u.email, o.slug, m.is_representative FROM membership m '
            'JOIN "user" u ON u.id = m.user_id '
            "JOIN organisation o ON o.id = m.organisation_id").all())
    engine.dispose()
    return ini, demo.output, organisations, topics, memberships


def _client(ini):
    app = get_app(ini)
    return HubTestApp(app, extra_environ={"wsgi.url_scheme": "https",
                                          "HTTP_HOST": "localhost"})


def _sign_in(client, email):
    from hub.accounts.models import User

    with client.app.registry["hub.dbsession_factory"]() as db:
        user = db.scalar(sa.select(User).where(User.email == email))
    return client.login(user)


def test_another_hub_demo_has_schools_not_patient_organisations(tmp_path, monkeypatch):
    ini, output, organisations, topics, memberships = _load_demo(
        "another-hub.ini", tmp_path, monkeypatch)
    assert SCHOOLS <= organisations
    assert not organisations & PATIENT_ORGANISATIONS
    assert SCHOOL_TOPICS <= topics and not topics & PATIENT_TOPICS
    assert ("rep@example.org", "zs-komenskeho", True) in memberships
    assert all(slug in SCHOOLS for _, slug, _ in memberships)
    # No plugin's demo content: the events and courses are the patient hub's.
    assert output.split() == ["demo", "data:", "core"]

    client = _client(ini)
    home = html_text(client.get("/"))
    assert "Vzdělávací hub" in home and "Pacientský Hub" not in home
    assert "Kurzy a akce pro učitele" in home
    mine = html_text(_sign_in(client, "rep@example.org").get("/my/organisations"))
    assert "Základní škola Komenského" in mine
    assert "Sdružení pacientů s diabetem" not in mine


def test_patient_hub_demo_keeps_its_organisations_and_topics(tmp_path, monkeypatch):
    ini, output, organisations, topics, memberships = _load_demo(
        "development.ini", tmp_path, monkeypatch)
    assert PATIENT_ORGANISATIONS <= organisations and not organisations & SCHOOLS
    assert PATIENT_TOPICS <= topics and not topics & SCHOOL_TOPICS
    assert {("rep@example.org", "sdruzeni-diabetes", True),
            ("member@example.org", "sdruzeni-diabetes", False)} <= memberships
    assert "events" in output.split()

    client = _client(ini)
    assert "Pacientský Hub" in html_text(client.get("/"))
    mine = html_text(_sign_in(client, "rep@example.org").get("/my/organisations"))
    assert "Sdružení pacientů s diabetem" in mine


def test_benchmark_organisations_are_named_by_the_hubs_data(dbsession):
    from hub.demo import add_benchmark_organisations, read_demo_data
    from hub.organizations.models import Organisation

    schools = read_demo_data("hub_theme_schools:demo-data.toml")
    add_benchmark_organisations(dbsession, 2, schools["benchmark"])
    names = set(dbsession.scalars(sa.select(Organisation.name).where(
        Organisation.slug.like("demo-organisation-%"))))
    assert names == {"Škola 1", "Škola 2"}


@pytest.mark.parametrize("settings, expected", [
    ({"hub.site_name": "Vzdělávací hub"}, ("Vzdělávací hub", "hub@example.org")),
    ({"hub.site_name": "Vzdělávací hub", "mail.sender": "skoly@example.cz"},
     ("Vzdělávací hub", "skoly@example.cz")),
    ({"hub.site_name": "Vzdělávací hub", "mail.sender": "Podpora <podpora@example.cz>"},
     ("Podpora", "podpora@example.cz")),
])
def test_mail_sender_is_named_after_the_hub_unless_configured(settings, expected):
    import email.utils

    from hub.mail import MailMessage, build_email

    mail = build_email(settings, MailMessage(id=1, recipient="jana@example.org",
                                             subject="Zpráva", text="Dobrý den"))
    assert email.utils.parseaddr(str(mail["From"])) == expected
