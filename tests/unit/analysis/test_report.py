import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import run_hardware_stage, run_quantum_stages, run_stages
from qchemflow.analysis import report
from qchemflow.analysis.report import (NOISE_TABLE, TABLE_COLUMNS, method_errors, render_html,
                                       verdict, write_report)
from qchemflow.analysis.hardware_costs import hardware_sentence
from qchemflow.analysis.noise_effects import noise_columns, noise_sentence
from qchemflow.analysis.summary import summarise
from qchemflow.core.errors import InputError
from qchemflow.core.records import read_record, write_record
from qchemflow.core.units import CHEMICAL_ACCURACY_MHA
from unit.analysis.test_noise_effects import noise_record

TEMPLATE = Path(__file__).resolve().parents[3] / "workflow/report/templates/report.html.j2"
CASCI = -7.882324378883
ROW = {"id": "LiH", "status": "ok", "casci": CASCI, "hf": CASCI + 0.02,
       "ccsd_active": CASCI + 1e-5, "ccsd_t_active": CASCI - 5e-7, "vqe": CASCI + 1e-7,
       "is_full_space": True}
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                 "source", "track", "wbr"}


class PageStructure(HTMLParser):
    """The elements of a page with their ancestors, the text of its <style> and its cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, dict[str, str | None]]] = []
        self.ancestors: dict[str, list[tuple[str, dict[str, str | None]]]] = {}
        self.style = ""
        self.headers: list[dict[str, str | None]] = []
        self.rows: list[list[str]] = []
        self.lists: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ancestors[str(attributes["id"])] = list(self.open)
        if tag == "th":
            self.headers.append(attributes)
        if tag == "tr" and any(name == "tbody" for name, _ in self.open):
            self.rows.append([])
        if tag == "td":
            self.rows[-1].append("")
        if tag == "li":
            owner = next((str(a["id"]) for _, a in reversed(self.open) if a.get("id")), "")
            self.lists.setdefault(owner, []).append("")
        if tag not in VOID_ELEMENTS:
            self.open.append((tag, attributes))

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self.open:
            return
        tag = self.open[-1][0]
        if tag == "style":
            self.style += data
        elif tag == "td":
            self.rows[-1][-1] += data
        elif tag == "li":
            owner = next((str(a["id"]) for _, a in reversed(self.open) if a.get("id")), "")
            self.lists[owner][-1] += data


def parse(page: str) -> PageStructure:
    structure = PageStructure()
    structure.feed(page)
    structure.close()
    return structure


def css_rules(style: str) -> dict[str, str]:
    """Selector (one of a comma-separated group) -> its declarations, comments removed."""
    style = re.sub(r"/\*.*?\*/", "", style, flags=re.DOTALL)
    rules: dict[str, str] = {}
    for selectors, declarations in re.findall(r"([^{}]+)\{([^{}]*)\}", style):
        for selector in selectors.split(","):
            rules[" ".join(selector.split())] = rules.get(" ".join(selector.split()), "") + \
                declarations
    return rules


def test_errors_against_casci_in_millihartree():
    errors = method_errors(ROW)
    assert abs(errors["HF"] - 20.0) < 1e-9 and abs(errors["VQE"] - 1e-4) < 1e-12
    assert errors["CCSD(T)"] < 0  # below CASCI is kept signed


def test_verdict_sentences():
    assert verdict(ROW) == ("LiH: VQE is 0.0001 mHa from CASCI (within chemical accuracy) and "
                            "beat CCSD (0.0100 mHa) and matched CCSD(T) (0.0005 mHa) on the same "
                            "Hamiltonian.")
    worse = {**ROW, "vqe": CASCI + 0.005, "is_full_space": False}
    sentence = verdict(worse)
    assert "did not beat CCSD" in sentence and "outside chemical accuracy" in sentence
    assert "smaller than the full space" in sentence
    assert verdict({"id": "x", "status": "failed:scf: no"}) == "x: no comparison (failed:scf: no)."


def test_report_files(tmp_path):
    # H2 through every stage (real records), then the summary rows and the report from them.
    run_stages(tmp_path, "H2", smiles="[H][H]")
    vqe = run_quantum_stages(tmp_path, "H2")["vqe"]
    run_hardware_stage(tmp_path, "H2")
    # TODO: run_noise_stage(tmp_path, "H2") once the noise stage runs here (its SQD module is
    # still being written); until then a hand-made noise.json (valid: write_record checks it
    # against NoiseRecord), its energies offsets from H2's real CASCI.
    casci = read_record(tmp_path / "H2" / "references.json")["energies"]["casci"]
    write_record(tmp_path / "H2" / "noise.json", noise_record("H2", casci))
    rows = summarise(tmp_path, ["H2"], [], tmp_path / "summary.csv")
    write_report(tmp_path, rows, tmp_path / "plots", tmp_path / "report.html", TEMPLATE)
    page = (tmp_path / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert 'src="plots/errors.png"' in page and 'src="plots/convergence.png"' in page
    assert 'src="plots/hardware.png"' in page and 'src="plots/noise.png"' in page
    for plot in ("errors.png", "convergence.png", "hardware.png", "noise.png"):
        assert (tmp_path / "plots" / plot).read_bytes()[:4] == b"\x89PNG"
    structure = parse(page)
    # The settings come from vqe.json.
    assert f"optimizer: {vqe['optimizer']}" in structure.lists[""]
    assert f"seed: {vqe['seed']}" in structure.lists[""]
    assert structure.rows[0][:2] == ["H2", "ok"]
    assert structure.lists["verdicts"] == [verdict(rows[0])]
    assert structure.lists["flags"] == [f"H2: {rows[0]['flags']}"]
    # The hardware section: one table row and one sentence per molecule, with the prices.
    assert structure.lists["hardware-verdicts"] == [hardware_sentence(rows[0])]
    assert "H2 (4 qubits, 1 after tapering)" in structure.lists["hardware-verdicts"][0]
    assert "hardware" in structure.ancestors
    # The noise section: its table row, its sentence, the noise model in words, the plot.
    assert structure.lists["noise-verdicts"] == [noise_sentence(rows[0])]
    assert "ZNE +0.9 ± 0.1 mHa at 25× the shots" in structure.lists["noise-verdicts"][0]
    assert structure.lists["noise-models"][0].startswith("depolarizing: two-qubit "
                                                         "depolarising 0.001")
    assert "noise" in structure.ancestors and len(structure.rows) == 3  # summary, hardware, noise
    assert structure.rows[2][3:5] == ["12.1 ± 0.1", "5.2 ± 0.12"]  # noisy, readout (mHa)


def test_every_piece_of_the_page_is_there():
    flagged = {**ROW, "flags": "CCSD below CASCI", "n_qubits": 12, "vqe_error_mha": 1e-4}
    page = render_html(TEMPLATE, [flagged], ["plots/errors.png"], {"seed": 42})
    structure = parse(page)
    assert {"summary", "verdicts", "flags"} <= set(structure.ancestors)
    assert structure.lists["flags"] == ["LiH: CCSD below CASCI"]
    assert "seed: 42" in page and '<img src="plots/errors.png"' in page
    assert f"qchemflow {report.qchemflow_version()}." in page
    assert "Energies in Hartree (total, nuclear repulsion and frozen core included)" in page
    # Every column of the table, in the order of TABLE_COLUMNS, its summary.csv name in the title.
    assert [str(header["title"]).split(":")[0] for header in structure.headers] == \
        list(TABLE_COLUMNS)
    cells = dict(zip(TABLE_COLUMNS, structure.rows[0]))
    assert cells["casci"] == "-7.8823243789" and cells["vqe_error_mha"] == "0.0001"
    assert cells["n_qubits"] == "12"


def test_noise_table_and_sentences():
    # LiH-like row: noise columns from the hand-made record against its own CASCI (test_noise_
    # effects.noise_record: noisy +12.1 ± 0.1 mHa, ZNE +0.9 ± 0.1 at 25×, SQD 4 of 4).
    noisy = {**ROW, "n_qubits": 4, "ccsd_t_active_error_mha": -0.0005,
             **noise_columns(noise_record("LiH", CASCI), {"casci": CASCI}, None)}
    page = render_html(TEMPLATE, [noisy, {"id": "water", "status": "failed:noise: no"}], [],
                       {}, noise_plot="plots/noise.png")
    structure = parse(page)
    assert {"noise", "noise-verdicts"} <= set(structure.ancestors)
    assert "noise-models" not in structure.ancestors  # render_html was given none
    assert '<img src="plots/noise.png" alt="error against two-qubit error rate">' in page
    assert "Would it survive the noise: noisy energies, error mitigation, SQD" in page
    # One table row, for the molecule with a noise estimate; cells after the row header.
    cells = dict(zip([key for key, _ in NOISE_TABLE[1:]], structure.rows[-1]))
    assert len(structure.rows) == 3  # the summary's two, the noise table's one (no hardware)
    assert cells == {"n_qubits": "4", "noise_method": "density_matrix",
                     "noise_two_qubit_rate": "0.001", "noisy_error_mha": "12.1 ± 0.1",
                     "readout_error_mha": "5.2 ± 0.12", "post_selection_error_mha": "4.1 ± 0.11",
                     "zne_error_mha": "0.9 ± 0.1", "zne_shot_overhead": "25",
                     "sqd_error_mha": "0", "sqd_s2": "0", "sqd_subspace": "4/4",
                     "ccsd_t_active_error_mha": "-0.0005"}
    assert structure.lists["noise-verdicts"] == [noise_sentence(noisy),
                                                 "water: no noise estimate (failed:noise: no)."]


def test_key_columns_come_first():
    assert list(TABLE_COLUMNS)[:6] == ["id", "status", "vqe_error_mha", "chemical_accuracy",
                                       "ccsd_t_active_error_mha", "n_qubits"]


def test_renders_with_missing_values():
    rows = [{"id": "water", "status": "failed:scf: SCF did not converge in 1 cycle"},
            {**ROW, "hf": None, "vqe": None, "vqe_error_mha": None, "chemical_accuracy": None},
            {"id": "bare"}]
    structure = parse(render_html(TEMPLATE, rows, [], {}))
    assert [row[0] for row in structure.rows] == ["water", "LiH", "bare"]
    assert all(len(row) == len(TABLE_COLUMNS) for row in structure.rows)
    water = dict(zip(TABLE_COLUMNS, structure.rows[0]))
    assert water["status"].startswith("failed:scf") and water["casci"] == ""
    assert dict(zip(TABLE_COLUMNS, structure.rows[1]))["vqe"] == ""
    assert structure.lists["verdicts"][0] == \
        "water: no comparison (failed:scf: SCF did not converge in 1 cycle)."
    assert structure.lists["verdicts"][1] == "LiH: no VQE energy or no CASCI to compare with."
    assert structure.lists["flags"] == ["none"]


def test_hostile_strings_are_escaped():
    hostile = '<script>alert("x")</script>'
    rows = [{**ROW, "id": hostile, "status": f"failed:scf: {hostile} & more",
             "flags": '<img src=x onerror="alert(1)">', "formula": "H2</td></tr></table>"}]
    page = render_html(TEMPLATE, rows, ['plots/"><script>alert(2)</script>.png'],
                       {"ansatz": hostile})
    assert "<script" not in page.lower() and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    structure = parse(page)
    # The strings come back intact as text, in their own cells and items.
    assert structure.rows[0][0] == hostile and structure.rows[0][1].endswith(" & more")
    assert len(structure.rows) == 1 and len(structure.rows[0]) == len(TABLE_COLUMNS)
    assert structure.lists["flags"] == [f'{hostile}: <img src=x onerror="alert(1)">']
    assert structure.lists["verdicts"][0].startswith(f"{hostile}: no comparison")


def test_the_table_scrolls_inside_its_own_box():
    structure = parse(render_html(TEMPLATE, [ROW], [], {}))
    tag, attributes = structure.ancestors["summary"][-1]
    assert tag == "div", "the summary table must sit directly in its scrolling box"
    rules = css_rules(structure.style)
    box = [f".{name}" for name in str(attributes.get("class", "")).split()]
    declarations = " ".join(rules.get(selector, "") for selector in box)
    declarations += str(attributes.get("style") or "")
    assert re.search(r"overflow-x\s*:\s*auto", declarations), (box, declarations)
    # The page itself is bounded, and nothing around the box scrolls sideways.
    assert re.search(r"max-width\s*:", rules["body"])
    assert not re.search(r"overflow-x\s*:\s*(scroll|auto)", rules["body"])
    assert [name for name, _ in structure.ancestors["summary"]] == ["html", "body", "div"]


def test_chemical_accuracy_comes_from_the_units(monkeypatch):
    assert not re.search(r"\b1\.6\b", TEMPLATE.read_text())
    page = render_html(TEMPLATE, [ROW], [], {})
    assert re.search(rf"Chemical\s+accuracy: {CHEMICAL_ACCURACY_MHA:g} mHa\.", page)
    monkeypatch.setattr(report, "CHEMICAL_ACCURACY_MHA", 2.5)
    assert re.search(r"Chemical\s+accuracy: 2\.5 mHa\.", render_html(TEMPLATE, [ROW], [], {}))


def test_template_from_text_or_path():
    text = "{% for row in rows %}[{{ row.cells[0] }}]{% endfor %} {{ chemical_accuracy_mha }}"
    assert render_html(text, [ROW, {"id": "<b>"}], [], {}) == \
        f"[LiH][&lt;b&gt;] {CHEMICAL_ACCURACY_MHA:g}"
    with pytest.raises(ValueError, match="pathlib.Path"):
        render_html(str(TEMPLATE), [ROW], [], {})


def test_a_missing_template_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="report template .* does not exist"):
        render_html(tmp_path / "nowhere.html.j2", [ROW], [], {})
