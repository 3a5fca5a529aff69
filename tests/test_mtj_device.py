"""Device files are validated against the model's own declarations before any simulation."""

import shutil

import pytest

from circuits import mtj_model_spec as spec
from circuits.mtj_device import DEFAULT_DEVICE, MtjParams, load_device


def _copy(tmp_path, edit):
    path = tmp_path / "dev.toml"
    shutil.copy(DEFAULT_DEVICE, path)
    path.write_text(edit(path.read_text()))
    return path


def test_the_default_device_loads_with_a_source_per_value():
    dev = load_device()
    assert isinstance(dev.params, MtjParams)
    for name in ("rp", "tmr0", "ic0", "delta0", "rth", "cth", "vh"):
        assert dev.sources[name].strip(), name


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda t: t.replace("[params.taup]", "[params.tuap]"),
            r"'tuap' \(did you mean 'taup'\?\)",
        ),
        (
            lambda t: t.replace("value = 7.958e3", "value = true"),
            r"\[params.rp\]: value=True is not a finite number",
        ),
        (
            lambda t: t.replace("value = 7.958e3", 'value = "8k"'),
            r"\[params.rp\]: value='8k' is not a finite number",
        ),
        (lambda t: t.replace("value = 7.958e3", "value = nan"), r"\[params.rp\]: value=nan"),
        (
            lambda t: t.replace("value = 7.958e3", "value = -1.0"),
            r"rp=-1.0 is out of range; allowed \(0, inf\) ohm",
        ),
        (
            lambda t: t.replace("[params.rp]\n", '[params.rp]\nunits = "ohm"\n'),
            r"'units' \(did you mean 'unit'\?\)",
        ),
        (
            lambda t: t + '\n[params.state0]\nvalue = 1\nsource = "x"\n',
            "state0 is set per instance",
        ),
        (lambda t: "bogus = 1\n" + t, "unknown top-level key"),
        (lambda t: t.replace("[params.rp]", "[params.rp"), "not valid TOML"),
    ],
)
def test_a_bad_device_file_is_refused_naming_file_key_and_allowed(tmp_path, edit, message):
    path = _copy(tmp_path, edit)
    with pytest.raises(ValueError, match=message) as err:
        load_device(path)
    assert str(path) in str(err.value)


def test_a_value_without_a_source_is_refused(tmp_path):
    def strip_source(text):
        head, rest = text.split("[params.ic0]", 1)
        block, tail = rest.split("\n[", 1)
        block = "\n".join(ln for ln in block.splitlines() if not ln.startswith("source"))
        return head + "[params.ic0]" + block + "\n[" + tail

    with pytest.raises(ValueError, match=r"\[params.ic0\] has no 'source'"):
        load_device(_copy(tmp_path, strip_source))


def test_a_missing_file_names_the_available_ones(tmp_path):
    with pytest.raises(FileNotFoundError, match="ikeda2010_pmtj_40nm.toml"):
        load_device(tmp_path / "nope.toml")


def test_the_spec_reader_reads_every_declaration():
    decl = spec.parameters()
    assert {"rp", "ic0", "tflip", "ismooth", "state0", "version"} <= set(decl)
    assert decl["rp"].units == "ohm" and decl["rp"].lo == 0 and decl["rp"].lo_open
    assert decl["kexp"].allowed() == "[0, 10]"
    assert decl["state0"].contains(1.0) and not decl["state0"].contains(0.0)
    assert spec.constant("MS_FLOOR") == pytest.approx(1e-3)
    with pytest.raises(KeyError, match="NOPE"):
        spec.constant("NOPE")
