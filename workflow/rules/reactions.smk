rule reactions:
    input:
        reaction_member_records(),
    output:
        report(
            "results/reactions.csv",
            caption="../report/reactions.rst",
            category="Relative energies",
        ),
    params:
        reactions=reactions_json(REACTIONS),
        invalid_rows=invalid_rows_json(INVALID_REACTIONS),
    log:
        "results/logs/reactions.log",
    benchmark:
        "results/benchmarks/reactions.tsv"
    conda:
        "../../envs/qchemflow.yaml"
    shell:
        "qchemflow reactions --results results --reactions {params.reactions:q}"
        " --invalid-rows {params.invalid_rows:q} --output {output:q} > {log:q} 2>&1"
