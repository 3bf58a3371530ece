#!/usr/bin/env bash
# Idempotent preparation of a Debian 12 host: installs the Debian packages Executioner needs and
# makes sure a Docker engine answers on its socket (starting dockerd in the background if not).
# A no-op when everything is present. Usage: conf/setup.sh [deps|engine|all]
set -euo pipefail

SOCK="${DOCKER_SOCK:-/var/run/docker.sock}"
LOG="${DOCKERD_LOG:-/var/log/executioner-dockerd.log}"
PKGS=(build-essential pkg-config libcurl4-openssl-dev libcjson-dev libmicrohttpd-dev libconfig-dev
      libcmocka-dev docker.io debootstrap iproute2 curl ca-certificates python3 wrk prometheus clang libclang-rt-14-dev)

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

case "${1:-all}" in
  deps) deps ;;
  engine) engine ;;
  all) deps; engine ;;
  *) say "usage: $0 [deps|engine|all]"; exit 2 ;;
esac
