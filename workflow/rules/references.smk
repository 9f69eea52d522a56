rule references:
    input:
        chk=rules.scf.output.chk,
        scf=rules.scf.output.json,
        active_space=rules.active_space.output.json,
        fcidump=rules.active_space.output.fcidump,
    output:
        json="results/{id}/references.json",
    params:
        settings=stage_settings("references"),
        run=RUN_FILE,
    log:
        "results/{id}/logs/references.log",
    benchmark:
        "results/{id}/benchmarks/references.tsv"
    threads: pyscf_threads
    resources:
        mem_mb=references_mem_mb,
        runtime=references_runtime,
    conda:
        "../../envs/qchemflow.yaml"
    shell:
        "qchemflow references --settings {params.settings:q} --run {params.run:q}"
        " --threads {threads} --memory-mb {resources.mem_mb}"
        " --scf-json {input.scf:q} --scf-chk {input.chk:q}"
        " --active-space-json {input.active_space:q} --fcidump {input.fcidump:q}"
        " --output-json {output.json:q} > {log:q} 2>&1"
