#!/usr/bin/env bash
# mkbundle.sh BUNDLE_DIR [HULL_BINARY] [-- COMMAND...]
#
# Build an OCI bundle with a busybox rootfs from Debian's busybox-static:
# rootfs/bin/busybox plus `busybox --install -s` applet symlinks, minimal
# /etc/passwd and /etc/group, then `hull spec` with process.args set to
# COMMAND (default: a short demo) and terminal false.
set -euo pipefail

usage() { echo "usage: $0 BUNDLE_DIR [HULL_BINARY] [-- COMMAND...]" >&2; exit 2; }

(($# >= 1)) || usage
bundle=$1
shift
hull=bin/hull
if (($# >= 1)) && [[ $1 != -- ]]; then
	hull=$1
	shift
fi
if (($# >= 1)); then
	[[ $1 == -- ]] || usage
	shift
fi
if (($# == 0)); then
	set -- sh -c 'echo "Hello from a hull container: hostname $(hostname), pid $$, uid $(id -u)"; echo "rootfs: $(ls / | tr "\n" " ")"'
fi

hull=$(readlink -f "$hull")
[[ -x $hull ]] || { echo "mkbundle: $hull is not executable (run make build)" >&2; exit 1; }

busybox=""
for b in /bin/busybox /usr/bin/busybox; do
	# Only a static busybox runs without the host's libc in the rootfs.
	if [[ -x $b ]] &&
		! ldd "$b" >/dev/null 2>&1; then
		busybox=$b
		break
	fi
done
[[ -n $busybox ]] || { echo "mkbundle: no static busybox; apt-get install busybox-static" >&2; exit 1; }

rootfs=$bundle/rootfs
rm -rf "$rootfs" "$bundle/config.json"
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root}
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
# Run the rootfs' own busybox chrooted so the links point at /bin/busybox.
chroot "$rootfs" /bin/busybox --install -s
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$rootfs/etc/group"

(cd "$bundle" && "$hull" spec)

# Replace process.args and turn the terminal off. sed -z sees the whole file
# as one line, so this works whatever the JSON indentation is.
args=""
for a in "$@"; do
	esc=${a//\\/\\\\}
	esc=${esc//\"/\\\"}
	args+="${args:+, }\"$esc\""
done
sedargs=${args//\\/\\\\}
sedargs=${sedargs//&/\\&}
sedargs=${sedargs//|/\\|}
sed -z -i -E \
	-e "s|\"args\"[[:space:]]*:[[:space:]]*\[[^]]*\]|\"args\": [$sedargs]|" \
	-e 's|"terminal"[[:space:]]*:[[:space:]]*true|"terminal": false|' \
	"$bundle/config.json"
grep -q '"terminal": *false\|"terminal":false' "$bundle/config.json" ||
	! grep -q '"terminal"' "$bundle/config.json" ||
	{ echo "mkbundle: could not set terminal=false" >&2; exit 1; }
echo "mkbundle: bundle ready in $bundle"
