rule vqe:
    input:
        qubit_hamiltonian="results/{id}/qubit_hamiltonian.json",
        references="results/{id}/references.json",
    output:
        json="results/{id}/vqe.json",
    params:
        ansatz=config["ansatz"],
        layers=config["vqe"]["layers"],
        optimizer=config["optimizer"],
        gradient_tolerance=config["vqe"]["gradient_tolerance"],
        max_iterations=config["vqe"]["max_iterations"],
        simulator=config["simulator"],
        seed=config["seed"],
        adapt_gradient_norm=config["adapt"]["gradient_norm"],
        adapt_max_operators=config["adapt"]["max_operators"],
        adapt_pool=config["adapt"]["pool"],
        checkpoint_every=config["vqe"]["checkpoint_every"],
        checkpoint=lambda wildcards: f"results/{wildcards.id}/vqe.checkpoint.npz",
    log:
        "results/{id}/logs/vqe.log",
    benchmark:
        "results/{id}/benchmarks/vqe.tsv"
    threads: 1
    resources:
        mem_mb=vqe_mem_mb,
        runtime=vqe_runtime,
    conda:
        "../../envs/quantum.yaml"
    shell:
        "qchemflow vqe --qubit-hamiltonian-json {input.qubit_hamiltonian:q}"
        " --references-json {input.references:q} --ansatz {params.ansatz}"
        " --layers {params.layers} --optimizer {params.optimizer}"
        " --gradient-tolerance {params.gradient_tolerance}"
        " --max-iterations {params.max_iterations} --simulator {params.simulator}"
        " --seed {params.seed} --adapt-gradient-norm {params.adapt_gradient_norm}"
        " --adapt-max-operators {params.adapt_max_operators} --adapt-pool {params.adapt_pool}"
        " --checkpoint {params.checkpoint:q} --checkpoint-every {params.checkpoint_every}"
        " --threads {threads} --memory-mb {resources.mem_mb}"
        " --output-json {output.json:q} > {log:q} 2>&1"
