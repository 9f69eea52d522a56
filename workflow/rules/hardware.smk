# What the VQE's final circuit needs on real hardware: compiled gates, routing, shots, price and
# the fault-tolerant alternative. Reads the qubit Hamiltonian, the VQE and the FCIDUMP's
# integrals (for the fault-tolerant estimate): never the classical references (blind stage).
rule hardware:
    input:
        qubit_hamiltonian=rules.qubits.output.json,
        vqe=rules.vqe.output.json,
        fcidump=rules.active_space.output.fcidump,
    output:
        json="results/{id}/hardware.json",
    params:
        settings=stage_settings("hardware"),
        run=RUN_FILE,
    log:
        "results/{id}/logs/hardware.log",
    benchmark:
        "results/{id}/benchmarks/hardware.tsv"
    threads: 1
    resources:
        mem_mb=hardware_mem_mb,
        runtime=hardware_runtime,
    conda:
        "../../envs/qchemflow.yaml"
    shell:
        "qchemflow hardware --settings {params.settings:q} --run {params.run:q}"
        " --threads {threads} --memory-mb {resources.mem_mb}"
        " --qubit-hamiltonian-json {input.qubit_hamiltonian:q} --vqe-json {input.vqe:q}"
        " --fcidump {input.fcidump:q} --output-json {output.json:q} > {log:q} 2>&1"
