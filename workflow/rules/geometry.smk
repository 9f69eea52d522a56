rule geometry:
    input:
        geometry_source_file,
    output:
        xyz="results/{id}/geometry.xyz",
        json="results/{id}/geometry.json",
    params:
        source=geometry_source_arguments,
        charge=lambda wildcards: molecule(wildcards).charge,
        multiplicity=lambda wildcards: molecule(wildcards).multiplicity,
        seed=config["seed"],
    log:
        "results/{id}/logs/geometry.log",
    benchmark:
        "results/{id}/benchmarks/geometry.tsv"
    threads: 1
    conda:
        "../../envs/chemistry.yaml"
    shell:
        "qchemflow geometry --id {wildcards.id:q} {params.source:q} --charge {params.charge}"
        " --multiplicity {params.multiplicity} --seed {params.seed}"
        " --output-xyz {output.xyz:q} --output-json {output.json:q} > {log:q} 2>&1"
