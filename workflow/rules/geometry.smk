rule geometry:
    input:
        geometry_source_file,
    output:
        xyz="results/{id}/geometry.xyz",
        json="results/{id}/geometry.json",
    params:
        settings=stage_settings("geometry"),
        run=RUN_FILE,
    log:
        "results/{id}/logs/geometry.log",
    benchmark:
        "results/{id}/benchmarks/geometry.tsv"
    threads: 1
    conda:
        "../../envs/qchemflow.yaml"
    shell:
        "qchemflow geometry --settings {params.settings:q} --run {params.run:q}"
        " --output-xyz {output.xyz:q} --output-json {output.json:q} > {log:q} 2>&1"
