#!/usr/bin/env bash
# Private single-node Slurm cluster on localhost, for tests and CI.
#
#   scripts/slurm-local.sh install                  apt-get install slurm-wlm munge (if missing)
#   scripts/slurm-local.sh start  STATE_DIR         start munged, slurmctld, slurmd; wait for
#                                                   the node to be idle; print the line
#                                                   `export SLURM_CONF=...` (also in STATE_DIR/env.sh)
#   scripts/slurm-local.sh status STATE_DIR         sinfo of that cluster
#   scripts/slurm-local.sh stop   STATE_DIR [--purge]  cancel its jobs, kill its daemons;
#                                                   --purge also deletes STATE_DIR
#
# Typical use:  scripts/slurm-local.sh start "$d" >/dev/null && source "$d/env.sh"
# Everything (config, munge key and socket, spool, state, logs, pids) lives under
# STATE_DIR; the host's /etc/slurm, /etc/munge and /run/munge are never used. The
# daemons run as root, without systemd or cgroups. Made for Debian 12's slurm-wlm 22.05.
# Exit status: 0 ok, 1 usage, 2 Slurm unavailable or failed to start; then the last
# line on stderr is "slurm-local: <reason>" (after the daemons' logs, if any).
# Knobs (environment): SLURM_LOCAL_CTLD_PORT=6817 SLURM_LOCAL_SLURMD_PORT=6818
#   SLURM_LOCAL_MIN_JOB_AGE=300 SLURM_LOCAL_OVERSUBSCRIBE=4 SLURM_LOCAL_TIMEOUT=60
set -euo pipefail

# The daemons live in /usr/sbin, which a non-root PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
BINS=(munged slurmctld slurmd sinfo sbatch squeue scontrol scancel)

die() { echo "slurm-local: $*" >&2; exit 2; }
usage() { sed -n '2,10p' "$0" >&2; exit 1; }
missing_bins() { local b; for b in "${BINS[@]}"; do command -v "$b" >/dev/null || echo -n "$b "; done; }

install_pkgs() {
  [[ $(id -u) == 0 ]] || die "not root: cannot apt-get install slurm-wlm munge"
  command -v apt-get >/dev/null || die "no apt-get: install slurm-wlm and munge by hand"
  # Their postinst tries to start the system services; without systemd that is
  # refused harmlessly, and we run private daemons anyway.
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2 || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends slurm-wlm munge >&2 \
    || die "apt-get install slurm-wlm munge failed"
}

# Pid of daemon $1 from its pid file, if that process is alive and really is $1:
# a zombie counts as dead (PID 1 may reap late), a recycled pid is not ours.
daemon_pid() {
  local f=$S/run/$1.pid pid st
  [[ -s $f ]] && pid=$(<"$f") && st=$(ps -o stat=,comm= -p "$pid") \
    && [[ $st != Z* && $st == *" $1" ]] && echo "$pid"
}
any_alive() {
  local p st; for p; do st=$(ps -o stat= -p "$p") && [[ $st != Z* ]] && return 0; done; return 1
}
descendants() { local c; for c in $(pgrep -P "$1" || true); do echo "$c"; descendants "$c"; done; }

