"""Real snakemake runs of the whole first half of the pipeline in a temporary folder."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPOSITORY

pytestmark = pytest.mark.e2e
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
# The noise stage in seconds (the 12-qubit LiH: 20 s instead of 75 s on 2 cores).
LIGHT_NOISE = {"trajectories": 8, "zne_scale_factors": [1, 3], "scan_max_qubits": 0}


def snakemake(workdir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run the environment's snakemake on the repository's Snakefile in ``workdir``.

    PATH holds only the system folders, as for `.venv/bin/snakemake` run without activation:
    the workflow must find its own `qchemflow` command.
    """
    environment = {**os.environ, "PATH": os.defpath}
    # 30 min: the 17-molecule hard-chemistry run (hardware and noise stages included) took 15
    # on a 2-core machine with a quarter of its time stolen by the host.
    return subprocess.run(
        [SNAKEMAKE, "--snakefile", str(REPOSITORY / "Snakefile"), "--directory", str(workdir),
         *arguments], capture_output=True, text=True, env=environment, timeout=1800)


def make_project(tmp_path: Path, table: str, gate_sets: tuple[str, ...] = ("xx",),
                 noise: dict[str, object] | None = None, **settings: object) -> Path:
    """A working folder with config/config.yaml pointing at ``table``. The hardware stage
    compiles to ``gate_sets`` only (the XX set, seconds per molecule, unless a test is about
    compilation: routing the superconducting sets takes minutes at 12 qubits), and the noise
    stage, whose own numbers the unit tests check, runs as a smoke test in seconds: 8
    trajectories beyond 8 qubits, one ZNE scale-up, no rate scan (``noise`` changes more of its
    settings)."""
    (tmp_path / "config").mkdir()
    (tmp_path / "molecules.csv").write_text(table)
    config = yaml.safe_load((REPOSITORY / "config/config.yaml").read_text())
    config["hardware"]["gate_sets"] = list(gate_sets)
    config["noise"].update({**LIGHT_NOISE, **(noise or {})})
    config.update(molecules=str(tmp_path / "molecules.csv"), **settings)
    (tmp_path / "config/config.yaml").write_text(yaml.safe_dump(config))
    return tmp_path


def read_summary(workdir: Path) -> dict[str, dict[str, str]]:
    with open(workdir / "results/summary.csv") as stream:
        return {row["id"]: row for row in csv.DictReader(stream)}


