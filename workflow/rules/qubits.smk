rule qubits:
    input:
        active_space="results/{id}/active_space.json",
        fcidump="results/{id}/hamiltonian.fcidump",
    output:
        json="results/{id}/qubit_hamiltonian.json",
    params:
        mapping=config["mapping"],
    log:
        "results/{id}/logs/qubits.log",
    benchmark:
        "results/{id}/benchmarks/qubits.tsv"
    threads: 1
    resources:
        mem_mb=vqe_mem_mb,
        runtime=vqe_runtime,
    conda:
        "../../envs/quantum.yaml"
    shell:
        "qchemflow qubits --active-space-json {input.active_space:q} --fcidump {input.fcidump:q}"
        " --mapping {params.mapping} --threads {threads} --memory-mb {resources.mem_mb}"
        " --output-json {output.json:q} > {log:q} 2>&1"
