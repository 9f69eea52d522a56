from qchemflow.analysis.report import method_errors, render_html, verdict, write_report
from qchemflow.core.records import stage_record, write_json_atomic

CASCI = -7.882324378883
ROW = {"id": "LiH", "status": "ok", "casci": CASCI, "hf": CASCI + 0.02,
       "ccsd_active": CASCI + 1e-5, "ccsd_t_active": CASCI - 5e-7, "vqe": CASCI + 1e-7,
       "is_full_space": True}


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
    write_json_atomic(tmp_path / "LiH" / "vqe.json", stage_record(
        "vqe", "LiH", trace=[CASCI + 0.02, CASCI + 1e-3, CASCI + 1e-7], mapping="jordan_wigner",
        ansatz="uccsd", layers=2, optimizer="L-BFGS-B", gradient_tolerance=1e-5,
        simulator="qchemflow", seed=42))
    write_report(tmp_path, [ROW], tmp_path / "plots", tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()
    assert 'src="plots/errors.png"' in page and 'src="plots/convergence.png"' in page
    assert (tmp_path / "plots" / "errors.png").read_bytes()[:4] == b"\x89PNG"
    assert "layers: 2" in page  # the settings come from vqe.json
    assert "<td>LiH</td>" in render_html([ROW], [], {})
