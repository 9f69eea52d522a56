rule scf:
    input:
        xyz=rules.geometry.output.xyz,
        json=rules.geometry.output.json,
    output:
        chk="results/{id}/scf.chk",
        json="results/{id}/scf.json",
    params:
        settings=stage_settings("scf"),
        run=RUN_FILE,
    log:
        "results/{id}/logs/scf.log",
    benchmark:
        "results/{id}/benchmarks/scf.tsv"
    threads: pyscf_threads
    resources:
        mem_mb=scf_mem_mb,
    conda:
        "../../envs/qchemflow.yaml"
    shell:
        "qchemflow scf --settings {params.settings:q} --run {params.run:q}"
        " --threads {threads} --memory-mb {resources.mem_mb}"
        " --geometry-json {input.json:q} --geometry-xyz {input.xyz:q}"
        " --output-chk {output.chk:q} --output-json {output.json:q} > {log:q} 2>&1"
