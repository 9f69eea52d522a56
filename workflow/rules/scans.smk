rule scan:
    input:
        scan_point_records,
    output:
        "results/scans/{scan}.csv",
    params:
        points=scan_points_json,
    log:
        "results/logs/scan_{scan}.log",
    benchmark:
        "results/benchmarks/scan_{scan}.tsv"
    conda:
        "../../envs/qchemflow.yaml"
    shell:
        "qchemflow scan --results results --points {params.points:q}"
        " --output {output:q} > {log:q} 2>&1"
