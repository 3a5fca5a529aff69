"""Device files are validated against the model's own declarations before any simulation."""

import math
import re
import shutil
import warnings

import pytest

from circuits import device_schema
from circuits import mtj_model_spec as spec
from circuits.mtj_device import DEFAULT_DEVICE, DeviceWarning, MtjParams, load_device
from circuits.paths import DEVICES_DIR


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
            r"\[params.rp\]: rp=-1 ohm is out of range; allowed \[30, 3e\+07\] ohm \(RA",
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


# ----------------------------------------------------------------------------- physical ranges
def _set(key, value, unit=None):
    """Edit: the entry ``[params.key]`` gets ``value`` (and ``unit``)."""

    def edit(text):
        head, rest = text.split(f"[params.{key}]\n", 1)
        block, tail = rest.split("\n[", 1) if "\n[" in rest else (rest, None)
        block = re.sub(r"(?m)^value = .*$", f"value = {value}", block)
        if unit is not None:
            block = re.sub(r"(?m)^unit = .*$", f'unit = "{unit}"', block)
        return head + f"[params.{key}]\n" + block + ("\n[" + tail if tail is not None else "")

    return edit


@pytest.mark.parametrize(
    "key, value, allowed",
    [
        ("ic0", "39", r"ic0=39 A is out of range; allowed \[1e-06, 0.001\] A"),
        ("rth", "2.4e15", r"rth=2.4e\+15 K/W is out of range; allowed \[3000, 3e\+07\] K/W"),
        ("tmr0", "100", r"tmr0=100 is out of range; allowed \[0.1, 7\]"),
        ("tnom", "1", r"tnom=1 K is out of range; allowed \[200, 450\] K"),
        ("cth", "0", r"cth=0 J/K is out of range; allowed \[1e-19, 1e-12\] J/K"),
        ("delta0", "1e6", r"delta0=1e\+06 is out of range; allowed \[5, 150\]"),
        ("tau0", "1e-300", r"tau0=1e-300 s is out of range; allowed \[1e-15, 1e-07\] s"),
        ("vh", "1e-9", r"vh=1e-09 V is out of range; allowed \[0.1, 2\] V"),
        ("tc", "350", r"tc=350 K is out of range; allowed \[400, 1500\] K"),
        ("diameter", "-40e-9", r"diameter=-4e-08 m is out of range; allowed \[5e-09, 5e-07\] m"),
        ("alpha", "3", r"alpha=3 is out of range; allowed \[0.0001, 0.2\]"),
    ],
)
def test_a_physically_absurd_value_is_refused_with_its_range_and_reason(
    tmp_path, key, value, allowed
):
    path = _copy(tmp_path, _set(key, value))
    with pytest.raises(ValueError, match=allowed) as err:
        load_device(path)
    text = str(err.value)
    assert str(path) in text and f"[params.{key}]" in text and "\n" not in text
    assert text.rstrip().endswith(")")  # the range's reason closes the line


def test_every_physical_range_lies_inside_the_declaration_and_has_a_reason():
    declared = spec.parameters()
    for name, q in device_schema.model_quantities().items():
        d = declared[name]
        assert d.contains(q.lo) or (q.lo_open and q.lo == d.lo), name
        assert d.contains(q.hi) or math.isinf(q.hi), name
        assert q.reason, name
    numerical = {"ismooth"}  # a numerical smoothing width, not a device property
    missing = set(device_schema.model_quantities()) - set(device_schema.PHYSICAL) - numerical
    assert not missing, f"declared parameters without a physical range: {sorted(missing)}"


def test_every_shipped_device_loads_without_a_warning():
    files = sorted(DEVICES_DIR.glob("*.toml"))
    assert len(files) >= 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for path in files:
            dev = load_device(path)
            assert {"diameter", "ra", "alpha"} <= set(dev.provenance), path.name


def test_a_unit_of_the_same_dimension_is_converted_and_another_is_refused(tmp_path):
    dev = load_device(_copy(tmp_path, _set("rp", "7.958", "kOhm")))
    assert dev.params.rp == pytest.approx(7958.0)
    dev = load_device(_copy(tmp_path, _set("ic0", "49", "uA")))
    assert dev.params.ic0 == pytest.approx(49e-6)
    dev = load_device(_copy(tmp_path, _set("ra", "10", "ohm*um^2")))
    assert dev.provenance["ra"] == pytest.approx(1e-11)
    with pytest.raises(ValueError, match=r"\[params.rp\]: unit='A' does not convert to .*'ohm'"):
        load_device(_copy(tmp_path, _set("rp", "7.958e3", "A")))
    with pytest.raises(ValueError, match=r"\[params.rp\]: unit='furlongs'"):
        load_device(_copy(tmp_path, _set("rp", "7.958e3", "furlongs")))


def test_rp_must_agree_with_ra_and_diameter(tmp_path):
    path = _copy(tmp_path, _set("ra", "2.0e-11"))
    with pytest.raises(
        ValueError, match=r"rp=7958 ohm disagrees with ra .* = 1.592e\+04 ohm by 50%"
    ):
        load_device(path)
    # within the stated tolerance (rounding of the file's rp) it loads
    load_device(_copy(tmp_path, _set("rp", "8.2e3")))


def test_thermal_time_constant_outside_measured_scales_is_refused(tmp_path):
    load_device(_copy(tmp_path, _set("cth", "1e-12")))  # 3e5 x 1e-12 = 0.3 us: still measured
    slow = _copy(tmp_path, lambda t: _set("rth", "3e7")(_set("cth", "1e-12")(t)))
    with pytest.raises(ValueError, match=r"rth\*cth = 3e\+07 K/W x 1e-12 J/K = 3e-05 s; allowed"):
        load_device(slow)


def test_alpha_ic0_delta_disagreeing_with_the_macrospin_relation_is_a_warning(tmp_path):
    path = _copy(tmp_path, _set("alpha", "0.15"))
    with pytest.warns(DeviceWarning, match=r"ic0=49 uA is 0.19x the macrospin .* eta=0.6 assumed"):
        dev = load_device(path)
    assert dev.params.ic0 == 49e-6  # a warning: the values load
    ikeda = device_schema.macrospin_ic0_a(0.015, 40, 300)
    assert ikeda == pytest.approx(2.52e-5, rel=0.01)  # 4 e alpha Delta kB T / (hbar 0.6)
