#!/usr/bin/env bash
# Install what `make bench` compares and builds with: runc and crun (the
# runtimes hull is measured against), busybox-static (the bundle) and
# golang-github-containers-common (podman's seccomp profile for the podman-like case).
# Only missing Debian packages, only as root with apt-get.
set -euo pipefail

exec "$(dirname "${BASH_SOURCE[0]}")/../scripts/apt-install-missing.sh" bench/deps.sh \
	runc crun busybox-static golang-github-containers-common
