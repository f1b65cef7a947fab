#!/usr/bin/env bash
# apt-install-missing.sh TAG PACKAGE...: install the Debian packages of the
# list that are not installed yet, with apt-get as root, and nothing else.
# TAG names the caller in messages. Exits 0 when all are there (no root or
# apt-get needed then), 1 when some are missing and cannot be installed.
# Safe to re-run; works without stdin (CI). Shared by scripts/install-deps.sh
# and bench/deps.sh (and meant for vm/install-deps.sh too).
set -euo pipefail

if (($# < 1)); then
	echo "usage: apt-install-missing.sh TAG PACKAGE..." >&2
	exit 2
fi
tag=$1
shift

missing=()
for p in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
((${#missing[@]} == 0)) && exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
	echo "$tag: missing packages: ${missing[*]} (need root and apt-get to install them)" >&2
	exit 1
fi
echo "$tag: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q </dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
