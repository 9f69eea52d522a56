# What today's noise does to the VQE's final circuit, what error mitigation recovers and costs,
# and sample-based quantum diagonalisation of its noisy samples. Reads the qubit Hamiltonian, the
# VQE and the FCIDUMP's integrals (for SQD): never the classical references (blind stage).
rule noise:
    input:
        qubit_hamiltonian=rules.qubits.output.json,
        vqe=rules.vqe.output.json,
        fcidump=rules.active_space.output.fcidump,
    output:
        json="results/{id}/noise.json",
    params:
        settings=stage_settings("noise"),
        run=RUN_FILE,
    log:
        "results/{id}/logs/noise.log",
    benchmark:
        "results/{id}/benchmarks/noise.tsv"
    threads: 1
    resources:
        mem_mb=noise_mem_mb,
        runtime=noise_runtime,
    conda:
        "../../envs/qchemflow.yaml"
    shell:
        "qchemflow noise --settings {params.settings:q} --run {params.run:q}"
        " --threads {threads} --memory-mb {resources.mem_mb}"
        " --qubit-hamiltonian-json {input.qubit_hamiltonian:q} --vqe-json {input.vqe:q}"
        " --fcidump {input.fcidump:q} --output-json {output.json:q} > {log:q} 2>&1"
