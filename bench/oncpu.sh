#!/usr/bin/env bash
# oncpu.sh RUNTIME N [BUNDLE]: on-CPU time of each process of N `RUNTIME run`s
# of BUNDLE (default: a fresh busybox /bin/true bundle), measured with
# bpftrace (bench/oncpu.bt) rather than sampled. With BUNDLE "--version",
# N runs of `RUNTIME --version`. Needs root and bpftrace; runs in a private
# mount namespace, as the bench does (crun 1.8.1 needs an empty
# cgroup.controllers on this hybrid host, see docs/performance.md).
set -euo pipefail
command -v bpftrace >/dev/null || { echo "oncpu.sh: needs bpftrace (apt-get install bpftrace)" >&2; exit 1; }
rt=$(readlink -f "$(command -v "$1")"); n=$2; bundle=${3:-}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /run/hull-oncpu.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [[ -z $bundle ]]; then
	bundle=$work/bundle
	"$here/scripts/mkbundle.sh" "$bundle" "$here/bin/hull" -- /bin/true >/dev/null
	sed -i 's/"ociVersion": "[^"]*"/"ociVersion": "1.0.2"/' "$bundle/config.json"
fi
out=$work/bt.out
bpftrace -q "$here/bench/oncpu.bt" >"$out" 2>&1 &
bt=$!
sleep 5 # bpftrace attaches
if [[ $bundle == --version ]]; then
	for ((i = 0; i < n; i++)); do "$rt" --version >/dev/null; done
else
	unshare -m --propagation private bash -c '
		: >"$1/empty"; mount --bind "$1/empty" /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null || true
		cd "$2"
		for ((i = 0; i < $4; i++)); do "$3" --root "$1/state" run "oncpu-$$-$i" </dev/null >/dev/null 2>&1; done
	' oncpu "$work" "$bundle" "$rt" "$n"
fi
kill -INT "$bt"; wait "$bt" || true
grep -E '^@(total_ns|after_exec_ns|n)\[' "$out" | sed -E 's/^@//' | sort
