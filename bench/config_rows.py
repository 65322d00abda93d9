"""The rows of csrc/runtime/config_table.cpp's kGemmRows and kGemvRows as Python sees them: read,
look up (the same first-match scan as lookup_gemm / lookup_gemv) and rewrite one row's
configuration in place. bench/tune_matmul.py --write uses it to write what it measured into the
table; tests/test_tuning_table.py checks it against the file. No GPU needed.

A row is one line of the array's initializer, e.g.
    {90, true, 2, 768, kAny, kAny, {128, 128, 64, 8, 8, 5, false, false}},     (kGemmRows)
    {90, 2, 16, 8192, kAny, {32, 128, 4, 5, false, false}},                     (kGemvRows)
"""
import dataclasses
import datetime
import math
import os
import re

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "csrc", "runtime", "config_table.cpp")
ANY = float("inf")  # kAny
_ROW = re.compile(r"^(\s*)\{([^{}]*), \{([^{}]*)\}\},(.*)$")
# the comment --write puts above a row it changed (replaced by the next --write of that row)
_WRITTEN = re.compile(r"^\s*// bench/tune_matmul\.py --write ")
_CONTINUED = "   "  # its later lines: "//" and this, then a space


@dataclasses.dataclass
class Row:
    line: int      # index in the file's lines
    key: tuple     # GemmRow: (arch, tma, elem_bytes, max_m, max_n, max_k); GemvRow: (arch, elem_bytes, max_t, max_r, max_k)
    config: tuple  # the inner braces, as C++ spells them (ints and bools)


def _value(text):
    text = text.strip()
    if text == "kAny":
        return ANY
    if text in ("true", "false"):
        return text == "true"
    return int(text)


def _spell(v):
    if v is True or v is False:
        return "true" if v else "false"
    return "kAny" if v == ANY else str(int(v))


def read(array, path=None):
    """The rows of `array` ("kGemmRows" or "kGemvRows"), in order."""
    with open(path or TABLE) as f:
        lines = f.read().split("\n")
    start = next(i for i, s in enumerate(lines) if re.match(rf"^const \w+ {array}\[\] = \{{", s))
    rows = []
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("};"):
            return rows
        m = _ROW.match(lines[i])
        if m:
            key = tuple(_value(v) for v in m.group(2).split(","))
            rows.append(Row(i, key, tuple(_value(v) for v in m.group(3).split(","))))
    raise ValueError(f"{array}: no end of the initializer")


def _first_match(rows, arch, fits):
    """Index of the first row of `arch` that fits, else of the portable rows (arch 0): the scan
    of config_table.cpp's lookup_gemm and lookup_gemv."""
    for want in (arch, 0):
        for i, r in enumerate(rows):
            if r.key[0] == want and fits(r.key):
                return i
    raise LookupError("no configuration")


def gemm_row(rows, arch, tma, elem_bytes, m, n, k):
    """Index of the kGemmRows row lookup_gemm picks."""
    return _first_match(rows, arch, lambda key: key[1] == tma and key[2] in (0, elem_bytes) and m <= key[3] and
                        n <= key[4] and k <= key[5])


def gemv_row(rows, arch, elem_bytes, t, r, k):
    """Index of the kGemvRows row lookup_gemv picks."""
    return _first_match(rows, arch, lambda key: key[1] in (0, elem_bytes) and t <= key[2] and r <= key[3] and
                        k <= key[4])


def write(array, index, config, note, path=None, today=None):
    """Replaces the configuration of row `index` of `array` with `config` (GemmConfig: 8 values,
    or 9 with ctas_per_sm; GemvConfig: 6) and puts `note` in a comment above it, replacing an
    earlier --write comment there. Everything else in the file stays as it is."""
    path = path or TABLE
    rows = read(array, path)
    row = rows[index]
    if len(config) not in ((8, 9) if array == "kGemmRows" else (6, )):
        raise ValueError(f"{array}: not a configuration: {config}")
    with open(path) as f:
        lines = f.read().split("\n")
    m = _ROW.match(lines[row.line])
    lines[row.line] = f"{m.group(1)}{{{m.group(2)}, {{{', '.join(_spell(v) for v in config)}}}}},{m.group(4)}"
    # the comment: one line, or wrapped at 100 columns with its later lines indented
    indent = m.group(1)
    words = f"bench/tune_matmul.py --write ({today or datetime.date.today().isoformat()}): {note.strip()}".split(" ")
    comment = [f"{indent}//"]
    for w in words:
        if len(comment[-1]) + 1 + len(w) > 100 and comment[-1].strip() != "//":
            comment.append(f"{indent}//{_CONTINUED}")
        comment[-1] += " " + w
    # an earlier --write comment right above the row goes
    first = row.line
    while first > 0 and lines[first - 1].lstrip().startswith("//" + _CONTINUED + " "):
        first -= 1
    if first > 0 and _WRITTEN.match(lines[first - 1]):
        first -= 1
    else:
        first = row.line
    lines[first:row.line] = comment
    with open(path, "w") as f:
        f.write("\n".join(lines))


def update(array, measured, row_of, to_row, arch, label, write_rows, path=None):
    """The tuner's decision. measured: {shape name: {candidate: us}}; row_of: {shape name: index of
    the row the table picks for it}; to_row(candidate) -> the row's configuration tuple. For each
    row that tuned shapes use, the candidate measured at every one of them with the best geometric
    mean of (time / that shape's best time) replaces the row's configuration when it beats the
    row's own configuration on that mean by more than 2%: written (with write_rows) or printed.
    Rows of another architecture (the portable ones) are left alone. Returns {row index: new
    configuration} for the rows it changed (or would change)."""
    rows = read(array, path)
    groups = {}
    for name, times in measured.items():
        groups.setdefault(row_of[name], []).append((name, times))
    changed = {}
    for index, group in sorted(groups.items()):
        current = rows[index].config
        names = ", ".join(n for n, _ in group)
        if rows[index].key[0] != arch:
            print(f"{array} row {index} {current}: not this GPU's architecture's row; left alone ({names})", flush=True)
            continue
        common = set.intersection(*(set(t) for _, t in group))
        score = {c: math.exp(sum(math.log(t[c] / min(t.values())) for _, t in group) / len(group)) for c in common}
        if not score:
            continue
        best = min(score, key=score.get)
        old_score = next((v for c, v in score.items() if tuple(to_row(c)) == current), math.inf)
        if tuple(to_row(best)) == current or not score[best] * 1.02 < old_score:
            print(f"{array} row {index} {current} kept ({names}: {old_score:.3f}x the per-shape best)", flush=True)
            continue
        old = "{" + ", ".join(_spell(v) for v in current) + "}"
        gain = "" if math.isinf(old_score) else f", {old_score / score[best]:.2f}x faster than {old}"
        new = tuple(to_row(best))
        if write_rows:
            write(array, index, new, f"{label}, {len(group)} shapes{gain}", path)
        changed[index] = new
        print(f"{array} row {index}: {current} -> {new} ({names}{gain})" + ("" if write_rows else " (--write writes it)"),
              flush=True)
    return changed
