#!/usr/bin/env bash
# cgroup-guard.sh snapshot FILE: list every cgroup directory on this host.
# cgroup-guard.sh check FILE [GLOB]: report the cgroup directories that are
# not in FILE (only those whose name matches GLOB, when given), remove the
# empty ones, and fail if there were any.
#
# `make test` runs it around the whole suite. A test that leaves a cgroup
# leaves it until the host reboots: three podman runs per `make test`, whose
# state conmon's final delete could not find, had left 480 libpod-<id>
# cgroups in every v1 hierarchy before anything noticed. Test packages run
# in parallel, so only the whole suite's end is a moment when nothing of the
# tests' may still exist.
set -euo pipefail
export LC_ALL=C

list() {
	local mp
	awk -F ' - ' '{ split($1, a, " "); split($2, b, " ") }
		b[1] == "cgroup" || b[1] == "cgroup2" { print a[5] }' /proc/self/mountinfo | sort -u |
		while read -r mp; do
			find "$mp" -mindepth 1 -maxdepth 6 -type d 2>/dev/null || true
		done | sort -u
}

# left lists what is new since the snapshot: with a glob, only directories
# named by it and those below them.
left() {
	local d
	comm -13 "$1" <(list) | while read -r d; do
		# shellcheck disable=SC2053 # a glob match is meant
		if [[ -z $2 || $d == */$2 || $d == */$2/* ]]; then
			echo "$d"
		fi
	done
}

# podman's cgroupfs manager puts conmon in libpod_parent/conmon of every
# hierarchy and never removes either: the client's own, made on any host
# podman runs on. At the suite's end nothing runs, so they are removed
# here without counting as left behind.
clients_own() {
	local d e
	for d in libpod_parent/conmon libpod_parent; do
		while read -r e; do
			if [[ $e == */$d ]]; then
				rmdir "$e" 2>/dev/null || true
			fi
		done <<<"$1"
	done
}

case ${1:-} in
snapshot)
	list >"$2"
	;;
check)
	glob=${3:-}
	# Clients reap asynchronously (conmon and the shim exit a moment after
	# the CLI returns, the kernel frees a cgroup after its last task).
	for ((i = 0; i < 20; i++)); do
		new=$(left "$2" "$glob")
		if [[ -z $glob && -n $new ]]; then
			clients_own "$new"
			new=$(left "$2" "$glob")
		fi
		[[ -z $new ]] && exit 0
		sleep 0.5
	done
	echo "cgroup-guard: cgroups the tests left behind:" >&2
	# Deepest first: rmdir takes only cgroups without tasks or children.
	awk '{ print gsub("/", "/"), $0 }' <<<"$new" | sort -rn | cut -d ' ' -f 2- |
		while read -r d; do
			procs=$(tr '\n' ' ' <"$d/cgroup.procs" 2>/dev/null || true)
			if rmdir "$d" 2>/dev/null; then
				echo "  $d (empty: removed now)" >&2
			else
				echo "  $d (not removed; processes: ${procs:-none})" >&2
			fi
		done
	exit 1
	;;
*)
	echo "usage: cgroup-guard.sh snapshot FILE | check FILE [GLOB]" >&2
	exit 2
	;;
esac