def test_two_molecules_one_scf_failure_loses_nothing(tmp_path):
    # Water in 6-31G with one SCF iteration per strategy cannot converge: its row must read
    # failed:scf while H2 runs to the end.
    workdir = make_project(tmp_path, "id,smiles,basis,scf_max_cycles\n"
                                     "H2,[H][H],,\nwater,O,6-31g,1\n")
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    summary = read_summary(workdir)
    assert summary["H2"]["status"] == "ok"
    assert summary["water"]["status"].startswith("failed:scf: SCF did not converge")
    hydrogen = summary["H2"]
    # CCSD is exact for two electrons (identity), and FCI = CASCI in H2's full space.
    assert float(hydrogen["ccsd"]) == pytest.approx(float(hydrogen["fci"]), abs=1e-8)
    assert float(hydrogen["casci"]) == pytest.approx(float(hydrogen["fci"]), abs=1e-9)
    assert hydrogen["n_qubits"] == "4"
    # The VQE reaches the exact energy of H2's Hamiltonian.
    assert abs(float(hydrogen["vqe"]) - float(hydrogen["casci"])) < 1e-6
    assert hydrogen["chemical_accuracy"] == "True"
    # H2's energies against PySCF run directly on the geometry the workflow wrote.
    from pyscf import fci, gto, scf

    molecule = gto.M(atom=str(workdir / "results/H2/geometry.xyz"), basis="sto-3g", verbose=0)
    hartree_fock = scf.RHF(molecule).run(conv_tol=1e-12)
    assert float(hydrogen["hf"]) == pytest.approx(hartree_fock.e_tot, abs=1e-9)
    assert float(hydrogen["fci"]) == pytest.approx(fci.FCI(hartree_fock).kernel()[0], abs=1e-8)
    assert summary["water"]["vqe"] == ""
    # Every result JSON, failed ones included, says what made it: water's eight records exist and
    # name the SCF as the stage that failed.
    stages = {"geometry": "geometry", "scf": "scf", "active_space": "active_space",
              "references": "references", "qubit_hamiltonian": "qubits", "vqe": "vqe",
              "hardware": "hardware", "noise": "noise"}
    records = {(molecule_id, stage): json.loads(
        (workdir / "results" / molecule_id / f"{name}.json").read_text())
        for molecule_id in ("H2", "water") for name, stage in stages.items()}
    assert len(list((workdir / "results").glob("*/*.json"))) == len(records) == 16
    for (molecule_id, stage), record in records.items():
        assert (record["id"], record["stage"]) == (molecule_id, stage)
        expected = "ok" if molecule_id == "H2" or stage == "geometry" else "failed"
        assert record["status"] == expected, (molecule_id, stage)
        if expected == "failed":
            assert record["failed_stage"] == "scf", (molecule_id, stage)
    # Provenance against its sources: the config the test wrote (SHA-256 of its JSON, keys
    # sorted: it is complete, so it is the effective config), the canonical SMILES (RDKit's for
    # H2 and water), git's HEAD, and the versions the packages themselves report.
    import hashlib

    from packaging.version import Version

    from conftest import installed_versions

    written = yaml.safe_load((workdir / "config/config.yaml").read_text())
    config_hash = hashlib.sha256(json.dumps(written, sort_keys=True, default=str).encode())
    input_hashes = {"H2": hashlib.sha256(b"[H][H]").hexdigest(),
                    "water": hashlib.sha256(b"O").hexdigest()}
    commit = subprocess.run(["git", "-C", str(REPOSITORY), "rev-parse", "HEAD"],
                            capture_output=True, text=True, check=True).stdout.strip()
    versions = installed_versions()
    for (molecule_id, stage), record in records.items():
        origin = record["provenance"]
        assert origin["config_hash"] == config_hash.hexdigest(), (molecule_id, stage)
        assert origin["input_hash"] == input_hashes[molecule_id], (molecule_id, stage)
        assert (origin["seed"], origin["git_commit"]) == (42, commit), (molecule_id, stage)
        assert set(origin["versions"]) == set(versions)
        for package, version in versions.items():
            assert Version(origin["versions"][package]) == Version(version), package
        assert "versions" not in record  # written once, under provenance
    # The provenance table: a header and one line per record, each with the same values.
    table = subprocess.run([str(Path(sys.executable).with_name("qchemflow")), "provenance",
                            str(workdir / "results")], capture_output=True, text=True)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.strip().splitlines()
    assert lines[0].split() == ["id", "stage", "status", "qchemflow", "pyscf", "openfermion",
                                "cirq", "config", "input", "seed", "commit"]
    assert sorted(line.split() for line in lines[1:]) == sorted(
        [molecule_id, stage, record["status"], versions["qchemflow"], versions["pyscf"],
         versions["openfermion"], versions["cirq-core"], config_hash.hexdigest()[:12],
         input_hashes[molecule_id][:12], "42", commit[:10]]
        for (molecule_id, stage), record in records.items())


