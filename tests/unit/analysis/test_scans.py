"""Scan tables from real point records: energies as recorded, failed points kept, the plot and
the plain-words verdict."""

import pytest

from qchemflow.analysis.scans import (COLUMNS, ScanPoint, plot_scan, read_scan, scan_verdict,
                                      write_scan)
from qchemflow.core.records import read_record

from conftest import run_quantum_stages, run_stages


@pytest.fixture(scope="module")
def lih_points(tmp_path_factory):
    # LiH in STO-3G, the Li-H bond set on the XYZ by each point, a (2e,3o) window.
    folder = tmp_path_factory.mktemp("scan")
    (folder / "lih.xyz").write_text("2\nLiH\nLi 0 0 0\nH 0 0 1.6\n")
    points = []
    for index, length in enumerate((1.2, 1.6, 2.4, 3.2)):
        name = f"lih.{index}"
        run_stages(folder, name, xyz=str(folder / "lih.xyz"), frozen_core=True,
                   active_electrons=2, active_orbitals=3, bond_length=(0, 1, length))
        run_quantum_stages(folder, name)
        points.append(ScanPoint(name, length))
    return folder, points


def test_scan_table_has_each_points_recorded_energies(lih_points, tmp_path):
    folder, points = lih_points
    rows = write_scan(list(reversed(points)), folder, tmp_path / "lih.csv")
    assert [row["point"] for row in rows] == ["lih.0", "lih.1", "lih.2", "lih.3"]
    assert tuple(read_scan(tmp_path / "lih.csv")[0]) == COLUMNS
    for row, read in zip(rows, read_scan(tmp_path / "lih.csv")):
        references = read_record(folder / row["point"] / "references.json")
        vqe = read_record(folder / row["point"] / "vqe.json")
        geometry = read_record(folder / row["point"] / "geometry.json")
        assert geometry["bond_length"]["angstrom"] == read["bond_length_angstrom"]
        assert read["ccsd_t"] == references["energies"]["ccsd_t"]  # full precision
        assert read["vqe_error_vs_casci_mha"] == pytest.approx(
            (vqe["energy"] - references["energies"]["casci"]) * 1000, abs=1e-9)


def test_failed_point_keeps_its_row_and_the_verdict_counts_it(lih_points, tmp_path):
    folder, points = lih_points
    rows = write_scan([*points, ScanPoint("lih.missing", 5.0)], folder, tmp_path / "lih.csv")
    assert rows[-1]["status"] == "failed:references.json is missing"
    sentence = scan_verdict("lih", rows)
    assert sentence.startswith("lih (4 points, 1 failed): HF vs FCI: largest +")
    assert "CCSD(T) vs FCI" in sentence and "non-parallelity" in sentence
    assert "The VQE stays within chemical accuracy of CASCI along the whole curve (worst" in sentence
    plot_scan("lih", rows, tmp_path / "lih.png")
    assert (tmp_path / "lih.png").stat().st_size > 20_000
    assert scan_verdict("none", rows[-1:]) == "none: no point finished."
    # A VQE 2 mHa off at the longest bond: named, with its worst point.
    stretched = [dict(row) for row in rows[:4]]
    stretched[-1]["vqe"] = stretched[-1]["casci"] + 0.002
    assert scan_verdict("lih", stretched).endswith(
        "The VQE stays within chemical accuracy of CASCI except at 3.20 Å (worst 2.00 mHa at "
        "3.20 Å).")
