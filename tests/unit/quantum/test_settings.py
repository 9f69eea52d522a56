"""The quantum settings objects are built by the workflow for every job: building them must
not import OpenFermion or Cirq (seconds per job)."""

import subprocess
import sys


def test_settings_import_no_quantum_library():
    probe = ("import sys\n"
             "import qchemflow.pipeline.settings, qchemflow.pipeline.cli\n"
             "print(sorted(name for name in ('openfermion', 'cirq', 'qsimcirq', 'pyscf')"
             " if name in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