def test_report_renders_in_chromium_and_snakemake_report(tmp_path):
    # Two molecules, the report page opened in headless Chromium; the Snakemake report zip.
    workdir = make_project(tmp_path, "id,smiles,active_electrons,active_orbitals\n"
                                     "H2,[H][H],,\nwater,O,4,4\n",
                           gate_sets=("cz", "sqrt_iswap", "xx"), noise={"scan_max_qubits": 8})
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    page = workdir / "results/report.html"
    text = page.read_text()
    assert '<table id="summary">' in text and "plots/errors.png" in text
    assert "water: VQE is" in text and "on the same Hamiltonian" in text
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed for this test (.ci/run installs it)"
    screenshot = tmp_path / "report.png"
    browser = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1600",
         f"--screenshot={screenshot}", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert screenshot.is_file() and screenshot.stat().st_size > 50_000, browser.stderr[-2000:]
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile2'}",
         "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.stdout.count("<img") == 4 and "H2" in dom.stdout
    # The hardware section: its table (one row per molecule) and a sentence per molecule that
    # sets the price beside CCSD(T) on the same Hamiltonian, as Chromium parsed them.
    hardware = re.search(r'<table id="hardware">(.*?)</table>', dom.stdout, re.DOTALL)
    assert hardware and hardware.group(1).count('<th scope="row">') == 2, dom.stdout[-3000:]
    sentences = re.search(r'<ul id="hardware-verdicts">(.*?)</ul>', dom.stdout, re.DOTALL)
    assert sentences and sentences.group(1).count("<li>") == 2
    assert "water (8 qubits, 5 after tapering): one energy to 1.6 mHa needs" in sentences.group(1)
    assert "CCSD(T) on the same Hamiltonian took" in sentences.group(1)
    # The noise section: its table (one row per molecule), a sentence per molecule against
    # CASCI and CCSD(T), and the plot of the error against the two-qubit rate.
    noise = re.search(r'<table id="noise">(.*?)</table>', dom.stdout, re.DOTALL)
    assert noise and noise.group(1).count('<th scope="row">') == 2, dom.stdout[-3000:]
    verdicts = re.search(r'<ul id="noise-verdicts">(.*?)</ul>', dom.stdout, re.DOTALL)
    assert verdicts and verdicts.group(1).count("<li>") == 2
    assert "water: at the two-qubit error rate 0.001 (depolarizing), the noisy energy is" in (
        verdicts.group(1))
    assert "SQD from 100,000 samples" in verdicts.group(1)
    assert 'src="plots/noise.png"' in dom.stdout
    # A 1366x768 screen: the page never scrolls sideways, the summary table scrolls in its box.
    # A copy of the page beside it (same plots) measures itself once loaded.
    probe_script = """<script>
window.addEventListener("load", () => {
  const table = document.getElementById("summary"), box = table.parentElement;
  const out = document.createElement("pre");
  out.id = "layout-probe";
  const plot = document.querySelector('img[src="plots/hardware.png"]');
  const noisePlot = document.querySelector('img[src="plots/noise.png"]');
  out.textContent = JSON.stringify({
    hardwarePlotWidth: plot.naturalWidth, noisePlotWidth: noisePlot.naturalWidth,
    innerWidth: window.innerWidth, pageScrollWidth: document.documentElement.scrollWidth,
    pageClientWidth: document.documentElement.clientWidth, boxTag: box.tagName,
    boxOverflowX: getComputedStyle(box).overflowX, boxScrollWidth: box.scrollWidth,
    boxClientWidth: box.clientWidth, boxRight: box.getBoundingClientRect().right});
  document.body.appendChild(out);
});
</script>"""
    probe = page.with_name("layout-probe.html")
    probe.write_text(text.replace("</body>", probe_script + "</body>"))
    measured = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile3'}",
         "--window-size=1366,768", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="layout-probe">(.*?)</pre>', measured.stdout, re.DOTALL)
    assert found, measured.stdout[-2000:] + measured.stderr[-2000:]
    layout = json.loads(found.group(1))  # numbers and plain words: nothing escaped
    assert layout["innerWidth"] == 1366, layout  # the window size was applied
    assert layout["hardwarePlotWidth"] > 500, layout  # the hardware plot loaded
    assert layout["noisePlotWidth"] > 500, layout  # and the noise plot
    assert layout["pageScrollWidth"] <= min(1366, layout["pageClientWidth"]), layout
    assert layout["boxTag"] == "DIV" and layout["boxOverflowX"] == "auto", layout
    assert layout["boxRight"] <= layout["pageClientWidth"], layout
    assert layout["boxScrollWidth"] > layout["boxClientWidth"], layout  # the table scrolls
    for plot in ("errors.png", "convergence.png", "hardware.png", "noise.png"):
        assert (workdir / "results/plots" / plot).stat().st_size > 10_000
    zipped = snakemake(workdir, "--report", "results/report.zip")
    assert zipped.returncode == 0, zipped.stderr[-3000:]
    assert (workdir / "results/report.zip").stat().st_size > 10_000


def test_invalid_rows_refuse_to_start_and_are_all_listed(tmp_path):
    workdir = make_project(tmp_path, "id,smiles,multiplicity\nok,O,\nbad1,C1CC,\nbad2,C,2\n")
    result = snakemake(workdir, "--cores", "1")
    assert result.returncode != 0
    assert "row 2 (id 'bad1'): SMILES 'C1CC' does not parse" in result.stderr
    assert "row 3 (id 'bad2'): multiplicity 2 is impossible for 10 electrons" in result.stderr
    assert not (workdir / "results").exists()


