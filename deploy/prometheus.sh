#!/usr/bin/env bash
# Prometheus and promtool for tests/e2e/test_prometheus.py, on a Debian machine where they are
# missing: `bash deploy/prometheus.sh` (as root; .ci/run calls it). Quick when they are there.
set -euo pipefail
command -v prometheus >/dev/null && command -v promtool >/dev/null && exit 0
echo "prometheus: installing Debian's prometheus (prometheus and promtool)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends prometheus >/dev/null \
  || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends prometheus >/dev/null; }
