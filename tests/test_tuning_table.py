"""bench/config_rows.py, through which bench/tune_matmul.py reads and writes the GEMM and decode
tables of csrc/runtime/config_table.cpp: its reading and lookup against the compiled table (the
C++ runtime_tests binary's --lookup), and its in-place rewrite of one row. No GPU needed."""
import glob
import itertools
import os
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "bench"))
import config_rows  # noqa: E402

# bucket edges of the tables and values either side of them
M_VALUES = [1, 2, 4, 5, 16, 17, 63, 64, 65, 128, 129, 200, 256, 257, 512, 600, 768, 769, 1024, 4096]
N_VALUES = [64, 65, 128, 1000, 4096, 4097, 8192, 8193, 14336, 16384, 16385, 128256]
K_VALUES = [1, 64, 65, 128, 4096, 4097, 14336]


def _runtime_tests():
    built = sorted(glob.glob(os.path.join(ROOT, "build", "*", "runtime_tests")), key=os.path.getmtime)
    assert built, "build/*/runtime_tests is missing: scripts/test.sh and scripts/dev_build.sh build it"
    return built[-1]


def _spell(config):
    return " ".join(str(int(v)) for v in config)


@pytest.mark.parametrize("arch, elem", [(90, 2), (90, 4), (0, 2), (0, 4), (75, 2)])
def test_lookup_matches_the_compiled_table(arch, elem):
    shapes = list(itertools.product(M_VALUES, N_VALUES, K_VALUES))
    out = subprocess.run([_runtime_tests(), "--lookup", str(arch), str(elem)], check=True, capture_output=True,
                         text=True, input="".join(f"{m} {n} {k}\n" for m, n, k in shapes)).stdout.splitlines()
    assert len(out) == len(shapes)
    gemm, gemv = config_rows.read("kGemmRows"), config_rows.read("kGemvRows")
    for (m, n, k), line in zip(shapes, out):
        want_gemm, want_gemv = (s.strip() for s in line.split("|"))
        config = gemm[config_rows.gemm_row(gemm, arch, True, elem, m, n, k)].config
        assert _spell(config + (1, ) * (9 - len(config))) == want_gemm, (m, n, k)  # ctas_per_sm defaults to 1
        try:
            got_gemv = _spell(gemv[config_rows.gemv_row(gemv, arch, elem, m, n, k)].config)
        except LookupError:
            got_gemv = "none"
        assert got_gemv == want_gemv, (m, n, k)


def test_every_initializer_line_is_a_row():
    with open(config_rows.TABLE) as f:
        lines = f.read().split("\n")
    for array in ("kGemmRows", "kGemvRows"):
        rows = config_rows.read(array)
        start = next(i for i, s in enumerate(lines) if f" {array}[] = {{" in s)
        end = next(i for i in range(start, len(lines)) if lines[i].startswith("};"))
        braces = [i for i in range(start + 1, end) if lines[i].lstrip().startswith("{")]
        assert [r.line for r in rows] == braces


def test_write_changes_one_row_and_its_comment(tmp_path):
    path = tmp_path / "config_table.cpp"
    with open(config_rows.TABLE) as f:
        original = f.read()
    path.write_text(original)
    rows = config_rows.read("kGemmRows", path)
    index = next(i for i, r in enumerate(rows) if r.key[0] == 90 and len(r.config) == 8)
    new = (64, 32, 16, 8, 2, 3, True, False)
    config_rows.write("kGemmRows", index, new, "a test", path, today="2000-01-01")
    after = config_rows.read("kGemmRows", path)
    assert after[index].config == new and after[index].key == rows[index].key
    assert [r.config for i, r in enumerate(after) if i != index] == [r.config for i, r in enumerate(rows) if i != index]
    lines, old_lines = path.read_text().split("\n"), original.split("\n")
    at = rows[index].line
    assert lines[at] == "    // bench/tune_matmul.py --write (2000-01-01): a test"
    assert lines[:at] + lines[at + 2:] == old_lines[:at] + old_lines[at + 1:]
    # a second write of the row replaces that comment instead of adding one
    config_rows.write("kGemmRows", index, rows[index].config, "again", path, today="2000-01-02")
    lines = path.read_text().split("\n")
    assert lines[at] == "    // bench/tune_matmul.py --write (2000-01-02): again"
    assert lines[:at] + lines[at + 1:] == old_lines
    # a long note wraps at 100 columns; the next write replaces all of its lines
    config_rows.write("kGemmRows", index, rows[index].config, "word " * 60, path, today="2000-01-03")
    lines = path.read_text().split("\n")
    block = lines[at:at + len(lines) - len(old_lines)]  # the comment lines
    assert len(block) >= 3 and all(len(s) <= 100 for s in block) and block[1].startswith("    //    word")
    assert " ".join(s.strip().lstrip("/").strip() for s in block).endswith(("word " * 60).strip())
    config_rows.write("kGemmRows", index, rows[index].config, "short", path, today="2000-01-04")
    lines = path.read_text().split("\n")
    assert lines[at] == "    // bench/tune_matmul.py --write (2000-01-04): short"
    assert lines[:at] + lines[at + 1:] == old_lines
    with pytest.raises(ValueError, match="not a configuration"):
        config_rows.write("kGemvRows", 0, new, "8 values for a 6-value row", path)


def test_update_writes_a_row_only_when_a_candidate_beats_it(tmp_path):
    path = tmp_path / "config_table.cpp"
    with open(config_rows.TABLE) as f:
        path.write_text(f.read())
    rows = config_rows.read("kGemvRows", path)
    row_of = {name: config_rows.gemv_row(rows, 90, 2, *map(int, name.split("x"))) for name in
              ("1x4096x4096", "16x14336x4096", "16x14336x8192", "3x100x100")}
    row_of["3x100x100"] = config_rows.gemv_row(rows, 0, 2, 3, 100, 100)  # a portable row
    a, b = rows[row_of["16x14336x4096"]].config, rows[row_of["1x4096x4096"]].config
    faster = (64, 64, 8, 2, False, False)
    assert row_of["16x14336x4096"] == row_of["16x14336x8192"] != row_of["1x4096x4096"]
    measured = {
        # the row of these two: `faster` is 10% faster at one shape, 1% slower at the other
        "16x14336x4096": {a: 10.0, faster: 9.0},
        "16x14336x8192": {a: 20.0, faster: 20.2},
        # this one's own configuration is the best: kept
        "1x4096x4096": {b: 5.0, faster: 5.05},
        "3x100x100": {faster: 1.0},
    }
    changed = config_rows.update("kGemvRows", measured, row_of, tuple, 90, "test", False, path)
    assert changed == {row_of["16x14336x4096"]: faster}
    assert config_rows.read("kGemvRows", path) == rows  # printed only
    changed = config_rows.update("kGemvRows", measured, row_of, tuple, 90, "test", True, path)
    after = config_rows.read("kGemvRows", path)
    assert after[row_of["16x14336x4096"]].config == faster
    assert [r.config for i, r in enumerate(after) if i != row_of["16x14336x4096"]] == \
        [r.config for i, r in enumerate(rows) if i != row_of["16x14336x4096"]]
    # 1% faster than the row's own configuration (the original table's): within the 2% margin, kept
    with open(config_rows.TABLE) as f:
        path.write_text(f.read())
    measured["16x14336x4096"][faster] = 9.9
    measured["16x14336x8192"][faster] = 19.8
    assert config_rows.update("kGemvRows", measured, row_of, tuple, 90, "test", False, path) == {}
