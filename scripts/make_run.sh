#!/usr/bin/env bash
# What `make run` runs: scripts/make_run.sh SNAKEMAKE [ARGUMENT...], in the project folder.
#
# It takes an exclusive flock on .snakemake/make-run.lock and execs Snakemake, which keeps the
# open file and with it the lock until it exits: the kernel releases it also after a SIGKILL or
# a power loss.
# - Another `make run` holds the lock: say so and exit 1 at once, without waiting.
# - This one gets it and Snakemake's own lock (.snakemake/locks/) is there: no other `make run`
#   is alive, so a killed run left that lock; unlock (snakemake --unlock), say so, and run.
#   Snakemake's jobs do not inherit the flock (it closes their descriptors), so first make sure
#   that no Snakemake started by hand and no job of a run whose Snakemake alone was killed is
#   still working in this folder: if one is, refuse instead of unlocking.
# Plain `snakemake` keeps Snakemake's own behaviour: it refuses until `snakemake --unlock`.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 SNAKEMAKE [ARGUMENT...]" >&2
    exit 2
fi
snakemake=$1
shift

mkdir -p .snakemake
exec 9>>.snakemake/make-run.lock
if ! flock --exclusive --nonblock 9; then
    echo "make run: another 'make run' is running in $PWD (it holds .snakemake/make-run.lock);" \
        "not starting a second one. Wait for it to finish, or stop it." >&2
    exit 1
fi

# "PROGRAM (pid PID)" of a process working in this folder whose program is snakemake or
# qchemflow (run directly, as `python .../snakemake`, or as `python -m snakemake`), if any.
workflow_process_here() {
    local process program
    local -a argv
    for process in /proc/[0-9]*; do
        [ "$process/cwd" -ef . ] || continue  # the same folder (stat, no fork)
        mapfile -d '' -t argv <"$process/cmdline" 2>/dev/null || continue
        [ ${#argv[@]} -gt 0 ] || continue
        program=${argv[0]##*/}
        if [[ "$program" == python* ]] && [ ${#argv[@]} -gt 1 ]; then
            program=${argv[1]##*/}
            if [ "$program" = -m ] && [ ${#argv[@]} -gt 2 ]; then
                program=${argv[2]}
            fi
        fi
        case "$program" in
            snakemake | qchemflow)
                echo "$program (pid ${process#/proc/})"
                return 0
                ;;
        esac
    done
    return 1
}

if compgen -G ".snakemake/locks/*.lock" >/dev/null; then
    if found=$(workflow_process_here); then
        echo "make run: $found is still working in $PWD, not for a running 'make run' (a" \
            "Snakemake started by hand, or a job whose Snakemake was killed alone); not removing" \
            "Snakemake's lock. Wait for it to finish, or stop it." >&2
        exit 1
    fi
    echo "make run: no other 'make run' is running, so Snakemake's lock in .snakemake/locks" \
        "was left by an interrupted run: unlocking (snakemake --unlock)."
    "$snakemake" --unlock "$@"
fi

# exec: Snakemake inherits descriptor 9, and with it the lock, until it exits.
exec "$snakemake" "$@"
