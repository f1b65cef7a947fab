#!/usr/bin/env bash
# Install the Debian 12 packages hull's build, demo and tests need; only the
# missing ones, and only with apt-get as root. Safe to re-run; works without
# stdin (CI).
set -euo pipefail

PACKAGES=(runc crun podman conmon containerd busybox-static libseccomp-dev
	pkg-config gcc iproute2 util-linux procps git make)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if ((${#missing[@]} > 0)); then
	if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
		echo "install-deps: missing packages: ${missing[*]} (need root and apt-get to install them)" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q </dev/null
	# busybox-static replaces (conflicts with) the dynamic busybox package.
	apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi

if ! command -v go >/dev/null; then
	for d in /usr/local/go/bin /usr/lib/go/bin; do
		if [[ -x $d/go ]]; then
			echo "install-deps: go is in $d; add it to PATH" >&2
			exit 1
		fi
	done
	echo "install-deps: Go >= 1.26 is required (Debian 12's golang is too old); install it from https://go.dev/dl/" >&2
	exit 1
fi
