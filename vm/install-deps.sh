#!/usr/bin/env bash
# vm/install-deps.sh: the host packages the VM harness needs (Debian 12):
# qemu to boot, debootstrap to build the image, e2fsprogs for mkfs.ext4 -d,
# file to check that hull is static. Only the missing ones; safe to re-run;
# works without stdin (CI).
set -euo pipefail

PACKAGES=(qemu-system-x86 debootstrap e2fsprogs file util-linux gcc libc6-dev)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
((${#missing[@]} == 0)) && exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
	echo "vm/install-deps: missing packages: ${missing[*]} (need root and apt-get)" >&2
	exit 1
fi
echo "vm/install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q </dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
