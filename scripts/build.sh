#!/usr/bin/env bash
# Build hull: static against musl when a musl toolchain and a musl
# libseccomp can be had (scripts/musl-libseccomp.sh), else static against
# glibc, else dynamic. HULL_LIBC=musl or glibc asks for one; musl then fails
# rather than fall back. Usage: scripts/build.sh [OUT] (default bin/hull);
# GO and GO_LDFLAGS (Go's -ldflags) come from the Makefile.
#
# Why musl (docs/performance.md, fifth round): a static glibc is 0.8 MB of
# text, its start-up runs cpuid and IRELATIVE relocations, and all of it is
# mapped into every hull process, the container's init included. musl's part
# is about 50 KB. cgo is needed either way: internal/nsenter's constructor
# runs before the Go runtime starts threads.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bin/hull}
go=${GO:-go}
ldflags=${GO_LDFLAGS:-}
want=${HULL_LIBC:-auto}
mkdir -p "$(dirname "$out")"

# Go 1.26's default collector, Green Tea, keeps the mark bits of every
# small-object span at the end of the span's 8 KB, so the first object of
# each size class touches two pages instead of one: 45 more page faults in
# every hull process (262 -> 217 for `hull --version`), and a page fault costs
# 1-2 us in a VM. A `run` takes 6-7 % less CPU with the older collector
# (docs/performance.md, eighth round, item 36). A hull process lives for
# milliseconds and rarely collects at all, so nothing is lost. Toolchains
# that no longer know the opt-out (Go 1.27 is to drop it) build with Green Tea.
if GOEXPERIMENT=${GOEXPERIMENT:+$GOEXPERIMENT,}nogreenteagc "$go" env GOEXPERIMENT >/dev/null 2>&1; then
	export GOEXPERIMENT=${GOEXPERIMENT:+$GOEXPERIMENT,}nogreenteagc
fi

# Go's runtime (1.25 on) looks up its CPU cgroup at every start
# (defaultGOMAXPROCSInit: /proc/self/cgroup, /proc/self/mountinfo, and the
# cgroup's cpu.cfs_quota_us and cpu.cfs_period_us or cpu.max, which it then
# keeps open), even when GOMAXPROCS is set and the cgroup's limit is never
# used. hull's entry point always sets it (internal/oneproc), so the build
# overlays runtime/cgroup_linux.go with a copy that returns early then: about
# 50 us of system calls, two cgroupfs lookups under kernfs's rwsem and a
# mountinfo read under the namespace semaphore, in every hull process
# (docs/performance.md, item 45). A toolchain whose runtime differs is used
# as it is.
overlay=()
overlay_dir=
patch_runtime() {
	local goroot src
	goroot=$("$go" env GOROOT) || return 0
	src=$goroot/src/runtime/cgroup_linux.go
	[[ -f $src ]] && grep -q '^func gogetenv(' "$goroot"/src/runtime/*.go || return 0
	overlay_dir=$(mktemp -d)
	trap 'rm -rf "$overlay_dir"' EXIT
	if awk '{ print } /^func defaultGOMAXPROCSInit\(\) \{$/ {
			print "\tif gogetenv(\"GOMAXPROCS\") != \"\" {"; print "\t\treturn"; print "\t}"; n++
		} END { exit n != 1 }' "$src" >"$overlay_dir/cgroup_linux.go"; then
		printf '{"Replace":{"%s":"%s"}}\n' "$src" "$overlay_dir/cgroup_linux.go" >"$overlay_dir/overlay.json"
		overlay=(-overlay "$overlay_dir/overlay.json")
	fi
}
patch_runtime

# The init stub (internal/initstub): internal/nsenter/nsenter.c alone, as a
# small static program that hull embeds and starts containers' inits from.
# Without one (no static C toolchain) hull starts them from its own binary.
stub=internal/initstub/stub.bin
tags=()
build_stub() {
	local cc=$1
	shift
	rm -f "$stub"
	tags=()
	if "$cc" -static -O2 -s -Wall -DHULL_INIT_STUB "$@" -ffunction-sections -fdata-sections \
		-Wl,--gc-sections -o "$stub" internal/nsenter/nsenter.c; then
		tags=(-tags hullstub)
	else
		rm -f "$stub"
		echo "build: no init stub (above): inits start from hull's own binary" >&2
	fi
}

build_musl() {
	local prefix
	prefix=$(scripts/musl-libseccomp.sh) || return 1
	build_stub musl-gcc -idirafter "$prefix/linux-headers"
	# musl's default thread stack is 128 KB; Go runs cgo calls (libseccomp
	# compiling a filter) on its threads' pthread stacks. PT_GNU_STACK's
	# size is musl's default for new threads: make it glibc's 8 MB.
	PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig PKG_CONFIG_PATH= CC=musl-gcc \
		CGO_CFLAGS="-O2 -g -idirafter $prefix/linux-headers" CGO_ENABLED=1 \
		"$go" build -trimpath "${overlay[@]}" "${tags[@]}" -ldflags "$ldflags -X main.libc=musl -linkmode external -extldflags '-static -Wl,-z,stack-size=8388608'" \
		-o "$out" ./cmd/hull
}

build_glibc() {
	build_stub "${CC:-gcc}"
	CGO_ENABLED=1 "$go" build -trimpath "${overlay[@]}" "${tags[@]}" -ldflags "$ldflags -X main.libc=glibc -extldflags -static" -o "$out" ./cmd/hull 2>/dev/null ||
		CGO_ENABLED=1 "$go" build -trimpath "${overlay[@]}" "${tags[@]}" -ldflags "$ldflags -X main.libc=glibc-dynamic" -o "$out" ./cmd/hull
}

case $want in
musl) build_musl ;;
glibc) build_glibc ;;
auto)
	if ! build_musl; then
		echo "build: no musl build (above); linking with glibc instead" >&2
		build_glibc
	fi
	;;
*)
	echo "build: HULL_LIBC=$want: want musl, glibc or auto" >&2
	exit 2
	;;
esac
"$out" --version
