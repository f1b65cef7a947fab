#!/usr/bin/env bash
# Install what `make bench` compares and builds with: runc and crun (the
# runtimes hull is measured against), busybox-static (the bundle) and
# golang-github-containers-common (podman's seccomp profile for the podman-like case).
# Only missing Debian packages, only as root with apt-get.
set -euo pipefail

PACKAGES=(runc crun busybox-static golang-github-containers-common)
missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
((${#missing[@]} == 0)) && exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
	echo "bench/deps.sh: missing ${missing[*]} (need root and apt-get)" >&2
	exit 1
fi
echo "bench/deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q </dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
