# qchemflow: molecules -> geometry -> SCF -> active space -> classical references
#            -> qubit Hamiltonian -> VQE -> hardware costs, noise and mitigation
#            -> summary, plots and report.
# Run with `make run`, or `snakemake --cores all` inside the project's environment.
from snakemake.utils import min_version

min_version("8.20")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/geometry.smk"
include: "workflow/rules/scf.smk"
include: "workflow/rules/active_space.smk"
include: "workflow/rules/references.smk"
include: "workflow/rules/cbs.smk"
include: "workflow/rules/qubits.smk"
include: "workflow/rules/vqe.smk"
include: "workflow/rules/hardware.smk"
include: "workflow/rules/noise.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/reactions.smk"
include: "workflow/rules/scans.smk"


rule all:
    input:
        final_targets(),
    default_target: True
