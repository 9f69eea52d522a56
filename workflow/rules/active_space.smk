rule active_space:
    input:
        chk=rules.scf.output.chk,
        json=rules.scf.output.json,
    output:
        fcidump="results/{id}/hamiltonian.fcidump",
        json="results/{id}/active_space.json",
    params:
        settings=stage_settings("active_space"),
        run=RUN_FILE,
    log:
        "results/{id}/logs/active_space.log",
    benchmark:
        "results/{id}/benchmarks/active_space.tsv"
    threads: 1
    resources:
        mem_mb=active_space_mem_mb,
    conda:
        "../../envs/qchemflow.yaml"
    shell:
        "qchemflow active-space --settings {params.settings:q} --run {params.run:q}"
        " --threads {threads} --memory-mb {resources.mem_mb}"
        " --scf-json {input.json:q} --scf-chk {input.chk:q}"
        " --output-fcidump {output.fcidump:q} --output-json {output.json:q} > {log:q} 2>&1"
