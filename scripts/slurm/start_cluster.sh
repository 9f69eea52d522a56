#!/usr/bin/env bash
# Start a single-node SLURM cluster for qchemflow's cluster tests (Debian 12, as root, no systemd):
# munged, MariaDB, slurmdbd (so sacct works), slurmctld and slurmd. Every daemon it starts writes
# a pid file under $STATE; scripts/slurm/stop_cluster.sh stops exactly those.
# Usage: sudo scripts/slurm/start_cluster.sh   (idempotent: a running cluster is left alone)
set -euo pipefail

STATE=${QCHEMFLOW_SLURM_STATE:-/var/tmp/qchemflow-slurm}
HOST=$(hostname -s)
CPUS=$(nproc)
MEMORY_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 2048 ))
MUNGE_SOCKET=$STATE/munge/munge.socket.2
DB_SOCKET=$STATE/mysql/mysqld.sock
DB_PASSWORD=qchemflow-slurm

log() { echo "start_cluster: $*"; }

if [ "$(id -u)" != 0 ]; then
    echo "start_cluster: run as root (it installs packages and starts daemons)" >&2
    exit 2
fi
if [ -f "$STATE/slurmd.pid" ] && kill -0 "$(cat "$STATE/slurmd.pid")" 2>/dev/null; then
    log "already running (state in $STATE)"
    exit 0
fi

install_packages() {
    local missing=()
    for binary in munged slurmctld slurmd slurmdbd mariadbd sacct; do
        command -v "$binary" >/dev/null || missing+=("$binary")
    done
    [ ${#missing[@]} -eq 0 ] && return
    log "installing Debian packages (missing: ${missing[*]})"
    # Debian's policy-rc.d keeps the packages from starting their own daemons.
    local created_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        created_policy=1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        munge mariadb-server slurmctld slurmd slurmdbd slurm-client >/dev/null
    if [ "$created_policy" = 1 ]; then
        rm -f /usr/sbin/policy-rc.d
    fi
}

wait_for() {  # wait_for DESCRIPTION SECONDS COMMAND...
    local description=$1 seconds=$2
    shift 2
    for _ in $(seq 1 $((seconds * 5))); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "start_cluster: $description did not come up in ${seconds}s" >&2
    return 1
}

install_packages
mkdir -p "$STATE"/{munge,mysql,db,spool/ctld,spool/d,log}
# munged refuses a socket folder without execute permission for all.
chmod 755 "$STATE" "$STATE/munge"

log "munged"
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
chown munge:munge "$STATE/munge"
mkdir -p /var/log/munge /var/lib/munge && chown munge:munge /var/log/munge /var/lib/munge
su -s /bin/sh munge -c "/usr/sbin/munged --socket=$MUNGE_SOCKET --pid-file=$STATE/munge/munged.pid --force"
cp "$STATE/munge/munged.pid" "$STATE/munged.pid"
wait_for munged 10 munge -n --socket="$MUNGE_SOCKET"

log "MariaDB"
chown -R mysql:mysql "$STATE/mysql" "$STATE/db"
if [ ! -d "$STATE/db/mysql" ]; then
    mariadb-install-db --user=mysql --datadir="$STATE/db" --auth-root-authentication-method=socket >/dev/null
fi
/usr/sbin/mariadbd --user=mysql --datadir="$STATE/db" --socket="$DB_SOCKET" \
    --pid-file="$STATE/mysql/mariadbd.pid" --skip-networking=0 --bind-address=127.0.0.1 --port=3307 \
    --log-error="$STATE/mysql/mariadb.log" &
wait_for MariaDB 60 mariadb --socket="$DB_SOCKET" -e "select 1"
cp "$STATE/mysql/mariadbd.pid" "$STATE/mariadbd.pid"
mariadb --socket="$DB_SOCKET" <<SQL
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL

log "configuration in /etc/slurm (the plugin's job steps drop SLURM_CONF)"
mkdir -p /etc/slurm
cat > /etc/slurm/slurmdbd.conf <<CONF
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
DbdHost=localhost
DbdPort=6819
SlurmUser=root
PidFile=$STATE/slurmdbd.pid
LogFile=$STATE/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=3307
StorageLoc=slurm_acct_db
StorageUser=slurm
StoragePass=$DB_PASSWORD
CONF
chmod 600 /etc/slurm/slurmdbd.conf
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=qchemflow
SlurmctldHost=$HOST
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
ReturnToService=2
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$STATE/spool/ctld
SlurmdSpoolDir=$STATE/spool/d
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
AccountingStoragePass=$MUNGE_SOCKET
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
JobCompType=jobcomp/none
MinJobAge=300
KillWait=10
InactiveLimit=0
Waittime=0
NodeName=$HOST CPUs=$CPUS RealMemory=$MEMORY_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
rm -f /etc/slurm/cgroup.conf  # linuxproc and task/affinity need no cgroups

log "slurmdbd"
/usr/sbin/slurmdbd
wait_for slurmdbd 30 sacctmgr -i show cluster
sacctmgr -i add cluster qchemflow >/dev/null 2>&1 || true
sacctmgr -i add account qchemflow Description=qchemflow Organization=qchemflow >/dev/null 2>&1 || true
sacctmgr -i add user root Account=qchemflow DefaultAccount=qchemflow >/dev/null 2>&1 || true

log "slurmctld and slurmd"
/usr/sbin/slurmctld
wait_for slurmctld 30 scontrol ping
/usr/sbin/slurmd
wait_for "node $HOST" 60 sh -c "sinfo -h -N -o %t | grep -Eq '^(idle|mix|alloc)'"
log "up: $(sinfo -h -o '%P %a %D %t') (state in $STATE)"
