"""The reference switch (sitegen/core/devices.py): every speed device can be switched off,
and the bundled site built without any is the site built with all of them, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.build.pipeline import Project, build
from sitegen.core import devices
from sitegen.core.errors import BuildError
from tests.sites import ROOT, copy_content, run_sitegen


@pytest.fixture(autouse=True)
def _no_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(devices.REFERENCE, raising=False)
    monkeypatch.delenv(devices.OFF, raising=False)


def test_every_device_is_on_unless_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert all(getattr(devices, name) for name in devices.DEVICES) and not devices.reference()
    monkeypatch.setenv(devices.OFF, "patch, codegen")
    assert not devices.patch and not devices.codegen and devices.workers
    monkeypatch.setenv(devices.REFERENCE, "1")
    assert not any(getattr(devices, name) for name in devices.DEVICES) and devices.reference()
    monkeypatch.setenv(devices.REFERENCE, "0")
    assert devices.workers and not devices.patch


def test_a_misspelt_device_is_an_error_that_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(devices.OFF, "codgen")
    with pytest.raises(BuildError, match="no speed device named codgen"):
        devices.codegen  # noqa: B018
    with pytest.raises(AttributeError):
        devices.warp_drive  # noqa: B018


def test_a_misspelt_device_stops_the_command_with_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = copy_content(ROOT / "content", tmp_path)
    monkeypatch.setenv(devices.OFF, "codgen")
    done = run_sitegen("build", "--content", content, "--output", tmp_path / "site", "--no-search")
    assert done.returncode == 2
    assert "no speed device named codgen" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "site").exists()


def site_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_bundled_site_is_the_reference_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes (the workers device) and every other device, against one process and none."""
    content = copy_content(ROOT / "content", tmp_path)

    def built(name: str) -> dict[str, bytes]:
        out = tmp_path / name / "site"
        build(Project(content, tmp_path / "none", out, cache=tmp_path / name / "cache"), search=False, workers=2)
        return site_files(out)

    fast = built("devices")
    monkeypatch.setenv(devices.REFERENCE, "1")
    assert fast == built("reference")
    assert len(fast) > 300
