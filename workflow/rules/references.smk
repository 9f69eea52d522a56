rule references:
    input:
        chk="results/{id}/scf.chk",
        scf="results/{id}/scf.json",
        active_space="results/{id}/active_space.json",
        fcidump="results/{id}/hamiltonian.fcidump",
    output:
        json="results/{id}/references.json",
    params:
        methods=config["references"],
        fci_max_determinants=config["fci_max_determinants"],
    log:
        "results/{id}/logs/references.log",
    benchmark:
        "results/{id}/benchmarks/references.tsv"
    threads: 1
    resources:
        mem_mb=references_mem_mb,
        runtime=references_runtime,
    conda:
        "../../envs/chemistry.yaml"
    shell:
        "qchemflow references --scf-json {input.scf:q} --scf-chk {input.chk:q}"
        " --active-space-json {input.active_space:q} --fcidump {input.fcidump:q}"
        " --methods {params.methods} --fci-max-determinants {params.fci_max_determinants}"
        " --threads {threads} --memory-mb {resources.mem_mb}"
        " --output-json {output.json:q} > {log:q} 2>&1"