def test_skip_runs_valid_rows_and_lists_invalid_ones(tmp_path):
    # One valid row among one invalid row per failure class; each invalid row keeps its reason.
    invalid = {
        "broken": ("C1CC", "", "", "", "SMILES 'C1CC' does not parse"),
        "valence": ("C(C)(C)(C)(C)C", "", "", "", "Explicit valence"),
        "empty": ("", "", "", "", "exactly one of smiles or xyz"),
        "prose": ("not a molecule", "", "", "", "does not parse"),
        "element": ("[Xx]", "", "", "", "does not parse"),
        "spin": ("O", "", "", "2", "multiplicity 2 is impossible for 10 electrons"),
        "H2": ("[H][H]", "", "", "", "duplicate id (also row 1)"),
        "missing": ("", "nothere.xyz", "", "", "does not exist"),
        "basis": ("O", "", "nonsense-basis", "", "basis 'nonsense-basis' is unknown"),
        "outside": ("", "../../etc/passwd", "", "", "outside the table's folder"),
    }
    rows = ["id,smiles,xyz,basis,multiplicity", "H2,[H][H],,,"]
    rows += [f"{name},{smiles},{xyz},{basis},{multiplicity}"
             for name, (smiles, xyz, basis, multiplicity, _) in invalid.items()]
    workdir = make_project(tmp_path, "\n".join(rows) + "\n", on_invalid="skip",
                           references=["hf", "casci"])
    result = snakemake(workdir, "--cores", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    with open(workdir / "results/summary.csv") as stream:
        table = list(csv.DictReader(stream))
    assert table[0]["id"] == "H2" and table[0]["status"] == "ok"
    refused = table[1:]
    assert len(refused) == len(invalid)
    for number, (row, (name, (*_, reason))) in enumerate(zip(refused, invalid.items()), start=2):
        assert row["id"] == name
        assert row["status"].startswith(f"failed:input: row {number} (id '{name}'): "), row
        assert reason in row["status"], (reason, row["status"])


def test_malformed_config_is_refused_with_the_key(tmp_path):
    workdir = make_project(tmp_path, "id,smiles\nH2,[H][H]\n", seed="forty-two")
    result = snakemake(workdir, "--cores", "1")
    assert result.returncode != 0
    assert "config key 'seed': 'forty-two' is not of type 'integer'" in result.stderr


def test_lint_is_clean():
    result = snakemake(REPOSITORY, "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations" in result.stdout + result.stderr


def test_dry_run_plans_the_whole_demo_dag():
    result = snakemake(REPOSITORY, "-n", "--forceall")
    assert result.returncode == 0, result.stderr[-3000:]
    n_demo = len((REPOSITORY / "molecules/demo.csv").read_text().strip().splitlines()) - 1
    for rule in ("geometry", "scf", "active_space", "references", "qubits", "vqe"):
        assert re.search(rf"^{rule}\s+{n_demo}$", result.stdout, re.MULTILINE), result.stdout
    assert re.search(r"^report\s+1$", result.stdout, re.MULTILINE)


def test_reactions_table_runs_end_to_end(tmp_path):
    # The proton affinity of water in STO-3G through snakemake: reactions.csv has the reaction
    # with every method's ΔE, equal to the members' energies in summary.csv (E(H2O) - E(H3O+)).
    (tmp_path / "reactions.csv").write_text(
        "id,kind,species,coefficients,reference_kcal_mol,reference_source\n"
        "pa_water,protonation,water hydronium,1 -1,171.4,GMTKN55 PA26\n")
    # With the CBS stage on (cc-pVDZ/cc-pVTZ here, for speed): the error budget in Chromium.
    workdir = make_project(tmp_path, "id,smiles,charge,active_electrons,active_orbitals\n"
                                     "water,O,,4,4\nhydronium,[OH3+],1,4,4\n",
                           reactions=str(tmp_path / "reactions.csv"),
                           cbs={"enabled": True, "basis_sets": ["cc-pvdz", "cc-pvtz"],
                                "scheme": "focal_point"})
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    summary = read_summary(workdir)
    with open(workdir / "results/reactions.csv") as stream:
        [row, averages_row] = list(csv.DictReader(stream))
    assert row["status"] == "ok" and row["reference_source"] == "GMTKN55 PA26"
    assert averages_row["id"] == "mean_absolute_error" and averages_row["species"] == "pa_water"
    assert float(averages_row["error_ccsd_t_cbs_kcal_mol"]) == abs(
        float(row["error_ccsd_t_cbs_kcal_mol"]))  # one reaction: its |error|
    for method in ("hf", "ccsd_t", "casci", "vqe", "ccsd_t_cbs", "vqe_in_ccsd_t_cbs"):
        expected = (float(summary["water"][method]) - float(summary["hydronium"][method])
                    ) * 627.5094740631  # DESIGN.md's Hartree to kcal/mol
        assert float(row[f"delta_{method}_kcal_mol"]) == pytest.approx(expected, abs=1e-9)
        assert float(row[f"error_{method}_kcal_mol"]) == pytest.approx(expected - 171.4,
                                                                       abs=1e-9)
    # The report has the relative-energy section, its sentence and its plot.
    page = (workdir / "results/report.html").read_text()
    assert '<table id="reactions">' in page and "pa_water (protonation, reference 171.4" in page
    assert (workdir / "results/plots/reactions.png").is_file()
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed for this test (.ci/run installs it)"
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}",
         "--dump-dom", (workdir / "results/report.html").as_uri()],
        capture_output=True, text=True, timeout=120)
    budget = re.search(r'<table id="error-budget">(.*?)</table>', dom.stdout, re.DOTALL)
    assert budget and budget.group(1).count('<th scope="row">') == 1, dom.stdout[-3000:]
    assert "pa_water" in budget.group(1) and "basis set: CCSD(T) − CCSD(T)/CBS" in budget.group(1)
    averages = re.search(r'<table id="mean-absolute-errors">(.*?)</table>', dom.stdout, re.DOTALL)
    assert averages and "CCSD(T)/CBS" in averages.group(1)
    assert re.search(r'<p id="quantum-correction">In (1|none) of 1 reactions', dom.stdout)
    # A bad reaction row refuses the run before any job, naming the row.
    (tmp_path / "reactions.csv").write_text(
        "id,kind,species,coefficients\nbad,tautomer,water hydronium,-1 1\n")
    shutil.rmtree(workdir / "results")
    result = snakemake(workdir, "--cores", "1")
    assert result.returncode != 0
    assert "reactions table: row 1 (id 'bad'): atoms or charge do not balance" in result.stderr
    assert not (workdir / "results").exists()


