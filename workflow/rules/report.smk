rule summary:
    input:
        expand("results/{id}/references.json", id=molecule_ids()),
    output:
        report(
            "results/summary.csv",
            caption="../report/summary.rst",
            category="Summary",
        ),
    params:
        ids=molecule_ids(),
        invalid_rows=invalid_rows_json(),
    log:
        "results/logs/summary.log",
    benchmark:
        "results/benchmarks/summary.tsv"
    conda:
        "../../envs/chemistry.yaml"
    shell:
        "qchemflow summary --results results --ids {params.ids:q}"
        " --invalid-rows {params.invalid_rows:q} --output {output:q} > {log:q} 2>&1"
