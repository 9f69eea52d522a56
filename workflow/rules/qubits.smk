rule qubits:
    input:
        active_space=rules.active_space.output.json,
        fcidump=rules.active_space.output.fcidump,
    output:
        json="results/{id}/qubit_hamiltonian.json",
    params:
        settings=stage_settings("qubits"),
        run=RUN_FILE,
    log:
        "results/{id}/logs/qubits.log",
    benchmark:
        "results/{id}/benchmarks/qubits.tsv"
    threads: 1
    resources:
        mem_mb=qubits_mem_mb,
        runtime=qubits_runtime,
    conda:
        "../../envs/qchemflow.yaml"
    shell:
        "qchemflow qubits --settings {params.settings:q} --run {params.run:q}"
        " --threads {threads} --memory-mb {resources.mem_mb}"
        " --active-space-json {input.active_space:q} --fcidump {input.fcidump:q}"
        " --output-json {output.json:q} > {log:q} 2>&1"
