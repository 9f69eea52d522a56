# The VQE reads the qubit Hamiltonian (and the FCIDUMP, the same Hamiltonian before the mapping,
# for the matrix-free product): never the classical references (blind stage).
rule vqe:
    input:
        qubit_hamiltonian=rules.qubits.output.json,
        fcidump=rules.active_space.output.fcidump,
    output:
        json="results/{id}/vqe.json",
    params:
        settings=stage_settings("vqe"),
        run=RUN_FILE,
        checkpoint=lambda wildcards: f"results/{wildcards.id}/vqe.checkpoint.npz",
    log:
        "results/{id}/logs/vqe.log",
    benchmark:
        "results/{id}/benchmarks/vqe.tsv"
    threads: vqe_threads
    resources:
        mem_mb=vqe_mem_mb,
        runtime=vqe_runtime,
    conda:
        "../../envs/qchemflow.yaml"
    shell:
        "qchemflow vqe --settings {params.settings:q} --run {params.run:q}"
        " --threads {threads} --memory-mb {resources.mem_mb}"
        " --checkpoint {params.checkpoint:q}"
        " --qubit-hamiltonian-json {input.qubit_hamiltonian:q} --fcidump {input.fcidump:q}"
        " --output-json {output.json:q} > {log:q} 2>&1"
