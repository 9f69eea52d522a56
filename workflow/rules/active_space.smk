rule active_space:
    input:
        chk="results/{id}/scf.chk",
        json="results/{id}/scf.json",
    output:
        fcidump="results/{id}/hamiltonian.fcidump",
        json="results/{id}/active_space.json",
    params:
        frozen_core=lambda wildcards: molecule(wildcards).frozen_core,
        electrons=lambda wildcards: optional_count(molecule(wildcards).active_electrons),
        orbitals=lambda wildcards: optional_count(molecule(wildcards).active_orbitals),
    log:
        "results/{id}/logs/active_space.log",
    benchmark:
        "results/{id}/benchmarks/active_space.tsv"
    threads: 1
    resources:
        mem_mb=active_space_mem_mb,
    conda:
        "../../envs/chemistry.yaml"
    shell:
        "qchemflow active-space --scf-json {input.json:q} --scf-chk {input.chk:q}"
        " --frozen-core {params.frozen_core} --electrons {params.electrons}"
        " --orbitals {params.orbitals} --threads {threads} --memory-mb {resources.mem_mb}"
        " --output-fcidump {output.fcidump:q} --output-json {output.json:q} > {log:q} 2>&1"
