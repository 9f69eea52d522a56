"""Stage settings: built from the validated config (defaults from the schema only) and the
row's overrides; science and run settings kept apart."""

import dataclasses

import pytest

from qchemflow.chemistry.molecules import MoleculeSpec
from qchemflow.core.provenance import RunProvenance
from qchemflow.core.settings import RunSettings, settings_from_json
from qchemflow.pipeline.settings import (AUTO_CHECK_SPECTRUM_MAX_QUBITS, STAGE_SETTINGS,
                                         check_spectrum, read_run_file, stage_settings_json,
                                         write_run_file)

from conftest import default_config


def water(**overrides):
    values = dict(id="water", row=1, smiles="O", xyz=None, charge=0, multiplicity=1,
                  basis="6-31g", cartesian=True, frozen_core=False, active_electrons=4,
                  active_orbitals=4, scf_max_cycles=7, n_active_orbitals=4)
    values.update(overrides)
    return MoleculeSpec(**values)


@pytest.mark.parametrize("stage", list(STAGE_SETTINGS))
def test_json_argument_rebuilds_the_same_settings(stage):
    settings = STAGE_SETTINGS[stage](water(), default_config())
    assert settings_from_json(type(settings), stage_settings_json(stage, water(),
                                                                  default_config())) == settings


def test_values_come_from_the_schema_defaults_and_the_row():
    config = default_config()
    scf = STAGE_SETTINGS["scf"](water(), config)
    # The row's overrides (MoleculeSpec) win; the rest is the schema's default.
    assert (scf.basis, scf.cartesian, scf.max_cycles) == ("6-31g", True, 7)
    assert (scf.conv_tol, scf.stability) == (config["scf"]["conv_tol"], config["scf"]["stability"])
    vqe = STAGE_SETTINGS["vqe"](water(), config)
    assert dataclasses.asdict(vqe) == {
        "ansatz": config["ansatz"], "layers": config["vqe"]["layers"],
        "optimizer": config["optimizer"],
        "gradient_tolerance": config["vqe"]["gradient_tolerance"],
        "max_iterations": config["vqe"]["max_iterations"], "simulator": config["simulator"],
        "seed": config["seed"], "adapt_gradient_norm": config["adapt"]["gradient_norm"],
        "adapt_max_operators": config["adapt"]["max_operators"],
        "adapt_pool": config["adapt"]["pool"], "hamiltonian": config["vqe"]["hamiltonian"]}
    references = STAGE_SETTINGS["references"](water(), config)
    assert references.methods == tuple(config["references"])


def test_science_and_run_settings_are_apart():
    science = {field.name for kind in (type(build(water(), default_config()))
                                       for build in STAGE_SETTINGS.values())
               for field in dataclasses.fields(kind)}
    run = {field.name for field in dataclasses.fields(RunSettings)}
    assert not science & (run | {"checkpoint_every"})


def test_spectrum_check_auto_stops_above_sixteen_qubits():
    assert check_spectrum("auto", AUTO_CHECK_SPECTRUM_MAX_QUBITS) is True
    assert check_spectrum("auto", AUTO_CHECK_SPECTRUM_MAX_QUBITS + 2) is False
    assert check_spectrum(True, 40) is True and check_spectrum(False, 4) is False
    config = default_config()
    assert STAGE_SETTINGS["qubits"](water(n_active_orbitals=8), config).check_spectrum
    assert not STAGE_SETTINGS["qubits"](water(n_active_orbitals=10), config).check_spectrum


def test_run_file_round_trip_and_by_hand(tmp_path):
    config = dict(default_config(), seed=7)
    write_run_file(tmp_path / "run.json", config, "abc123")
    run = read_run_file(tmp_path / "run.json")
    assert run.provenance.seed == 7 and run.provenance.git_commit == "abc123"
    assert len(run.provenance.config_hash or "") == 64
    assert run.checkpoint_every == config["vqe"]["checkpoint_every"]
    by_hand = read_run_file(None)
    assert by_hand.provenance == RunProvenance() and by_hand.checkpoint_every == 0
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(Exception, match="run file .* cannot be read"):
        read_run_file(tmp_path / "bad.json")


def test_noise_figures_come_from_the_preset_unless_set():
    from qchemflow.core.errors import InputError

    config = default_config()
    noise = STAGE_SETTINGS["noise"](water(), config)
    preset = config["noise"]["presets"]["depolarizing"]
    assert (noise.preset, noise.two_qubit_depolarizing, noise.readout_error, noise.t1_us) == (
        "depolarizing", preset["two_qubit_depolarizing"], preset["readout_error"], None)
    assert noise.gate_times == config["hardware"]["gate_times"]["cz"]
    assert noise.sqd.shots == config["sqd"]["shots"] == 100_000
    config["noise"].update(preset="trapped_ion", readout_error=0.02)
    ions = STAGE_SETTINGS["noise"](water(), config)
    assert (ions.gate_set, ions.readout_error, ions.two_qubit_depolarizing) == (
        "xx", 0.02, config["noise"]["presets"]["trapped_ion"]["two_qubit_depolarizing"])
    assert ions.gate_times["serial"] is True
    config["noise"]["preset"] = "neutral_atoms"
    with pytest.raises(InputError, match="noise.preset.*neutral_atoms"):
        STAGE_SETTINGS["noise"](water(), config)
    config["noise"].update(preset="depolarizing", zne_scale_factors=[3, 5])
    with pytest.raises(InputError, match="first factor must be 1"):
        STAGE_SETTINGS["noise"](water(), config)
