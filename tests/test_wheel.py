"""`pip install .` gives a working portal: the wheel, installed apart from the checkout, serves
the Korean site under gunicorn after `flask --app portal db upgrade`, as the README says.

The wheel is built offline from a copy of the sources without any compiled catalog (with this
environment's setuptools and Babel: `pip wheel --no-build-isolation --no-index`), and installed
into a fresh virtualenv that sees this environment's dependencies through a .pth file but not
the checkout or its editable install. Everything runs from a scratch directory of its own.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from packaging.version import Version

from tests.live import script_module

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
FOLDERS = ("portal", "templates", "static", "translations")
NOT_SOURCES = shutil.ignore_patterns("__pycache__", "*.py[co]", "*.mo", "_resources")

servers = script_module("servers")

# What the installed portal says about itself: where its code and folders come from.
PROBE = """
import json, sys
from portal import create_app
app = create_app()
print(json.dumps({
    "modules": sorted({m.__file__ for n, m in sys.modules.items()
                       if n.split(".")[0] == "portal" and getattr(m, "__file__", None)}),
    "templates": app.jinja_loader.searchpath,
    "static": app.static_folder,
    "translations": app.config["BABEL_TRANSLATION_DIRECTORIES"],
    "migrations": app.extensions["migrate"].directory,
    "instance": app.instance_path,
    "uploads": app.config["PORTAL_UPLOAD_DIR"],
}))
"""


@dataclass
class Installed:
    python: Path
    site: Path
    workdir: Path
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.python), *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done


def _sources(target: Path) -> Path:
    """The files a build reads, copied without compiled catalogs or an earlier build."""
    target.mkdir()
    for name in SOURCES:
        shutil.copy2(ROOT / name, target / name)
    for name in FOLDERS:
        shutil.copytree(ROOT / name, target / name, ignore=NOT_SOURCES)
    return target


def _wheel(tmp: Path) -> Path:
    if Version(version("setuptools")) < Version("70.1"):  # its own bdist_wheel
        pytest.fail("building the wheel needs setuptools>=70.1 here: run `make install-test`")
    source = _sources(tmp / "src")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    command += ["--no-index", "--quiet", "--wheel-dir", str(tmp / "dist"), str(source)]
    built = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp / "dist").glob("portal-*.whl")
    return wheel


def _venv(tmp: Path, wheel: Path) -> tuple[Path, Path]:
    """A fresh virtualenv with the wheel installed; its dependencies are this environment's."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "venv")], check=True)
    python = tmp / "venv" / "bin" / "python"
    paths = ("purelib", "platlib")
    found = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    site = Path(found.stdout.strip())
    # A .pth line only adds the folder: the editable install's own .pth in it is not run.
    ours = dict.fromkeys(sysconfig.get_path(name) for name in paths)
    (site / "portal-test-deps.pth").write_text("\n".join(ours) + "\n")
    command = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    installed = subprocess.run(
        [*command, "--no-deps", "--no-index", str(wheel)], capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python, site


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("wheel")
    python, site = _venv(tmp, _wheel(tmp))
    workdir = tmp / "srv"
    (workdir / "instance").mkdir(parents=True)  # the SQLite default is instance/portal.db
    shutil.copy2(ROOT / "deploy" / "gunicorn.conf.py", workdir)
    env = {
        name: value
        for name, value in servers.portal_env("unused", "memory://", workdir).items()
        if name not in ("PORTAL_DATABASE_URL", "PORTAL_INSTANCE_DIR", "PORTAL_UPLOAD_DIR")
        and name not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
    }
    return Installed(python, site, workdir, env)


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[int]:
    """`flask --app portal db upgrade`, then gunicorn 'portal.wsgi:app', from the wheel."""
    installed.run("-m", "flask", "--app", "portal", "db", "upgrade")
    server = servers.start_gunicorn(
        installed.env,
        installed.workdir / "gunicorn.log",
        workers=1,
        app="portal.wsgi:app",
        cwd=installed.workdir,
        gunicorn=[str(installed.python), "-m", "gunicorn"],
    )
    with servers.stopping([server]):
        servers.wait_ready(server, timeout=60)
        yield server.port


def test_the_installed_portal_reads_nothing_from_the_checkout(installed: Installed) -> None:
    found = json.loads(installed.run("-c", PROBE).stdout)
    package = installed.site / "portal"
    assert found["modules"] and all(Path(m).is_relative_to(package) for m in found["modules"])
    assert found["templates"] == [str(package / "_resources" / "templates")]
    assert found["static"] == str(package / "_resources" / "static")
    assert found["translations"] == str(package / "_resources" / "translations")
    assert found["migrations"] == str(package / "migrations")
    # site-packages is no place for a database: instance/ is the working directory's.
    assert found["instance"] == str(installed.workdir / "instance")
    assert found["uploads"] == str(installed.workdir / "instance" / "uploads")


def test_the_wheel_carries_compiled_catalogs_and_the_migrations(installed: Installed) -> None:
    package = installed.site / "portal"
    for language in ("ko", "en"):
        assert (package / "_resources/translations" / language / "LC_MESSAGES/messages.mo").stat()
    assert not list((package / "_resources").rglob("*.po"))
    # setup.py copies templates/ whole, so the takedown notices (plain text) come along.
    notices = {p.name for p in (package / "_resources/templates/notices").glob("*.txt")}
    assert notices == {p.name for p in (ROOT / "templates/notices").glob("*.txt")}
    assert {"_ko.txt", "_en.txt", "police.ko.txt", "report_form.en.txt"} <= notices
    migrations = package / "migrations"
    assert (migrations / "alembic.ini").is_file() and (migrations / "script.py.mako").is_file()
    assert {p.name for p in (migrations / "versions").glob("*.py")} == {
        p.name for p in (ROOT / "portal/migrations/versions").glob("*.py")
    }


NOTICE_PROBE = """
import datetime, json
from portal.takedown.notices import NoticeLink, Org, render_notice, template_dir
day = datetime.date(2026, 12, 3)
notice = render_notice("police", "web", "ko", [NoticeLink("https://example.org/a", day, "web")],
                       Org("Org", "o@example.org", "1", "A"), harms={"deepfake"},
                       minor_involved=False, today=day)
print(json.dumps({"folder": str(template_dir()), "body": notice.body}))
"""


def test_the_installed_portal_writes_notices_from_its_own_templates(installed: Installed) -> None:
    found = json.loads(installed.run("-c", NOTICE_PROBE).stdout)
    assert found["folder"] == str(installed.site / "portal/_resources/templates/notices")
    assert "제14조의2(허위영상물 등의 반포등)" in found["body"]


def test_db_upgrade_made_the_database_in_the_working_directory(
    installed: Installed, served: int
) -> None:
    assert (installed.workdir / "instance" / "portal.db").stat().st_size > 0
    assert not (installed.site / "instance").exists()


def _korean(message_id: str) -> str:
    with open(ROOT / "translations/ko/LC_MESSAGES/messages.po", "rb") as handle:
        message = read_po(handle, locale="ko")[message_id]
    assert message is not None and message.string
    return str(message.string)


def test_gunicorn_serves_the_korean_site(served: int) -> None:
    page = servers.Browser(served).get("/")  # Accept-Language: ko
    assert page.status == 200
    assert '<html lang="ko">' in page.body
    assert _korean("Start a report") in page.body
    assert 'href="/static/css/portal.css"' in page.body


def test_gunicorn_serves_the_english_site(served: int) -> None:
    page = servers.Browser(served).get("/?lang=en")
    assert page.status == 200
    assert '<html lang="en">' in page.body
    assert "Start a report" in page.body


def test_gunicorn_serves_the_static_files(served: int) -> None:
    css = servers.Browser(served).get("/static/css/portal.css")
    assert css.status == 200
    assert css.headers["content-type"].startswith("text/css")
    assert css.body == (ROOT / "static/css/portal.css").read_text(encoding="utf-8")


def _setup_module():
    spec = importlib.util.spec_from_file_location("portal_setup", ROOT / "setup.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # not __main__: defines the build step, builds nothing
    return module


PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'


def _po(tmp_path: Path, body: str) -> Path:
    source = tmp_path / "translations"
    (source / "ko" / "LC_MESSAGES").mkdir(parents=True)
    (source / "ko" / "LC_MESSAGES" / "messages.po").write_text(PO_HEADER + body, "utf-8")
    return source


def test_the_build_compiles_catalogs_without_fuzzy_entries(tmp_path: Path) -> None:
    from babel.support import Translations

    source = _po(
        tmp_path,
        'msgid "Start a report"\nmsgstr "신고하기"\n\n#, fuzzy\nmsgid "Guess"\nmsgstr "추측"\n',
    )
    (mo,) = _setup_module().compile_catalogs(source, tmp_path / "out")
    assert mo == tmp_path / "out" / "ko" / "LC_MESSAGES" / "messages.mo"
    with mo.open("rb") as handle:
        translations = Translations(handle)
    assert translations.gettext("Start a report") == "신고하기"
    assert translations.gettext("Guess") == "Guess"


def test_a_broken_catalog_stops_the_build(tmp_path: Path) -> None:
    source = _po(tmp_path, '#, python-format\nmsgid "%(name)s is empty."\nmsgstr "%(nom)s"\n')
    with pytest.raises(SystemExit, match="placeholder"):
        _setup_module().compile_catalogs(source, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_no_catalog_stops_the_build(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no catalogs"):
        _setup_module().compile_catalogs(tmp_path, tmp_path / "out")
