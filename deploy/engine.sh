#!/usr/bin/env bash
# A Docker engine for the container tests (tests/e2e/test_container.py), on a Debian machine where
# none runs: `bash deploy/engine.sh` (as root; .ci/run calls it). Idempotent, and quick when
# everything is already there:
#   1. Debian's docker.io (dockerd 20.10, whose own client speaks BuildKit without buildx),
#      docker-compose and debootstrap, installed only when dockerd is missing;
#   2. dockerd started only when no engine answers: overlay2 storage where the kernel mounts it,
#      else vfs, which copies the image's files for every container (bench/README.md, "The test
#      suite", has what that costs); no iptables and no bridge (the tests run containers on
#      --network host); its data root under /tmp so that it outlives this script but not the
#      machine, a data root per driver (BuildKit's cache of one is no cache of the other);
#   3. the Dockerfile's base image: kept when present, else pulled, else (no registry reachable)
#      stood in for by a Debian root made by debootstrap, with python and pip on the PATH and
#      this machine's CA bundle (so `docker build --network host` reaches the package index as
#      the machine does), imported under the FROM name.
set -euo pipefail
cd "$(dirname "$0")/.."

data_root=${MODALITY_PROXY_DOCKER_ROOT:-/tmp/modality-proxy-docker}
base_image=$(sed -n 's/^FROM \([^ ]*\).*/\1/p' Dockerfile | head -n 1)
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null \
  | head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}
log() { echo "engine: $*" >&2; }

install_packages() {
  command -v dockerd >/dev/null && command -v debootstrap >/dev/null \
    && command -v docker-compose >/dev/null && return
  log "installing docker.io, docker-compose and debootstrap"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q docker.io docker-compose debootstrap >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q docker.io docker-compose debootstrap >/dev/null; }
}

start_engine() {
  if docker info >/dev/null 2>&1; then
    log "an engine is running"
    return
  fi
  mkdir -p "$data_root"
  local driver
  for driver in overlay2 vfs; do
    log "starting dockerd ($driver storage, data root $data_root, log $data_root/dockerd.log)"
    setsid dockerd --data-root "$data_root/$driver" --exec-root "$data_root/exec" \
      --pidfile "$data_root/dockerd.pid" --storage-driver="$driver" \
      --iptables=false --ip6tables=false --bridge=none \
      >"$data_root/dockerd.log" 2>&1 </dev/null &
    local pid=$!  # dockerd's own: setsid execs it, in a script (no job control, no own group)
    for _ in $(seq 60); do
      docker info >/dev/null 2>&1 && return
      kill -0 "$pid" 2>/dev/null || break  # it refused the driver: try the next
      sleep 0.5
    done
    log "dockerd did not answer with $driver storage; its log ends:"
    tail -n 5 "$data_root/dockerd.log" >&2
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  exit 1
}

provide_base_image() {
  if docker image inspect "$base_image" >/dev/null 2>&1; then
    log "$base_image is there"
    return
  fi
  if timeout 20 docker pull -q "$base_image" >/dev/null 2>&1; then
    log "$base_image pulled"
    return
  fi
  log "$base_image cannot be pulled: standing in a Debian root (debootstrap, $mirror)"
  local root="$data_root/base-root"
  rm -rf "$root"
  debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
    bookworm "$root" "$mirror" >"$data_root/debootstrap.log" 2>&1 \
    || { tail -n 20 "$data_root/debootstrap.log" >&2; exit 1; }
  ln -sf python3 "$root/usr/bin/python"
  ln -sf pip3 "$root/usr/bin/pip"
  # Debian's pip refuses to install into the system Python (PEP 668) unless told otherwise.
  rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import -c 'CMD ["python3"]' - "$base_image" >/dev/null
  rm -rf "$root"
  log "$base_image stood in for by a bookworm root ($(docker image inspect -f '{{.Size}}' "$base_image") bytes)"
}

install_packages
start_engine
provide_base_image
