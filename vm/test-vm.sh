#!/usr/bin/env bash
# vm/test-vm.sh: build hull (static) and the VM test binaries, put them and
# vm/suite.sh into a 9p share, boot the cached image once, let
# hull-test.service run the suite and power off, then report.
#
# Exit status: the suite's (0 = every check passed); 1 when the VM could not
# run the suite (with the serial log tail); 124 when the boot timed out.
#
# Environment:
#   HULL_VM_CACHE      cache dir (default ~/.cache/hull-vm)
#   HULL_VM_TIMEOUT    seconds for the whole boot+suite (default 1200)
#   HULL_VM_ACCEL      auto|kvm|tcg (default auto: TCG on kvm_pvm hosts)
#   HULL_VM_TEST_PKGS  Go packages whose test binaries also run in the VM
#                      (default ./internal/cgroups/...; "" for none)
#   HULL_VM_TEST_RUN   -test.run pattern for those binaries
#   HULL_VM_SKIP       space-separated runtimes the suite skips: runc crun
#   HULL_VM_COMPARE=all  runc and crun repeat every check (default: a
#                      smoke test and the checks hull failed)
#   HULL_VM_CHECKS     space-separated checks to run (default all; names in
#                      vm/suite.sh ALL_CHECKS, e.g. "run_echo memory")
#   HULL_VM_CONFORMANCE  regexp of the OCI runtime-tools validation programs
#                      that run in the VM with RUNTIME=hull (default: the
#                      cgroup and AppArmor files this host cannot run; ""
#                      for none). Built on the host by tests/conformance.
#   HULL_VM_CONFORMANCE_TIMEOUT  seconds per program in the VM (default 300)
#   HULL_VM_CONFORMANCE_PEERS  "runc crun": they run the same programs too,
#                      for a side-by-side table in the output (default none)
#   HULL_VM_HULL_BIN   a static hull binary to test instead of building one
#                      from this tree (e.g. a patched build)
#   HULL_VM_SHELL=1    boot to a root shell on this terminal instead
#                      (what `make vm-shell` does); the share is still built
#   HULL_VM_IF_POSSIBLE=1  when qemu cannot run here (missing tools, no
#                      mirror), say so loudly and exit 0 instead of 1:
#                      what `make test` uses
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=vm/lib.sh
. "$here/lib.sh"

cannot_run() {
	local banner
	banner=$(printf '%.0s#' {1..72})
	{
		echo "$banner"
		echo "# VM TEST SUITE NOT RUN: $*"
		echo "# (cgroup v2, systemd and CRIU checks did not happen; see docs/testing.md)"
		echo "$banner"
	} >&2
	if [[ ${HULL_VM_IF_POSSIBLE:-} == 1 ]]; then
		exit 0
	fi
	exit 1
}

[[ $(id -u) -eq 0 ]] || cannot_run "needs root (debootstrap, chroot)"
command -v qemu-system-x86_64 >/dev/null || cannot_run "qemu-system-x86_64 is missing (vm/install-deps.sh installs it)"
command -v go >/dev/null || cannot_run "go is missing"
image_dir=$(vm_image_dir "$here")
if [[ ! -f $image_dir/complete ]]; then
	command -v debootstrap >/dev/null || cannot_run "debootstrap is missing (vm/install-deps.sh installs it)"
	vm_mirror >/dev/null || cannot_run "no Debian mirror in /etc/apt/sources.list.d (set HULL_VM_MIRROR)"
fi

t0=$SECONDS
image_dir=$("$here/build-image.sh")
t_image=$((SECONDS - t0))

cache_root=$(vm_cache_root)
run_dir=$cache_root/run
share=$run_dir/share
rm -rf "$run_dir"
mkdir -p "$share/bin" "$share/tests"

# --- build what goes into the share -------------------------------------------
t1=$SECONDS
if [[ -n ${HULL_VM_HULL_BIN:-} ]]; then
	vm_log "using $HULL_VM_HULL_BIN instead of building hull"
	cp "$HULL_VM_HULL_BIN" "$share/bin/hull"
else
	vm_log "building static hull"
	# Static: the VM's libc is trixie's, not this host's. scripts/build.sh
	# links against musl when it can, else static glibc; a dynamic fallback
	# is refused below.
	"$repo/scripts/build.sh" "$share/bin/hull" 2>&1 |
		grep -v -e 'requires at runtime the shared libraries' -e 'in function `_cgo_' -e '^# github.com' >&2 || true
fi
[[ -x $share/bin/hull ]] || vm_die "building hull failed"
file_out=$(file -b "$share/bin/hull" 2>/dev/null || true)
case $file_out in *"dynamically linked"*) vm_die "bin/hull is dynamically linked: $file_out" ;; esac

pkgs=${HULL_VM_TEST_PKGS-./internal/cgroups/...}
if [[ -n $pkgs ]]; then
	vm_log "building test binaries: $pkgs"
	# shellcheck disable=SC2086 # a list of package patterns
	(cd "$repo" && CGO_ENABLED=1 go test -c -trimpath -ldflags '-extldflags -static' -o "$share/tests/" $pkgs) 2>&1 |
		grep -v -e 'requires at runtime the shared libraries' -e 'in function `_cgo_' >&2 || true
