"""Read a SPICE raw file (the format VACASK writes, binary or ASCII) into numpy arrays,
and name VACASK's vectors as ngspice names them.

Pure functions: :func:`parse_raw` returns the plot name and every vector by its name as
written in the file (one plot per file: VACASK writes one file per analysis);
:func:`ngspice_name` maps such a name to ngspice's.
"""

from __future__ import annotations

import numpy as np

_HEADER_KEYS = {"title", "date", "plotname", "flags", "no. variables", "no. points", "command"}


class RawFileError(ValueError):
    """The bytes are not a raw file this reader understands."""


def parse_raw(data: bytes) -> tuple[str, dict[str, np.ndarray]]:
    """(plot name, {vector name: values}) of a raw file's only plot.

    Real plots give float64 arrays, complex plots complex128 arrays.
    """
    header: dict[str, str] = {}
    names: list[str] = []
    pos = 0
    in_vars = False
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            raise RawFileError("raw file ends inside its header")
        line = data[pos:end].decode("ascii", errors="replace").rstrip("\r")
        pos = end + 1
        low = line.strip().lower()
        if low in ("binary:", "values:"):
            kind = low[:-1]
            break
        if in_vars and line[:1] in ("\t", " ") and line.strip():
            fields = line.split()
            if len(fields) < 2:
                raise RawFileError(f"cannot read the variable line {line!r}")
            names.append(fields[1])
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise RawFileError(f"cannot read the header line {line!r}")
        key = key.strip().lower()
        in_vars = key == "variables"
        if key in _HEADER_KEYS:
            header[key] = value.strip()
    try:
        n_vars = int(header["no. variables"])
        n_points = int(header["no. points"])
    except (KeyError, ValueError):
        raise RawFileError("raw file header lacks 'No. Variables' or 'No. Points'") from None
    if len(names) != n_vars:
        raise RawFileError(f"header announces {n_vars} variables, lists {len(names)}")
    complex_ = "complex" in header.get("flags", "").lower()
    width = 2 if complex_ else 1
    if kind == "binary":
        needed = n_points * n_vars * width * 8
        body = data[pos : pos + needed]
        if len(body) < needed:
            # a run cut short writes fewer points than announced: keep the whole ones
            n_points = len(body) // (n_vars * width * 8)
            body = body[: n_points * n_vars * width * 8]
        table = np.frombuffer(body, dtype="<f8").reshape(n_points, n_vars * width)
    else:
        table = _ascii_values(data[pos:].decode("ascii", errors="replace"), n_vars, width)
    if complex_:
        table = table[:, 0::2] + 1j * table[:, 1::2]
    vectors = {name: np.array(table[:, k]) for k, name in enumerate(names)}
    return header.get("plotname", ""), vectors


def _ascii_values(text: str, n_vars: int, width: int) -> np.ndarray:
    numbers: list[float] = []
    for k, tok in enumerate(text.split()):
        # each point starts with its index, then one value (or re,im) per variable
        if k % (n_vars + 1) == 0:
            continue
        numbers.extend(float(x) for x in tok.split(","))
    n = len(numbers) // (n_vars * width)
    return np.array(numbers[: n * n_vars * width]).reshape(n, n_vars * width)


# ----------------------------------------------------------------------------- names
def ngspice_name(name: str) -> str:
    """The ngspice vector name of a VACASK result name.

    ``x1:q`` -> ``x1.q`` (a node in a subcircuit); ``v1:flow(br)`` -> ``v1#branch`` and
    ``x1:vs:flow(br)`` -> ``v.x1.vs#branch`` (a source's current); ``n1:m`` -> ``n1#m``
    and ``x1:nmtj:m`` -> ``n.x1.nmtj#m`` (a device's internal node); ``x1:mn1.id`` ->
    ``@m.x1.mn1[id]`` (a device quantity).
    """
    name = name.lower()
    if "." in name:  # a device quantity, VACASK's <instance>.<quantity>
        inst, quantity = name.rsplit(".", 1)
        path = inst.split(":")
        device = f"{path[-1][0]}." + ".".join(path) if len(path) > 1 else path[0]
        return f"@{device}[{quantity}]"
    parts = name.split(":")
    if len(parts) == 1:
        return parts[0]
    if parts[-1] == "flow(br)":
        inst, path = parts[-2], parts[:-2]
        return (f"{inst[0]}." + ".".join([*path, inst]) if path else inst) + "#branch"
    owner, path = parts[-2], parts[:-2]
    if owner.startswith("x"):  # a node inside a subcircuit instance
        return ".".join(parts)
    device = f"{owner[0]}." + ".".join([*path, owner]) if path else owner
    return f"{device}#{parts[-1]}"
