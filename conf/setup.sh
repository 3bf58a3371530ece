#!/usr/bin/env bash
# Idempotent preparation of a Debian 12 host: installs the Debian packages Executioner needs and
# makes sure a Docker engine answers on its socket (starting dockerd in the background if not), and
# registers crun with it (the C OCI runtime the shipped executioner.conf selects; the built-in
# default of docker.runtime, when the file does not set it, is runc). clang and libclang-rt-14-dev
# are for the libFuzzer targets (make fuzz, and the smoke run in make test). A no-op when
# everything is present. Usage: conf/setup.sh [deps|engine|all]
set -euo pipefail

SOCK="${DOCKER_SOCK:-/var/run/docker.sock}"
LOG="${DOCKERD_LOG:-/var/log/executioner-dockerd.log}"
PKGS=(build-essential pkg-config libcurl4-openssl-dev libcjson-dev libmicrohttpd-dev libconfig-dev libsqlite3-dev libarchive-dev
      libpq-dev postgresql
      libcmocka-dev docker.io debootstrap iproute2 curl ca-certificates python3 wrk prometheus clang libclang-rt-14-dev crun
      chromium chromium-driver python3-selenium xxd python3-jsonschema
      libgrpc-dev libprotobuf-c-dev protobuf-c-compiler python3-grpcio python3-grpc-tools)
# The page's bundle (master/web) needs node and npm: Debian's unless some other npm is on PATH.
command -v npm >/dev/null || PKGS+=(nodejs npm)

say() { printf 'setup: %s\n' "$*" >&2; }

deps() {
  local missing=()
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || { say "need root to install: ${missing[*]}"; exit 1; }
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq
  timeout 1200 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

engine_answers() {
  curl -s --max-time 2 --unix-socket "$SOCK" http://localhost/_ping 2>/dev/null | grep -q OK
}

engine() {
  engine_answers && return 0
  if pgrep -x dockerd >/dev/null; then
    say "dockerd runs but does not answer yet; waiting"
  else
    say "starting dockerd (log: $LOG)"
    command -v dockerd >/dev/null || { say "dockerd not installed"; exit 1; }
    # containerd is started by dockerd itself when none runs.
    nohup dockerd --host "unix://$SOCK" --log-level warn >>"$LOG" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 120); do
    engine_answers && { say "engine is up"; return 0; }
    sleep 0.5
  done
  say "engine did not answer on $SOCK within 60 s; see $LOG"; tail -n 20 "$LOG" >&2 || true
  exit 1
}

# crun refuses a hybrid cgroup layout whose v2 mount still holds controllers (here: hugetlb, which
# no v1 hierarchy claimed). Mounting each such controller as its own v1 hierarchy, as a v1 host
# normally does, moves it off the v2 mount; runc and the engine are indifferent to it.
# A controller already bound to a v1 hierarchy that is mounted nowhere (after an umount) is mounted
# again: containerd cannot load a container's cgroups otherwise ("cannot find cgroup mount
# destination" for every container).
cgroup_hybrid_fix() {
  local u=/sys/fs/cgroup/unified c
  [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] && [ -r "$u/cgroup.controllers" ] || return 0
  local unmounted; unmounted="$(awk 'NR > 1 && $2 != 0 && $4 == 1 { print $1 }' /proc/cgroups | while read -r c; do
    grep -qE "^cgroup .* cgroup ([^ ]*,)?$c(,[^ ]*)? " /proc/mounts || echo "$c"; done)"
  for c in $(cat "$u/cgroup.controllers") $unmounted; do
    mkdir -p "/sys/fs/cgroup/$c" && mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" &&
      say "mounted the $c cgroup controller as a v1 hierarchy (for crun)" ||
      say "warning: cannot move cgroup controller $c off the v2 mount; crun may refuse to start containers"
  done
}

# Adds crun to the engine's runtimes in daemon.json (kept otherwise as it is) and makes a running
# engine reload it (SIGHUP reloads "runtimes").
crun_register() {
  local conf=/etc/docker/daemon.json path
  path="$(command -v crun)" || { say "crun not installed"; exit 1; }
  curl -s --max-time 5 --unix-socket "$SOCK" http://localhost/info | grep -q '"crun"' && return 0
  mkdir -p /etc/docker
  python3 - "$conf" "$path" <<'PY'
import json, os, sys
conf, path = sys.argv[1], sys.argv[2]
d = json.load(open(conf)) if os.path.exists(conf) and os.path.getsize(conf) else {}
d.setdefault("runtimes", {})["crun"] = {"path": path}
json.dump(d, open(conf + ".tmp", "w"), indent=2)
os.replace(conf + ".tmp", conf)
PY
  say "registered crun ($path) in $conf"
  pkill -HUP -x dockerd || true
  for _ in $(seq 1 40); do
    curl -s --max-time 2 --unix-socket "$SOCK" http://localhost/info | grep -q '"crun"' && return 0
    sleep 0.25
  done
  say "the engine does not list crun after a reload; restart dockerd or set docker.runtime = \"runc\""
  exit 1
}

case "${1:-all}" in
  deps) deps ;;
  engine) cgroup_hybrid_fix; engine; crun_register ;;
  all) deps; cgroup_hybrid_fix; engine; crun_register ;;
  *) say "usage: $0 [deps|engine|all]"; exit 2 ;;
esac