fi
# The OCI conformance programs that need what this host lacks (cgroup v2,
# AppArmor). tests/conformance builds them static (no cgo) with the static
# runtimetest and the rootfs tarball; its runner, static too, runs them in
# the VM and judges them with the same allow-list as on the host.
conf_re=${HULL_VM_CONFORMANCE-^(linux_cgroups_.*|linux_process_apparmor_profile)$}
if [[ -n $conf_re ]]; then
	vm_log "building OCI conformance programs: $conf_re"
	mkdir -p "$share/conformance"
	(cd "$repo/tests/conformance" && CGO_ENABLED=0 go build -trimpath -o "$share/conformance/conformance" . &&
		"$share/conformance/conformance" -build-only -suite-dir "$share/conformance" -run "$conf_re") >&2 ||
		vm_die "building the conformance programs failed"
	printf '%s\n' "${HULL_VM_CONFORMANCE_TIMEOUT:-300}" >"$share/conformance/timeout"
	printf '%s\n' "${HULL_VM_CONFORMANCE_PEERS:-}" >"$share/conformance/peers"
fi
cp "$here/suite.sh" "$share/suite.sh"
printf '%s\n' "${HULL_VM_TEST_RUN:-}" >"$share/test-run"
printf '%s\n' "${HULL_VM_SKIP:-}" >"$share/skip"
printf '%s\n' "${HULL_VM_CHECKS:-}" >"$share/checks"
printf '%s\n' "${HULL_VM_COMPARE:-}" >"$share/compare"
t_build=$((SECONDS - t1))

# --- boot -------------------------------------------------------------------------
accel=$(vm_accel)
timeout_s=${HULL_VM_TIMEOUT:-1200}
# mitigations=off: -cpu max advertises the CPU bugs' mitigation features and
# TCG emulates each barrier/retpoline the kernel then uses on every syscall;
# this is a throw-away test VM. quiet + show_status=error keep the serial
# log short enough to read.
cmdline="root=/dev/vda rw console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off systemd.unified_cgroup_hierarchy=1 systemd.firstboot=off systemd.show_status=error"
# shellcheck disable=SC2206 # accel is a list of qemu words
qemu=(qemu-system-x86_64 $accel -m "${HULL_VM_MEM:-2G}" -smp "${HULL_VM_CPUS:-2}"
	-nodefaults -display none -no-reboot -nic none
	-kernel "$image_dir/vmlinuz" -initrd "$image_dir/initrd.img"
	# snapshot=on: writes go to a temporary overlay, the cached image stays pristine.
	-drive "file=$image_dir/rootfs.img,format=raw,if=virtio,snapshot=on"
	-virtfs "local,path=$share,mount_tag=hullshare,security_model=none,id=hullshare")

if [[ ${HULL_VM_SHELL:-} == 1 ]]; then
	vm_log "booting to a shell (root, no password); the share is /mnt/hull after: mount -t 9p -o trans=virtio,version=9p2000.L hullshare /mnt/hull"
	exec "${qemu[@]}" -serial mon:stdio -append "$cmdline systemd.unit=multi-user.target"
fi

vm_log "booting ($accel, timeout ${timeout_s}s); serial log: $run_dir/serial.log"
t2=$SECONDS
touch "$share/output.log"
rc_qemu=0
# The suite's output appears as it is written (9p writes land in the share
# directly), so a slow CI run shows progress instead of silence.
tail -n +1 -F "$share/output.log" 2>/dev/null &
tail_pid=$!
timeout --kill-after=10 "$timeout_s" "${qemu[@]}" -serial "file:$run_dir/serial.log" \
	-append "$cmdline systemd.unit=hull-test.target" </dev/null >"$run_dir/qemu.log" 2>&1 || rc_qemu=$?
sleep 0.5
kill "$tail_pid" 2>/dev/null || true
wait "$tail_pid" 2>/dev/null || true
t_boot=$((SECONDS - t2))

show_tail() {
	local f=$1 n=$2
	[[ -s $f ]] || return 0
	echo "----- last $n lines of $f -----"
	tail -n "$n" "$f"
	echo "----- end of $f -----"
}

echo
vm_log "times: image ${t_image}s (cached when ~0), build ${t_build}s, boot+suite ${t_boot}s"
if [[ ! -f $share/exit-code ]]; then
	show_tail "$run_dir/qemu.log" 20
	show_tail "$run_dir/serial.log" 80
	if ((rc_qemu == 124 || rc_qemu == 137)); then
		vm_log "FAILED: the VM did not finish within ${timeout_s}s (HULL_VM_TIMEOUT)"
		exit 124
	fi
	vm_log "FAILED: the VM stopped (qemu status $rc_qemu) without the suite's exit code"
	exit 1
fi
rc=$(cat "$share/exit-code")
if [[ $rc != 0 ]]; then
	# The suite prints each failing check with its own output; the serial
	# log and kernel messages show what the VM itself said around them.
	show_tail "$run_dir/serial.log" 40
	# Only what the suite does not cause on purpose (it OOM-kills and hits
	# pids.max deliberately): kernel bugs, warnings, crashes, hangs.
	grep -E 'BUG:|WARNING:|Oops|segfault|general protection|blocked for more than' "$share/dmesg.log" 2>/dev/null | tail -n 20 |
		sed 's/^/dmesg: /' || true
	vm_log "FAILED: suite exit status $rc (full logs: $share/{output,dmesg,journal}.log)"
	exit "$rc"
fi
vm_log "PASSED (logs: $share/output.log)"
