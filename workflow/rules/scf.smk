rule scf:
    input:
        xyz="results/{id}/geometry.xyz",
        json="results/{id}/geometry.json",
    output:
        chk="results/{id}/scf.chk",
        json="results/{id}/scf.json",
    params:
        basis=lambda wildcards: molecule(wildcards).basis,
        cartesian=lambda wildcards: molecule(wildcards).cartesian,
        max_cycles=lambda wildcards: molecule(wildcards).scf_max_cycles,
        conv_tol=config["scf"]["conv_tol"],
        stability=config["scf"]["stability"],
    log:
        "results/{id}/logs/scf.log",
    benchmark:
        "results/{id}/benchmarks/scf.tsv"
    threads: 1
    resources:
        mem_mb=scf_mem_mb,
    conda:
        "../../envs/chemistry.yaml"
    shell:
        "qchemflow scf --geometry-json {input.json:q} --geometry-xyz {input.xyz:q}"
        " --basis {params.basis:q} --cartesian {params.cartesian} --conv-tol {params.conv_tol}"
        " --max-cycles {params.max_cycles} --stability {params.stability}"
        " --threads {threads} --memory-mb {resources.mem_mb}"
        " --output-chk {output.chk:q} --output-json {output.json:q} > {log:q} 2>&1"