# A start that went wrong: show the logs, stop what did start, exit 2 with the reason.
fail() {
  local f
  for f in "$S"/log/*.log; do
    [[ -s $f ]] && { echo "----- $f (last 30 lines) -----"; tail -n 30 "$f"; } >&2
  done
  stop
  die "$*"
}

start() {
  if [[ -n $(missing_bins) ]]; then
    [[ $(id -u) == 0 ]] || die "missing $(missing_bins)and not root to install them"
    install_pkgs
    [[ -z $(missing_bins) ]] || die "still missing after install: $(missing_bins)"
  fi
  [[ $(id -u) == 0 ]] || die "must be root (the daemons run as root: SlurmUser=root)"
  local sock=$S/munge/munge.socket
  # sun_path holds 108 bytes; munged would fail obscurely on a longer path.
  (( ${#sock} < 100 )) || die "STATE_DIR path too long for a unix socket: $sock"
  [[ -z $(daemon_pid slurmctld)$(daemon_pid munged) ]] || die "already running in $S (stop it first)"

  local ctld_port=${SLURM_LOCAL_CTLD_PORT:-6817} slurmd_port=${SLURM_LOCAL_SLURMD_PORT:-6818} p
  for p in "$ctld_port" "$slurmd_port"; do
    # Another slurmctld/slurmd on the port would make ours die at bind(): say so.
    if command -v ss >/dev/null && [[ -n $(ss -Hltn "sport = :$p") ]]; then
      die "TCP port $p already in use (set SLURM_LOCAL_CTLD_PORT / SLURM_LOCAL_SLURMD_PORT)"
    fi
  done

  mkdir -p "$S"/{etc,munge,log,run,spool/slurmd,spool/ctld}
  # munged refuses a socket unless every folder above it is executable by all
  # (--force below turns that into a warning); mktemp -d folders are 0700.
  chmod 0755 "$S" "$S"/{etc,munge,log,run,spool}

  # The real CPU layout and memory, as slurmd sees them: a node configured with
  # more than it has would be DRAINed.
  local hw
  hw=$(slurmd -C | head -1 | tr ' ' '\n' \
    | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore|RealMemory)=' \
    | tr '\n' ' ') || die "slurmd -C failed"

  cat >"$S/etc/slurm.conf" <<EOF
# Written by slurm-local.sh: private single-node cluster, all its files under $S
ClusterName=local
# slurmctld accepts "localhost" whatever the real hostname is.
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
# Root daemons: no slurm user, no file ownership to set up.
SlurmUser=root
SlurmdUser=root
# Our own munged (auth/munge and cred/munge both read this), not /run/munge.
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$S/spool/ctld
SlurmdSpoolDir=$S/spool/slurmd
SlurmctldPidFile=$S/run/slurmctld.pid
SlurmdPidFile=$S/run/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
# No systemd or cgroups: track job processes through /proc, bind no tasks.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd, so no sacct: look at jobs with squeue / scontrol show job.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
# No mail here; also silences "Configured MailProg is invalid".
MailProg=/bin/true
# Cores are the consumable resource, memory is not (jobs need no --mem).
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Start batch jobs at the next scheduler pass (~1 s) instead of up to 3 s later.
SchedulerParameters=batch_sched_delay=0
MaxArraySize=10001
MaxJobCount=100000
# Seconds a finished job stays visible in squeue/scontrol; it is purged on a
# ~1-minute pass after that, after which its id is "Invalid job id specified".
MinJobAge=${SLURM_LOCAL_MIN_JOB_AGE:-300}
# A node that went DOWN (slurmd restarted or unreachable) comes back by itself.
ReturnToService=2
InactiveLimit=0
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 ${hw}State=UNKNOWN
# FORCE:N lets N jobs share each core: a 2-core node runs 2*N 1-CPU tasks at once.
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:${SLURM_LOCAL_OVERSUBSCRIBE:-4}
EOF
  printf 'export SLURM_CONF=%q\n' "$S/etc/slurm.conf" >"$S/env.sh"
  export SLURM_CONF=$S/etc/slurm.conf

  # A key of our own keeps this cluster apart from the host's; munged wants it
  # owned by its user (root here) and unreadable by others.
  [[ -s $S/munge/munge.key ]] \
    || (umask 077; dd if=/dev/urandom of="$S/munge/munge.key" bs=1024 count=1 status=none)
  chmod 0600 "$S/munge/munge.key"

  # Daemons' stdout/stderr go to a file: inherited, they would hang a caller's $(...).
  # --force: only warn if a folder above STATE_DIR is not world-executable (all
  # clients are root here) or a stale socket is left from a killed munged.
  munged --force --socket="$sock" --key-file="$S/munge/munge.key" \
    --pid-file="$S/run/munged.pid" --log-file="$S/log/munged.log" \
    --seed-file="$S/munge/munged.seed" >>"$S/log/start.log" 2>&1 || fail "munged failed to start"
  # -c: begin with an empty queue, not with jobs recovered from an earlier run.
  slurmctld -c -f "$SLURM_CONF" >>"$S/log/start.log" 2>&1 || fail "slurmctld failed to start"
  # -N: this node is "localhost" whatever `hostname` says.
  slurmd -f "$SLURM_CONF" -N localhost >>"$S/log/start.log" 2>&1 || fail "slurmd failed to start"

  local deadline=$((SECONDS + ${SLURM_LOCAL_TIMEOUT:-60})) state
  while state=$(sinfo -h -n localhost -o %t 2>/dev/null || true); [[ $state != idle ]]; do
    (( SECONDS < deadline )) || fail "node not idle after ${SLURM_LOCAL_TIMEOUT:-60}s (state: '${state:-no answer}')"
    sleep 0.5
  done
  cat "$S/env.sh"
}

status() {
  [[ -n $(daemon_pid slurmctld) ]] || die "no slurmctld running for $S"
  export SLURM_CONF=$S/etc/slurm.conf
  sinfo
}

stop() {
  local d p fds pids=()
  if [[ -n $(daemon_pid slurmctld) ]]; then
    export SLURM_CONF=$S/etc/slurm.conf
    # A job's slurmstepd outlives slurmd by design: cancel the jobs first.
    squeue -h -o %A 2>/dev/null | xargs -r scancel 2>/dev/null || true
    for _ in $(seq 20); do
      [[ -z $(squeue -h -t running,completing -o %A 2>/dev/null) ]] && break; sleep 0.5
    done
  fi
  # TERM all three at once (each takes 1-2 s to exit), KILL what is left after 10 s.
  for d in slurmd slurmctld munged; do
    p=$(daemon_pid "$d") && pids+=("$p")
  done
  if (( ${#pids[@]} )); then
    kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 50); do any_alive "${pids[@]}" || break; sleep 0.2; done
    kill -9 "${pids[@]}" 2>/dev/null || true
  fi
  # A slurmstepd of ours still running (slurmctld was dead, so no scancel) has
  # its log open under $S: kill it with its job, whose pids must be collected
  # first (once the stepd is gone they are reparented and untraceable).
  for p in $(pgrep -x slurmstepd || true); do
    fds=$(ls -l "/proc/$p/fd" 2>/dev/null || true)
    # shellcheck disable=SC2046
    [[ $fds != *"$S/"* ]] || kill -9 "$p" $(descendants "$p") 2>/dev/null || true
  done
  rm -f "$S"/run/*.pid
  [[ ${PURGE:-} != 1 ]] || rm -rf "$S"
}

cmd=${1:-}
case $cmd in
  install) [[ -z $(missing_bins) ]] || install_pkgs; exit 0 ;;
  start|status|stop) [[ -n ${2:-} ]] || usage ;;
  *) usage ;;
esac
[[ ${3:-} != --purge ]] || PURGE=1
# Absolute and symlink-free: slurm.conf wants absolute paths, stop matches on it.
S=$(realpath -m "$2")
[[ $cmd == start || -d $S ]] || die "no such STATE_DIR: $S"
"$cmd"
