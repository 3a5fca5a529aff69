"""circuits.paths: where data file X is (package data through importlib.resources) and where
outputs go."""

from __future__ import annotations

from pathlib import Path

import pytest

from circuits import paths


def test_a_data_file_is_a_real_file_of_its_package():
    device = paths.model_file("devices", "ikeda2010_pmtj_40nm.toml")
    assert isinstance(device, Path) and device.is_file()
    assert device.parent == paths.DEVICES_DIR
    assert paths.data_file("circuits", "designs", "ipnet_v4.toml").is_file()
    assert (paths.VERILOG_A_DIR / "mtj.va").is_file()
    assert (paths.TECH_DIR / "cmos28.lib").is_file()


def test_an_unknown_data_file_is_named_with_what_its_folder_holds():
    with pytest.raises(FileNotFoundError) as err:
        paths.model_file("devices", "no_such_device.toml")
    msg = str(err.value)
    assert "'devices/no_such_device.toml'" in msg and "package 'models'" in msg
    assert "models/devices/ holds:" in msg and "ikeda2010_pmtj_40nm.toml" in msg


def test_an_unknown_folder_lists_the_nearest_existing_one():
    with pytest.raises(FileNotFoundError) as err:
        paths.data_file("circuits", "no_such_folder", "x.toml")
    msg = str(err.value)
    assert "'no_such_folder/x.toml'" in msg and "package 'circuits'" in msg
    assert "circuits/ holds:" in msg and "designs/" in msg
    assert "__init__.py" not in msg  # the listing names data, not the package's machinery


def test_an_unknown_package_is_refused_by_name():
    with pytest.raises(ModuleNotFoundError, match="no_such_package"):
        paths.data_file("no_such_package", "x.toml")


def test_outputs_go_to_the_checkout_or_the_named_root(monkeypatch, tmp_path):
    assert paths.IN_CHECKOUT  # the tests run from a checkout
    monkeypatch.delenv(paths.OUTPUT_ROOT_ENV, raising=False)
    assert paths.output_root() == paths.REPO_ROOT
    assert paths.BUILD_DIR == paths.OUTPUT_ROOT / "build"
    monkeypatch.setenv(paths.OUTPUT_ROOT_ENV, str(tmp_path / "out"))
    assert paths.output_root() == (tmp_path / "out").resolve()


def test_outside_a_checkout_outputs_go_to_the_current_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.OUTPUT_ROOT_ENV, raising=False)
    monkeypatch.setattr(paths, "IN_CHECKOUT", False)
    monkeypatch.chdir(tmp_path)
    assert paths.output_root() == tmp_path.resolve()


def test_shown_paths_are_relative_inside_the_roots():
    assert paths.shown(paths.BUILD_DIR / "netlists" / "x.cir") == "build/netlists/x.cir"
    assert paths.shown(paths.DEVICES_DIR / "d.toml") == "models/devices/d.toml"
    assert paths.shown("/elsewhere/x.cir") == "/elsewhere/x.cir"
