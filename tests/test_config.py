"""Where the portal finds its folders: a checkout's top level, or the copies a wheel carries."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.config import default_instance_dir, installed, load_config, resource_dir

ROOT = Path(__file__).resolve().parents[1]


def test_a_checkout_uses_its_top_level_folders() -> None:
    assert not installed()
    assert resource_dir() == ROOT
    config = load_config({"PORTAL_ENV": "development"})
    assert config["BABEL_TRANSLATION_DIRECTORIES"] == str(ROOT / "translations")
    assert config["PORTAL_INSTANCE_DIR"] == str(ROOT / "instance")
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{ROOT / 'instance' / 'portal.db'}"


def test_a_checkout_keeps_instance_beside_the_package(tmp_path: Path) -> None:
    package = tmp_path / "portal"
    package.mkdir()
    assert resource_dir(package) == tmp_path
    assert default_instance_dir(package) == tmp_path / "instance"


def test_an_installed_wheel_uses_its_copies_and_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "portal"
    (package / "_resources").mkdir(parents=True)
    workdir = tmp_path / "srv"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    assert installed(package)
    assert resource_dir(package) == package / "_resources"
    assert default_instance_dir(package) == workdir / "instance"