def test_scan_runs_end_to_end_and_its_plot_shows_in_chromium(tmp_path):
    # H2 stretched from 0.5 to 2.5 A in 4 points: one molecule per point through every stage,
    # results/scans/h2_stretch.csv with each point's energies, and the curves in the report,
    # loaded by headless Chromium.
    workdir = make_project(tmp_path, "id,smiles,scan\nh2_stretch,[H][H],bond 0 1 0.5 2.5 5\n")
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    with open(workdir / "results/scans/h2_stretch.csv") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["point"] for row in rows] == [f"h2_stretch.{index}" for index in range(5)]
    assert [float(row["bond_length_angstrom"]) for row in rows] == [0.5, 1.0, 1.5, 2.0, 2.5]
    for row in rows:
        geometry = json.loads((workdir / "results" / row["point"] / "geometry.json").read_text())
        assert geometry["bond_length"] == {"atoms": [0, 1],
                                           "angstrom": float(row["bond_length_angstrom"])}
        references = json.loads(
            (workdir / "results" / row["point"] / "references.json").read_text())
        assert row["status"] == "ok"
        assert float(row["fci"]) == references["energies"]["fci"]
        # Two electrons: CCSD is exact, and so is the VQE's UCCSD (to its gradient tolerance).
        assert float(row["ccsd"]) == pytest.approx(float(row["fci"]), abs=1e-8)
        assert abs(float(row["vqe_error_vs_casci_mha"])) < 1e-3
    # The curve has its minimum near 0.7 A and dissociates: E(2.5 A) above E(1.0 A).
    energies = [float(row["fci"]) for row in rows]
    assert energies[1] < energies[0] and energies[1] < energies[4]
    page = workdir / "results/report.html"
    text = page.read_text()
    assert '<ul id="scan-verdicts">' in text and "h2_stretch (5 points): HF vs FCI" in text
    assert 'src="plots/scan_h2_stretch.png"' in text
    probe = page.with_name("scan-probe.html")
    probe.write_text(text.replace("</body>", """<script>
window.addEventListener("load", () => {
  const image = document.querySelector('img[alt="scan h2_stretch"]');
  const out = document.createElement("pre");
  out.id = "scan-probe";
  out.textContent = JSON.stringify({width: image.naturalWidth, height: image.naturalHeight});
  document.body.appendChild(out);
});
</script></body>"""))
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed for this test (.ci/run installs it)"
    measured = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="scan-probe">(.*?)</pre>', measured.stdout, re.DOTALL)
    assert found, measured.stdout[-2000:] + measured.stderr[-2000:]
    size = json.loads(found.group(1))
    assert size["width"] > 500 and size["height"] > 200, size  # the plot loaded
