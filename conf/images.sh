#!/usr/bin/env bash
# Builds Executioner's language images locally, only those missing or changed. Reads lines
# "<language> <image-tag>" on stdin (from `executioner --list-images`); each image comes from
# conf/images/<language>/Dockerfile plus the in-container helper, keyed by a hash of both.
# With no registry, the base debian:bookworm-slim is made with debootstrap + docker import.
set -euo pipefail

HELPER="${1:?usage: images.sh HELPER_BINARY < list}"
HERE="$(cd "$(dirname "$0")" && pwd)"
BASE="debian:bookworm-slim"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
JOBS="${IMAGE_JOBS:-3}"
LOGDIR="${IMAGE_LOGDIR:-/tmp/executioner-images}"
DOCKER=docker; [ -x /usr/bin/docker ] && DOCKER=/usr/bin/docker
export DOCKER DOCKER_BUILDKIT=0 HELPER HERE LOGDIR
mkdir -p "$LOGDIR"

say() { printf 'images: %s\n' "$*" >&2; }

make_base() {
  $DOCKER image inspect "$BASE" >/dev/null 2>&1 && return 0
  say "no $BASE; trying a pull"
  if timeout 60 $DOCKER pull "$BASE" >/dev/null 2>&1; then return 0; fi
  say "pull failed (no registry); building $BASE with debootstrap from $MIRROR"
  local dir; dir="$(mktemp -d /tmp/executioner-rootfs.XXXXXX)"
  trap 'rm -rf "$dir"' RETURN
  timeout 900 debootstrap --variant=minbase bookworm "$dir" "$MIRROR" >"$LOGDIR/debootstrap.log" 2>&1 \
    || { say "debootstrap failed; see $LOGDIR/debootstrap.log"; tail -n 20 "$LOGDIR/debootstrap.log" >&2; exit 1; }
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$MIRROR" "$MIRROR" >"$dir/etc/apt/sources.list"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar -C "$dir" -c . | $DOCKER import - "$BASE" >/dev/null
  say "imported $BASE"
}

build_one() {  # build_one LANG TAG
  local lang="$1" tag="$2" df="$HERE/images/$1/Dockerfile"
  [ -f "$df" ] || { say "$lang: no $df"; return 1; }
  local key; key="$(cat "$df" "$HELPER" | sha256sum | cut -c1-16)"
  local have; have="$($DOCKER image inspect -f '{{index .Config.Labels "executioner.key"}}' "$tag" 2>/dev/null || true)"
  if [ "$have" = "$key" ]; then say "$lang: $tag is up to date"; return 0; fi
  local old; old="$($DOCKER image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)"
  say "$lang: building $tag (log: $LOGDIR/$lang.log)"
  local ctx; ctx="$(mktemp -d /tmp/executioner-ctx.XXXXXX)"
  cp "$df" "$ctx/Dockerfile"; cp "$HELPER" "$ctx/executioner-helper"
  local t0=$SECONDS rc=0
  timeout 1800 $DOCKER build -t "$tag" "$ctx" >"$LOGDIR/$lang.log" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then rm -rf "$ctx"; say "$lang: build failed ($rc); last lines:"; tail -n 15 "$LOGDIR/$lang.log" >&2; return 1; fi
  # The exact version the toolchain reports becomes a label (second build: all layers cached).
  local vcmd ver=""
  vcmd="$(sed -n 's/^# version: //p' "$df" | head -n 1)"
  [ -n "$vcmd" ] && ver="$(timeout 60 $DOCKER run --rm --network none "$tag" sh -c "$vcmd" 2>/dev/null \
      | grep -oE '[0-9]+(\.[0-9]+)+' | head -n 1 || true)"
  timeout 600 $DOCKER build --label "executioner.key=$key" --label "executioner.version=$ver" -t "$tag" "$ctx" \
      >>"$LOGDIR/$lang.log" 2>&1 || rc=$?
  rm -rf "$ctx"
  if [ $rc -ne 0 ]; then say "$lang: labelling failed ($rc)"; return 1; fi
  # The version it replaces would stay behind as a dangling image (refused while a container uses it).
  [ -n "$old" ] && [ "$old" != "$($DOCKER image inspect -f '{{.Id}}' "$tag")" ] &&
    $DOCKER rmi "$old" >/dev/null 2>&1 && say "$lang: removed the image it replaces"
  say "$lang: built $tag (version ${ver:-unknown}) in $((SECONDS - t0)) s"
}
export -f build_one say

make_base
t0=$SECONDS
# One build per input line, a few at a time (downloads dominate; 2 cores).
grep -v '^\s*$' | xargs -P "$JOBS" -L 1 bash -c 'build_one "$0" "$1"'
say "all images ready in $((SECONDS - t0)) s"
