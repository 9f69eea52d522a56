# Focal-point CCSD(T)/CBS (cbs.enabled): density-fitted HF and MP2 in cbs.basis_sets on the
# SCF's geometry, charge and spin, plus [CCSD(T) - MP2] from the references stage.
rule cbs:
    input:
        chk=rules.scf.output.chk,
        scf=rules.scf.output.json,
        active_space=rules.active_space.output.json,
        references=rules.references.output.json,
    output:
        json="results/{id}/cbs.json",
    params:
        settings=stage_settings("cbs"),
        run=RUN_FILE,
    log:
        "results/{id}/logs/cbs.log",
    benchmark:
        "results/{id}/benchmarks/cbs.tsv"
    threads: pyscf_threads
    resources:
        mem_mb=cbs_mem_mb,
        runtime=cbs_runtime,
    conda:
        "../../envs/qchemflow.yaml"
    shell:
        "qchemflow cbs --settings {params.settings:q} --run {params.run:q}"
        " --threads {threads} --memory-mb {resources.mem_mb}"
        " --scf-json {input.scf:q} --scf-chk {input.chk:q}"
        " --active-space-json {input.active_space:q} --references-json {input.references:q}"
        " --output-json {output.json:q} > {log:q} 2>&1"
