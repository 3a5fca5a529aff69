"""One ``ipnet`` application: every command's parser names it ``ipnet <subcommand>``.

Each subcommand's help (through the dispatcher and as its own ``python -m`` module, both
in-process), the options every command shares, the dispatcher leaving ``sys.argv`` and the
``commandline`` globals as it found them, and the one parser constructor
(:func:`pyspice_flows.app.commandline.command_parser`) that every module uses.
"""

import importlib
import runpy
import sys
import warnings
from pathlib import Path

import pytest
from inprocess_cli import ipnet, run_in_process

from area_energy import cli
from area_energy.cli import SUBCOMMANDS
from pyspice_flows.app import commandline

REPO = Path(__file__).resolve().parents[1]
ALIASES = {"behavioural-v4": "behavioural", "working-memory-v4": "working-memory"}
"""The aliases of SUBCOMMANDS and the subcommand each one runs."""
CANONICAL = {name: spec for name, spec in SUBCOMMANDS.items() if name not in ALIASES}
SIMULATING = {
    # subcommand -> the shared options it must take (design, device, temperature)
    "report": ("--design", "--device", "--temp"),
    "compare": ("--design", "--device", "--temp"),
    "netlists": ("--design", "--device", "--temp"),
    "sweep": ("--design",),
    "characterize": ("--device", "--temp"),
    "plasticity": ("--design", "--device", "--temp"),
    "working-memory": ("--design", "--device", "--temp"),
    "working-memory-v2": ("--design", "--device", "--temp"),
    "behavioural": ("--design", "--device", "--temp"),
    "behavioural-v2": ("--design", "--device"),
    "network": ("--temp",),
    "neuron-v4": ("--design", "--device", "--temp"),
    "switching-probability": ("--device", "--temp"),
    "thermal-spec": ("--device", "--temp"),
}


def _usage(text: str) -> str:
    """The usage block of a help text (up to the first blank line), on one line."""
    return " ".join(text.split("\n\n", 1)[0].split())


def test_the_aliases_are_those_of_subcommands():
    for alias, name in ALIASES.items():
        assert SUBCOMMANDS[alias][:2] == SUBCOMMANDS[name][:2]
    assert set(SIMULATING) == set(CANONICAL) - {"bench", "osdi"}


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_ipnet_subcommand_help_names_it_and_lists_the_shared_options(name, tmp_path, capsys):
    res = ipnet(capsys, name, "--help", cwd=tmp_path)
    assert res.code == 0, res.stderr
    assert res.stdout.startswith(f"usage: ipnet {name} "), res.stdout[:200]
    assert "python -m" not in _usage(res.stdout)
    for option in ("-h, --help", "--debug", "--out", *SIMULATING.get(ALIASES.get(name, name), ())):
        assert option in res.stdout, (name, option)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", list(CANONICAL))
def test_the_module_main_is_named_as_ipnet_knows_it(name, tmp_path, capsys):
    """``main(["--help"])`` of the module, called directly (no dispatcher): the same name."""
    main = importlib.import_module(SUBCOMMANDS[name][1]).main
    res = run_in_process(main, ["--help"], capsys, cwd=tmp_path)
    assert res.code == 0, res.stderr
    assert res.stdout.startswith(f"usage: ipnet {name} "), res.stdout[:200]


@pytest.mark.parametrize("name", list(CANONICAL))
def test_python_m_is_named_as_ipnet_knows_it_whatever_argv0(name, monkeypatch, capsys, tmp_path):
    """``python -m <module> --help`` run in-process (runpy, as the interpreter does), with
    an ``argv[0]`` that argparse would otherwise take for the name."""
    monkeypatch.setattr(sys, "argv", ["/somewhere/__main__.py", "--help"])
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():  # the module is imported already: runpy says so
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(SystemExit) as exc:
            runpy.run_module(SUBCOMMANDS[name][0], run_name="__main__", alter_sys=False)
    assert exc.value.code in (0, None)
    assert capsys.readouterr().out.startswith(f"usage: ipnet {name} ")
    assert not list(tmp_path.iterdir())


def _call_ipnet(*argv: str) -> int:
    """``cli.main(argv)`` called directly (not through run_in_process, which would put
    sys.argv back itself): its exit code, argparse's SystemExit included."""
    try:
        return cli.main(list(argv))
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize(
    "argv, code",
    [
        (("netlists", "--help"), 0),
        (("osdi", "--bogus"), 2),
        (("netlists", "--design", "nope.toml", "--out", "n", "--debug"), 1),
    ],
)
def test_ipnet_leaves_sys_argv_and_the_globals_as_it_found_them(argv, code, tmp_path, capsys):
    before = list(sys.argv)
    argv_object = sys.argv
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        assert _call_ipnet(*argv) == code
    assert sys.argv is argv_object and sys.argv == before
    assert commandline.PROG is None and commandline.DEBUG is False
    err = capsys.readouterr().err
    if code == 1:
        assert "ipnet netlists: error: --design nope.toml" in err
        assert "Traceback" in err  # --debug reached the handler


def test_an_alias_names_itself_in_its_errors(tmp_path, capsys):
    res = ipnet(capsys, "behavioural-v4", "--temp", "85", "--out", "o", cwd=tmp_path)
    assert res.code == 2
    assert res.stderr.startswith("usage: ipnet behavioural-v4 ")
    assert "ipnet behavioural-v4: error: argument --temp" in res.stderr


@pytest.mark.parametrize("name", ["neuron-v4", "behavioural-v2"])
def test_added_device_option_is_checked_before_any_work(name, tmp_path, capsys):
    res = ipnet(capsys, name, "--device", "none.toml", "--out", "o", cwd=tmp_path)
    assert res.code == 1
    line = res.error_line()
    assert line.startswith(f"ipnet {name}: error: ") and "none.toml" in line
    assert not (tmp_path / "o").exists()


def test_osdi_out_refuses_an_empty_folder_name(tmp_path, capsys):
    res = ipnet(capsys, "osdi", "--out", "", cwd=tmp_path)
    assert res.code == 2
    assert "argument --out: '' is empty; give a folder" in res.stderr


def test_command_parser_names_the_command_and_refuses_a_bad_name():
    assert commandline.command_parser("report", "d").prog == "ipnet report"
    assert commandline.tool_parser("a.b", "d").prog == "python -m a.b"
    with commandline.invoked_as("ipnet behavioural-v4"):
        assert commandline.command_parser("behavioural", "d").prog == "ipnet behavioural-v4"
    assert commandline.PROG is None
    for bad in ("", "two words", " report"):
        with pytest.raises(ValueError, match=f"command name {bad!r}: allowed one word"):
            commandline.command_parser(bad, "d")
    with pytest.raises(ValueError, match="prog='x': the name comes from the command"):
        commandline.command_parser("report", "d", prog="x")


def test_no_module_builds_its_own_argument_parser():
    """Every parser comes from commandline (command_parser, tool_parser); only the
    dispatcher's own top-level parser is built in area_energy/cli.py."""
    allowed = {Path("pyspice_flows/app/commandline.py"), Path("area_energy/cli.py")}
    offenders = []
    for package in ("circuits", "pyspice_flows", "area_energy", "behavioural"):
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO)
            if rel not in allowed and "ArgumentParser(" in path.read_text():
                offenders.append(str(rel))
    assert offenders == []
