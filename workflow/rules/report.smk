rule report:
    input:
        # every per-molecule record the summary and the report read
        expand(
            [
                "results/{id}/geometry.json",
                "results/{id}/scf.json",
                "results/{id}/active_space.json",
                "results/{id}/references.json",
                "results/{id}/qubit_hamiltonian.json",
                "results/{id}/vqe.json",
                "results/{id}/hardware.json",
                "results/{id}/noise.json",
            ],
            id=molecule_ids(),
        ),
        # cbs.json of every molecule when cbs.enabled
        optional=expand("results/{id}/{name}.json", id=molecule_ids(), name=OPTIONAL_RECORDS),
        # the page's template: editing it reruns the report
        template=workflow.source_path("../report/templates/report.html.j2"),
        # the relative energies, when a reactions table is set
        reactions=REACTIONS_CSV,
        # the scan tables, one per scan row
        scans=SCAN_CSVS,
    output:
        summary=report(
            "results/summary.csv",
            caption="../report/summary.rst",
            category="Summary",
        ),
        html="results/report.html",
        errors=report(
            "results/plots/errors.png",
            caption="../report/errors.rst",
            category="Plots",
        ),
        convergence=report(
            "results/plots/convergence.png",
            caption="../report/convergence.rst",
            category="Plots",
        ),
        hardware=report(
            "results/plots/hardware.png",
            caption="../report/hardware.rst",
            category="Plots",
        ),
        noise=report(
            "results/plots/noise.png",
            caption="../report/noise.rst",
            category="Plots",
        ),
    params:
        ids=molecule_ids(),
        invalid_rows=invalid_rows_json(),
        reactions_csv=" ".join(REACTIONS_CSV),
        scans_csv=SCAN_CSVS,
    log:
        "results/logs/report.log",
    benchmark:
        "results/benchmarks/report.tsv"
    conda:
        "../../envs/qchemflow.yaml"
    shell:
        "qchemflow report --results results --ids {params.ids:q}"
        " --invalid-rows {params.invalid_rows:q} --summary {output.summary:q}"
        " --html {output.html:q} --plots results/plots --template {input.template:q}"
        " --reactions-csv={params.reactions_csv:q} --scans-csv {params.scans_csv:q}"
        " > {log:q} 2>&1"
