#!/usr/bin/env bash
# Stop exactly the daemons that scripts/slurm/start_cluster.sh started, by their pid files.
set -uo pipefail
STATE=${QCHEMFLOW_SLURM_STATE:-/var/tmp/qchemflow-slurm}
for daemon in slurmd slurmctld slurmdbd mariadbd munged; do
    pid_file=$STATE/$daemon.pid
    [ -f "$pid_file" ] || continue
    pid=$(cat "$pid_file")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        echo "stop_cluster: stopped $daemon ($pid)"
    fi
    rm -f "$pid_file"
done
