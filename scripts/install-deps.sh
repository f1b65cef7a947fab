#!/usr/bin/env bash
# Install the Debian 12 packages hull's build, demo and tests need; only the
# missing ones, and only with apt-get as root. Safe to re-run; works without
# stdin (CI).
set -euo pipefail

# busybox-static replaces (conflicts with) the dynamic busybox package.
"$(dirname "${BASH_SOURCE[0]}")/apt-install-missing.sh" install-deps \
	runc crun podman conmon containerd busybox-static libseccomp-dev \
	pkg-config gcc iproute2 util-linux procps git make \
	musl-tools gperf patch xz-utils

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
