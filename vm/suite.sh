#!/bin/bash
# vm/suite.sh: the hull test suite that runs INSIDE the test VM (pure cgroup
# v2, systemd as PID 1), started by hull-test.service from the 9p share.
#
# Every check asserts what a user would check by hand: what the container
# printed, the runtime's exit status, `state`, and the cgroup v2 files under
# /sys/fs/cgroup. The same checks run against hull, then against the VM's own
# runc and crun on the same bundles: a check that fails for hull but passes
# for runc is a hull bug; one that fails for all three is the environment.
#
# Output is TAP-like: "ok N - [runtime] what", "not ok N - ...", followed on
# failure by "#   " lines with the evidence (expected/got, runtime output);
# "not ok N - ... # TODO why" is a known failure that is not hull's (it does
# not count as failed); the last line is
# "vm-suite: P passed, F failed, S skipped, X known failures".
# Exit status: 0 when nothing failed, 1 otherwise.
set -u
export LC_ALL=C
umask 022

share=${HULL_SHARE:-/mnt/hull}
work=/var/lib/hull-vm
rootfs=$work/rootfs
cgroot=/sys/fs/cgroup
# Each runtime gets its own parent cgroup: runc leaves parents behind while
# hull removes what it created, and neither must see the other's.
RT_TIMEOUT=120

n=0 npass=0 nfail=0 nskip=0 nxfail=0

diag() {
	local l
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/#   /'
	done
}
pass() {
	n=$((n + 1)) npass=$((npass + 1))
	echo "ok $n - $1"
}
fail() {
	local desc=$1
	shift
	n=$((n + 1)) nfail=$((nfail + 1))
	echo "not ok $n - $desc"
	diag "$@"
}
skip() {
	n=$((n + 1)) nskip=$((nskip + 1))
	echo "ok $n - $1 # SKIP $2"
}
# xfail DESC REASON: a known failure that is not hull's (TAP's TODO: it does
# not fail the suite), e.g. an OCI conformance file the allow-list excuses.
xfail() {
	n=$((n + 1)) nxfail=$((nxfail + 1))
	echo "not ok $n - $1 # TODO $2"
}
# expect DESC WANT GOT [diag...]
expect() {
	local desc=$1 want=$2 got=$3
	shift 3
	if [[ $got == "$want" ]]; then
		pass "$desc"
	else
		fail "$desc" "want: $(printf %q "$want")" "got:  $(printf %q "$got")" "$@"
	fi
}
# logtail FILE: the last lines of a runtime's output, for diagnostics.
logtail() {
	[[ -s $1 ]] || { echo "(no output)"; return; }
	tail -n 15 "$1"
}
# readf DIR FILE: a cgroup file's content, or "<missing: reason>".
readf() {
	local v
	if v=$(cat "$1/$2" 2>&1); then
		printf '%s' "$v"
	else
		printf '<missing: %s>' "$v"
	fi
}

# --- JSON for config.json (no jq in the VM) -----------------------------------
jstr() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\t'/\\t}
	s=${s//$'\n'/\\n}
	printf '"%s"' "$s"
}
jarr() {
	local out="" a
	for a in "$@"; do
		out+="${out:+,}$(jstr "$a")"
	done
	printf '[%s]' "$out"
}

CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'

# bundle NAME RESOURCES_EXTRA ARG...: write $work/bundles/$RT-NAME/config.json
# (runc's `spec` defaults, busybox rootfs shared by all bundles, cgroupsPath
# /hullvm-$RT/NAME) and set BUNDLE, ID and CG. RESOURCES_EXTRA is a JSON
# fragment added to linux.resources after the default deny-all device rule;
# DEVICES_EXTRA (global) adds device rules; NO_CGPATH=1 leaves cgroupsPath
# out; APPARMOR_PROFILE sets process.apparmorProfile.
bundle() {
	local name=$1 extra=$2
	shift 2
	ID=$RT-$name
	BUNDLE=$work/bundles/$ID
	CG=$cgroot/hullvm-$RT/$name
	local cgline="\"cgroupsPath\": \"/hullvm-$RT/$name\","
	if [[ -n ${NO_CGPATH:-} ]]; then
		# No cgroupsPath at all: the runtime picks the place (runc: a
		# sibling of its own cgroup, named after the container).
		cgline="" CG=""
	fi
	mkdir -p "$BUNDLE"
	cat >"$BUNDLE/config.json" <<JSON
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": $(jarr "$@"),
    "env": ["PATH=/bin", "HOME=/root", "TERM=dumb"],
    "cwd": "/",
    "capabilities": {"bounding": $CAPS, "effective": $CAPS, "permitted": $CAPS},
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],${APPARMOR_PROFILE:+
    \"apparmorProfile\": \"$APPARMOR_PROFILE\",}
    "noNewPrivileges": true
  },
  "root": {"path": "$rootfs", "readonly": false},
  "hostname": "$name",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=1777", "size=16m"]}
  ],
  "linux": {
    "resources": {
      "devices": [{"allow": false, "access": "rwm"}${DEVICES_EXTRA:+,$DEVICES_EXTRA}]${extra:+,$extra}
    },
    $cgline
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
    "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
}
JSON
}

# --- driving a runtime ---------------------------------------------------------
# rt ARG...: the runtime under test, bounded in time; stdin is /dev/null so
# a runtime that waits on it cannot hang the suite.
rt() { timeout "$RT_TIMEOUT" "$RT_BIN" "$@" </dev/null; }

# run_ctr: `RT run` the current bundle; sets RC and OUT (stdout+stderr).
run_ctr() {
	local log=$work/logs/$ID.run
	rt run --bundle "$BUNDLE" "$ID" >"$log" 2>&1
	RC=$?
	OUT=$(cat "$log")
}
# create_ctr / start_ctr: status in RC, output in $work/logs/$ID.{create,start}.
# The container's own stdio goes to the create log too (runc semantics:
# a non-terminal container inherits create's stdio).
create_ctr() {
	rt create --bundle "$BUNDLE" "$ID" >"$work/logs/$ID.create" 2>&1
	RC=$?
}
start_ctr() {
	rt start "$ID" >"$work/logs/$ID.start" 2>&1
	RC=$?
}
state_json() { rt state "$ID" 2>&1 | tr -d '\n'; }
status_of() { state_json | grep -o '"status": *"[a-z]*"' | sed 's/.*"\([a-z]*\)"$/\1/'; }
pid_of() { state_json | grep -o '"pid": *[0-9]*' | grep -o '[0-9]*$'; }
# wait_status WANT SECONDS: poll `state` until it reports WANT.
wait_status() {
	local want=$1 i
	for ((i = 0; i < $2 * 5; i++)); do
		[[ $(status_of) == "$want" ]] && return 0
		sleep 0.2
	done
	return 1
}
# gone ID: remove a container whatever state it is in (test cleanup).
gone() {
	rt kill "$ID" KILL >/dev/null 2>&1
	rt delete --force "$ID" >/dev/null 2>&1
	rt delete "$ID" >/dev/null 2>&1
	return 0
}
# up: create + start the current bundle; on failure report DESC and return 1.
up() {
	local desc=$1
	create_ctr
	if ((RC != 0)); then
		fail "$desc" "$RT create failed (status $RC):" "$(logtail "$work/logs/$ID.create")"
		gone
		return 1
	fi
	start_ctr
	if ((RC != 0)); then
		fail "$desc" "$RT start failed (status $RC):" "$(logtail "$work/logs/$ID.start")" \
			"create output:" "$(logtail "$work/logs/$ID.create")"
		gone
		return 1
	fi
	return 0
}

# --- the checks, for one runtime ----------------------------------------------
check_run_echo() {
	bundle echo '' echo "hello from a container"
	run_ctr
	expect "[$RT] run: container output" "hello from a container" "$OUT"
	expect "[$RT] run: exit status 0" 0 "$RC" "$OUT"
	gone
	bundle exit7 '' sh -c 'exit 7'
	run_ctr
	expect "[$RT] run: container's exit status 7 is the runtime's" 7 "$RC" "$OUT"
	gone
}

check_cgroupns_view() {
	bundle cgview '' sh -c 'cat /proc/self/cgroup; grep " /sys/fs/cgroup " /proc/mounts'
	run_ctr
	local d="[$RT] container sees its own cgroup v2 root"
	# The mount's source field differs between runtimes ("cgroup" as the
	# bundle says, or "cgroup2"); the filesystem type is what matters.
	if ((RC == 0)) && grep -qx '0::/' <<<"$OUT" && grep -q '^[^ ]* /sys/fs/cgroup cgroup2 ' <<<"$OUT"; then
		pass "$d (0::/ and a cgroup2 mount)"
	else
		fail "$d (0::/ and a cgroup2 mount)" "status $RC, output:" "$OUT"
	fi
	echo "# [$RT] /sys/fs/cgroup in the container: $(grep ' /sys/fs/cgroup ' <<<"$OUT")"
	gone
}

check_lifecycle() {
	bundle life '' sleep 600
	local d="[$RT] create/start/state/kill/delete"
	create_ctr
	if ((RC != 0)); then
		fail "$d: create" "status $RC:" "$(logtail "$work/logs/$ID.create")"
		gone
		return
	fi
	expect "[$RT] state after create is created" created "$(status_of)" "$(state_json)"
	local pid
	pid=$(pid_of)
	if [[ -n $pid ]] && grep -qx "$pid" "$CG/cgroup.procs" 2>/dev/null; then
		pass "[$RT] init pid $pid is in $CG/cgroup.procs"
	else
		fail "[$RT] init pid is in the container's cgroup" "pid: '$pid'" "cgroup.procs: $(readf "$CG" cgroup.procs)" "state: $(state_json)"
	fi
	start_ctr
	expect "[$RT] start exits 0" 0 "$RC" "$(logtail "$work/logs/$ID.start")"
	expect "[$RT] state after start is running" running "$(status_of)" "$(state_json)"
	rt kill "$ID" KILL >"$work/logs/$ID.kill" 2>&1
	expect "[$RT] kill KILL exits 0" 0 "$?" "$(logtail "$work/logs/$ID.kill")"
	if wait_status stopped 20; then
		pass "[$RT] state after kill is stopped"
	else
		fail "[$RT] state after kill is stopped" "state: $(state_json)"
	fi
	rt delete "$ID" >"$work/logs/$ID.delete" 2>&1
	expect "[$RT] delete exits 0" 0 "$?" "$(logtail "$work/logs/$ID.delete")"
	if rt state "$ID" >/dev/null 2>&1; then
		fail "[$RT] state after delete fails" "state still answers: $(state_json)"
	else
		pass "[$RT] state after delete fails"
	fi
	if [[ -e $CG ]]; then
		fail "[$RT] delete removes the container's cgroup" "$CG still exists; cgroup.procs: $(readf "$CG" cgroup.procs)"
	else
		pass "[$RT] delete removes the container's cgroup $CG"
	fi
	gone
}

check_memory() {
	bundle mem '"memory": {"limit": 33554432, "swap": 33554432, "reservation": 16777216}' sleep 600
	up "[$RT] memory: container with limits starts" || return
	expect "[$RT] memory.max written" 33554432 "$(readf "$CG" memory.max)"
	expect "[$RT] memory.low written (reservation)" 16777216 "$(readf "$CG" memory.low)"
	if [[ -e $CG/memory.swap.max ]]; then
		expect "[$RT] memory.swap.max is 0 (swap == limit)" 0 "$(readf "$CG" memory.swap.max)"
	else
		skip "[$RT] memory.swap.max" "no swap accounting in this kernel"
	fi
	gone

	# OOM: dd's 64 MiB buffer, filled from /dev/zero, cannot fit in 32 MiB.
	bundle oom '"memory": {"limit": 33554432, "swap": 33554432}' dd if=/dev/zero of=/dev/null bs=64M count=1
	run_ctr
	expect "[$RT] OOM: run exits 137 (SIGKILL) when the init is OOM-killed" 137 "$RC" "$OUT"
	gone
	up "[$RT] OOM: container starts" || return
	wait_status stopped 60
	local ev
	ev=$(readf "$CG" memory.events)
	if grep -Eq '^oom_kill [1-9]' <<<"$ev"; then
		pass "[$RT] OOM: memory.events counts the oom_kill"
	else
		fail "[$RT] OOM: memory.events counts the oom_kill" "memory.events:" "$ev" "state: $(state_json)"
	fi
	gone
}

check_pids() {
	bundle pids '"pids": {"limit": 10}' sh -c 'echo "pids.max=$(cat /sys/fs/cgroup/pids.max)"; i=0; while [ $i -lt 40 ]; do sleep 60 & i=$((i+1)); done; echo "spawned $i"'
	run_ctr
	expect "[$RT] pids.max seen inside the container" "pids.max=10" "$(grep '^pids.max=' <<<"$OUT")" "$OUT"
	if grep -q 'spawned 40' <<<"$OUT" || ! grep -Eqi "fork|resource temporarily unavailable" <<<"$OUT"; then
		fail "[$RT] pids.max=10 stops the 11th fork" "status $RC, output:" "$OUT"
	else
		pass "[$RT] pids.max=10 stops the 11th fork"
	fi
	gone
}

check_cpu() {
	bundle cpu '"cpu": {"shares": 1024, "quota": 20000, "period": 100000, "cpus": "1", "mems": "0"}' \
		sh -c 'grep Cpus_allowed_list /proc/self/status; while :; do :; done'
	up "[$RT] cpu: container with limits starts" || return
	expect "[$RT] cpu.max written" "20000 100000" "$(readf "$CG" cpu.max)"
	# cpu.weight = 1 + (shares - 2) * 9999 / 262142, the mapping runc and
	# crun share (OCI shares 2..262144 onto weight 1..10000).
	expect "[$RT] cpu.weight written (shares 1024 -> 39)" 39 "$(readf "$CG" cpu.weight)"
	expect "[$RT] cpuset.cpus written" 1 "$(readf "$CG" cpuset.cpus)"
	expect "[$RT] cpuset.mems written" 0 "$(readf "$CG" cpuset.mems)"
	sleep 2
	local got
	got=$(grep Cpus_allowed_list "$work/logs/$ID.create" | tr -d '[:space:]')
	expect "[$RT] cpuset: the container runs on CPU 1 only" "Cpus_allowed_list:1" "$got" "$(logtail "$work/logs/$ID.create")"
	local thr
	thr=$(awk '$1 == "nr_throttled" {print $2}' "$CG/cpu.stat" 2>/dev/null)
	if [[ ${thr:-0} -gt 0 ]]; then
		pass "[$RT] cpu.max throttles a busy loop (nr_throttled=$thr)"
	else
		fail "[$RT] cpu.max throttles a busy loop" "cpu.stat:" "$(readf "$CG" cpu.stat)"
	fi
	gone
}

check_io() {
	local mm major minor
	mm=$(cat /sys/block/vda/dev)
	major=${mm%:*} minor=${mm#*:}
	DEVICES_EXTRA="{\"allow\": true, \"type\": \"b\", \"major\": $major, \"minor\": $minor, \"access\": \"rm\"}" \
		bundle io "\"blockIO\": {\"weight\": 500, \"throttleReadBpsDevice\": [{\"major\": $major, \"minor\": $minor, \"rate\": 524288}], \"throttleWriteIOPSDevice\": [{\"major\": $major, \"minor\": $minor, \"rate\": 100}]}" \
		sh -c "mknod /tmp/vda b $major $minor && sleep 600"
	up "[$RT] io: container with limits starts" || return
	expect "[$RT] io.max written" "$major:$minor rbps=524288 wbps=max riops=max wiops=100" "$(readf "$CG" io.max)"
	if [[ -e $CG/io.bfq.weight ]]; then
		expect "[$RT] io.bfq.weight written (BFQ: the v1 value)" "default 500" "$(head -n1 "$CG/io.bfq.weight")"
	elif [[ -e $CG/io.weight ]]; then
		# io.weight = 1 + (weight - 10) * 9999 / 990 (blkio 10..1000 onto 1..10000).
		expect "[$RT] io.weight written (blkio 500 -> 4950)" "default 4950" "$(head -n1 "$CG/io.weight")"
	else
		skip "[$RT] io.weight" "neither io.weight nor io.bfq.weight in $CG (no io cost controller)"
	fi
	gone

	# Enforcement: 2 MiB at 512 KiB/s takes about 4 s; unthrottled it is
	# well under one even under TCG. The page cache must not answer (it is
	# shared by every reader of the disk, and a cached read issues no bio to
	# throttle): drop it, and read a part of the disk no runtime read before.
	sync
	echo 3 >/proc/sys/vm/drop_caches
	local skip_blocks=$((40000 + 1000 * RT_INDEX))
	DEVICES_EXTRA="{\"allow\": true, \"type\": \"b\", \"major\": $major, \"minor\": $minor, \"access\": \"rm\"}" \
		bundle ioread "\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": $major, \"minor\": $minor, \"rate\": 524288}]}" \
		sh -c "mknod /tmp/vda b $major $minor && s=\$(date +%s) && dd if=/tmp/vda of=/dev/null bs=64k count=32 skip=$skip_blocks 2>/dev/null && echo \"took \$((\$(date +%s) - s))\""
	run_ctr
	local took
	took=$(sed -n 's/^took //p' <<<"$OUT")
	if ((RC == 0)) && [[ -n $took ]] && ((took >= 2)); then
		pass "[$RT] io.max rbps=512k slows a 2 MiB read (${took}s)"
	else
		fail "[$RT] io.max rbps=512k slows a 2 MiB read to >= 2s" "status $RC, output:" "$OUT"
	fi
	gone
}

check_hugetlb() {
	if ! grep -qw hugetlb "$cgroot/cgroup.controllers"; then
		skip "[$RT] hugetlb" "no hugetlb controller in this kernel"
		return
	fi
	bundle huge '"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]' sleep 600
	up "[$RT] hugetlb: container with a limit starts" || return
	expect "[$RT] hugetlb.2MB.max written" 4194304 "$(readf "$CG" hugetlb.2MB.max)"
	gone
}

check_devices() {
	local mm major minor
	mm=$(cat /sys/block/vda/dev)
	major=${mm%:*} minor=${mm#*:}
	# Root in the container has CAP_MKNOD; only the device cgroup (an eBPF
	# program on v2) stands between it and the VM's own disk.
	local script="mknod /tmp/vda b $major $minor; echo \"read=\$(head -c 512 /tmp/vda | wc -c)\"; echo ok >/dev/null && echo null-ok"
	bundle devdeny '' sh -c "$script"
	run_ctr
	expect "[$RT] devices: the disk is not readable without a rule" "read=0" "$(grep '^read=' <<<"$OUT")" "$OUT"
	if grep -q 'null-ok' <<<"$OUT"; then
		pass "[$RT] devices: /dev/null stays usable (default allow list)"
	else
		fail "[$RT] devices: /dev/null stays usable (default allow list)" "$OUT"
	fi
	gone
	DEVICES_EXTRA="{\"allow\": true, \"type\": \"b\", \"major\": $major, \"minor\": $minor, \"access\": \"rm\"}" \
		bundle devallow '' sh -c "$script"
	run_ctr
	expect "[$RT] devices: an allow rule for b $major:$minor rm makes it readable" "read=512" "$(grep '^read=' <<<"$OUT")" "$OUT"
	gone
}

check_unified() {
	bundle unified '"unified": {"memory.high": "50331648", "pids.max": "20"}' sleep 600
	up "[$RT] unified: container with linux.resources.unified starts" || return
	expect "[$RT] unified: memory.high written" 50331648 "$(readf "$CG" memory.high)"
	expect "[$RT] unified: pids.max written" 20 "$(readf "$CG" pids.max)"
	gone
}

# A bundle without cgroupsPath, started from this systemd service (whose own
# cgroup holds processes, so v2's "no internal processes" rule forbids
# enabling controllers below it). What containerd-shim and conmon users hit
# when they leave cgroupsPath out.
check_no_cgroups_path() {
	NO_CGPATH=1 bundle nopath '"memory": {"limit": 33554432}' sh -c 'echo "memory.max=$(cat /sys/fs/cgroup/memory.max)"'
	run_ctr
	echo "# [$RT] after run: the caller's cgroup.subtree_control is '$(cat "$cgroot$(sed -n 's/^0:://p' /proc/self/cgroup)/cgroup.subtree_control")'"
	expect "[$RT] no cgroupsPath + memory limit: run exits 0" 0 "$RC" "$OUT"
	expect "[$RT] no cgroupsPath + memory limit: memory.max seen inside" "memory.max=33554432" "$(grep '^memory.max=' <<<"$OUT")" "$OUT"
	gone
	NO_CGPATH=1 bundle nopath2 '' sleep 600
	if ! up "[$RT] no cgroupsPath: container starts"; then
		# Even a failed create must not leave cgroups behind.
		local left
		left=$(find "$cgroot" -type d -name "$RT-nopath*" 2>/dev/null)
		if [[ -n $left ]]; then
			fail "[$RT] no cgroupsPath: a failed create leaves no cgroup" "$left"
		else
			pass "[$RT] no cgroupsPath: a failed create leaves no cgroup"
		fi
		return
	fi
	local pid path
	pid=$(pid_of)
	path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>/dev/null)
	echo "# [$RT] no cgroupsPath: the container's cgroup is $path (caller: $(sed -n 's/^0:://p' /proc/self/cgroup))"
	echo "# [$RT] caller's cgroup.subtree_control now: '$(cat "$cgroot$(sed -n 's/^0:://p' /proc/self/cgroup)/cgroup.subtree_control")'"
	gone
	if [[ -n $path && $path != / && -e $cgroot$path ]]; then
		fail "[$RT] no cgroupsPath: delete removes the container's cgroup" "$cgroot$path still exists"
	else
		pass "[$RT] no cgroupsPath: delete removes the container's cgroup"
	fi
}

check_pause() {
	if ! "$RT_BIN" pause --help >/dev/null 2>&1; then
		skip "[$RT] pause/resume with cgroup.freeze" "not yet: '$RT pause --help' fails"
		return
	fi
	bundle pause '' sleep 600
	up "[$RT] pause: container starts" || return
	rt pause "$ID" >"$work/logs/$ID.pause" 2>&1
	expect "[$RT] pause exits 0" 0 "$?" "$(logtail "$work/logs/$ID.pause")"
	expect "[$RT] state after pause is paused" paused "$(status_of)" "$(state_json)"
	expect "[$RT] cgroup.freeze is 1 when paused" 1 "$(readf "$CG" cgroup.freeze)"
	expect "[$RT] cgroup.events says frozen 1" "frozen 1" "$(grep '^frozen' "$CG/cgroup.events" 2>&1)"
	rt resume "$ID" >"$work/logs/$ID.resume" 2>&1
	expect "[$RT] resume exits 0" 0 "$?" "$(logtail "$work/logs/$ID.resume")"
	expect "[$RT] state after resume is running" running "$(status_of)" "$(state_json)"
	expect "[$RT] cgroup.events says frozen 0 after resume" "frozen 0" "$(grep '^frozen' "$CG/cgroup.events" 2>&1)"
	gone
}

check_leftovers() {
	local parent=$cgroot/hullvm-$RT left
	left=$(find "$parent" -mindepth 1 -type d 2>/dev/null)
	if [[ -z $left ]]; then
		pass "[$RT] no container cgroup left under $parent after delete"
	else
		fail "[$RT] no container cgroup left under $parent after delete" "$left"
	fi
	if [[ $RT == hull ]]; then
		# hull records the directories it created and removes exactly
		# those (runc and crun leave the parent; that is not checked).
		if [[ -e $parent ]]; then
			fail "[$RT] delete also removes the parent cgroup it created" "$parent still exists"
		else
			pass "[$RT] delete also removes the parent cgroup it created"
		fi
	fi
	rmdir "$parent"/* "$parent" 2>/dev/null
}

ALL_CHECKS="run_echo cgroupns_view lifecycle memory pids cpu io hugetlb unified devices pause no_cgroups_path leftovers"

# runtime_checks RT BINARY INDEX CHECK...: run the checks for one runtime;
# the names of the checks with a failure are left in FAILED_CHECKS.
runtime_checks() {
	RT=$1 RT_BIN=$2 RT_INDEX=$3
	shift 3
	local t=$SECONDS c before
	FAILED_CHECKS=""
	echo "# --- $RT: $("$RT_BIN" --version 2>&1 | head -n1)"
	for c in "$@"; do
		before=$nfail
		"check_$c"
		((nfail > before)) && FAILED_CHECKS+=" $c"
	done
	echo "# --- $RT done in $((SECONDS - t))s"
}

# --- test binaries built on the host (HULL_VM_TEST_PKGS) ---------------------
go_test_binaries() {
	local b run name log rc
	run=$(cat "$share/test-run" 2>/dev/null)
	for b in "$share"/tests/*.test; do
		[[ -x $b ]] || continue
		name=$(basename "$b")
		log=$work/logs/gotest-$name.log
		(cd "$(dirname "$b")" && timeout 600 "$b" -test.v -test.timeout 9m ${run:+-test.run "$run"}) >"$log" 2>&1
		rc=$?
		if ((rc == 0)); then
			pass "go test $name ($(grep -c '^--- PASS' "$log") passed, $(grep -c -- '--- SKIP' "$log") skipped)"
		else
			fail "go test $name (status $rc)" "$(grep -E -- '--- FAIL|^panic|FAIL$' "$log" | head -n 20)" \
				"last lines:" "$(tail -n 25 "$log")"
		fi
	done
}

# --- AppArmor and the OCI conformance programs (hull only) -------------------
# The profile linux_process_apparmor_profile asks for. It allows everything
# runtimetest does and denies one file, so that check_apparmor can see the
# profile enforced, not just named.
AA_PROFILE=acme_secure_profile
AA_SECRET=/etc/aa-secret

# apparmor_setup: load $AA_PROFILE; on failure leave the reason in AA_SKIP.
apparmor_setup() {
	AA_SKIP=""
	if [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) != Y ]]; then
		AA_SKIP="AppArmor is not enabled in the VM's kernel (/sys/module/apparmor/parameters/enabled; boot with apparmor=1 security=apparmor)"
		return
	fi
	if ! command -v apparmor_parser >/dev/null; then
		AA_SKIP="apparmor_parser is missing (package apparmor in vm/packages.list)"
		return
	fi
	# attach_disconnected: once the container has pivoted, its paths are
	# outside the loader's namespace (AppArmor mediates by path).
	local out
	if ! out=$(printf '%s\n' "profile $AA_PROFILE flags=(attach_disconnected,mediate_deleted) {" \
		'  file,' '  capability,' '  network,' '  mount,' '  umount,' '  pivot_root,' \
		'  ptrace,' '  signal,' '  unix,' "  deny $AA_SECRET rw," '}' |
		apparmor_parser --replace 2>&1); then
		AA_SKIP="apparmor_parser could not load $AA_PROFILE: $out"
		return
	fi
	[[ -n $out ]] && echo "# apparmor_parser: $out"
	if ! grep -q "^$AA_PROFILE " /sys/kernel/security/apparmor/profiles 2>/dev/null; then
		AA_SKIP="$AA_PROFILE is not in /sys/kernel/security/apparmor/profiles after loading"
	fi
}

# check_apparmor: hull switches the container process to the profile at
# execve, and the kernel enforces it there.
check_apparmor() {
	if [[ -n $AA_SKIP ]]; then
		skip "[$RT] process.apparmorProfile" "$AA_SKIP"
		return
	fi
	echo secret >"$rootfs$AA_SECRET"
	APPARMOR_PROFILE=$AA_PROFILE bundle aa '' sh -c "cat /proc/self/attr/current; cat $AA_SECRET || echo denied"
	run_ctr
	expect "[$RT] apparmor: the container runs confined by $AA_PROFILE" "$AA_PROFILE (enforce)" "$(head -n1 <<<"$OUT")" "$OUT"
	expect "[$RT] apparmor: the profile's deny rule holds in the container" denied "$(tail -n1 <<<"$OUT")" "$OUT"
	gone
	# exec: with AppArmor the C constructor writes attr/exec itself (no Go
	# runtime in the joining process); the program must run confined too.
	APPARMOR_PROFILE=$AA_PROFILE bundle aaexec '' sleep 100
	if up "[$RT] apparmor: exec"; then
		OUT=$(rt exec "$ID" sh -c "cat /proc/self/attr/current; cat $AA_SECRET || echo denied" 2>&1)
		expect "[$RT] apparmor: exec runs confined by $AA_PROFILE" "$AA_PROFILE (enforce)" "$(head -n1 <<<"$OUT")" "$OUT"
		expect "[$RT] apparmor: the deny rule holds for exec" denied "$(tail -n1 <<<"$OUT")" "$OUT"
	fi
	gone
	rm -f "$rootfs$AA_SECRET"
}

# conformance_files: the OCI runtime-tools validation programs built on the
# host (tests/conformance, HULL_VM_CONFORMANCE), run with RUNTIME=hull by
# the same runner and allow-list as `make conformance`: one TAP line per
# program. Failures the allow-list excuses (the suite's own bugs, each with
# its reason) are "# TODO" lines.
conformance_files() {
	local src=$share/conformance dir=$work/conformance
	if [[ ! -x $src/conformance ]]; then
		skip "[hull] OCI conformance programs" "none in the share (HULL_VM_CONFORMANCE is empty)"
		return
	fi
	# Local disk, not 9p: the programs unpack their bundles from here.
	mkdir -p "$dir"
	cp -r "$src/bin" "$dir/bin"
	if [[ -n $AA_SKIP && -e $dir/bin/linux_process_apparmor_profile ]]; then
		rm -f "$dir/bin/linux_process_apparmor_profile"
		skip "[hull] conformance linux_process_apparmor_profile" "$AA_SKIP"
	fi
	local per t=$SECONDS rc peer peers=()
	per=$(cat "$src/timeout" 2>/dev/null)
	# HULL_VM_CONFORMANCE_PEERS: the VM's runc/crun run the same programs,
	# for the side-by-side table only (the verdicts are hull's).
	# shellcheck disable=SC2013 # one line of space-separated names
	for peer in $(cat "$src/peers" 2>/dev/null); do
		command -v "$peer" >/dev/null && peers+=(-runtime "$peer=$(command -v "$peer")")
	done
	echo "# --- OCI conformance: $(find "$dir/bin" -maxdepth 1 -type f -perm -u+x ! -name runtimetest | wc -l) programs, ${per:-300}s each at most"
	"$src/conformance" -no-build -suite-dir "$dir" -runtime hull=/usr/local/bin/hull "${peers[@]}" \
		-timeout "${per:-300}s" -verdicts "$dir/verdicts" >"$work/logs/conformance.log" 2>&1
	rc=$?
	sed -n '/^FILE /,/^$/p' "$work/logs/conformance.log" | sed -e '/^$/d' -e 's/^/# /'
	# The programs' TAP and stderr, for reading on the host.
	cp -r "$dir/logs" "$share/conformance-logs" 2>/dev/null
	cp "$work/logs/conformance.log" "$share/conformance-logs/" 2>/dev/null
	if [[ ! -s $dir/verdicts ]]; then
		fail "[hull] OCI conformance runner (status $rc)" "$(tail -n 25 "$work/logs/conformance.log")"
		return
	fi
	local name word why desc
	while IFS=$'\t' read -r name word why; do
		desc="[hull] conformance $name"
		case $word in
		PASS | XPASS) pass "$desc ($why)" ;;
		SKIP) skip "$desc" "$why" ;;
		XFAIL) xfail "$desc" "$why" ;;
		*)
			fail "$desc" "$why" "TAP (share/conformance-logs/hull/$name.tap):" \
				"$(grep -E '^not ok|^# |error' "$dir/logs/hull/$name.tap" 2>/dev/null | head -n 15)" \
				"stderr: $(tail -n 5 "$dir/logs/hull/$name.stderr" 2>/dev/null)"
			;;
		esac
	done <"$dir/verdicts"
	echo "# --- OCI conformance done in $((SECONDS - t))s (runner status $rc)"
	grep 'cgroup left behind' "$work/logs/conformance.log" | head -n 3 | sed 's/^/# /'
	return 0
}

# --- main -------------------------------------------------------------------------
main() {
	local t0=$SECONDS
	echo "# hull VM suite: kernel $(uname -r), $(systemctl --version | head -n1), $(nproc) CPUs"
	rm -rf "$work"
	mkdir -p "$work/logs" "$work/bundles"
	install -m 0755 "$share/bin/hull" /usr/local/bin/hull

	local fstype
	fstype=$(stat -f -c %T "$cgroot")
	expect "cgroup v2 only: $cgroot is cgroup2fs" cgroup2fs "$fstype" "$(grep cgroup /proc/mounts)"
	echo "# controllers: $(cat "$cgroot/cgroup.controllers")"
	echo "# root subtree_control: $(cat "$cgroot/cgroup.subtree_control")"
	local own
	own=$(sed -n 's/^0:://p' /proc/self/cgroup)
	echo "# the suite runs in $own; its cgroup.subtree_control: '$(cat "$cgroot$own/cgroup.subtree_control")'"
	if [[ $(ps -p 1 -o comm= 2>/dev/null) == systemd ]]; then
		pass "systemd is PID 1"
	else
		fail "systemd is PID 1" "$(ps -p 1 -o comm= 2>&1)"
	fi

	# A busybox rootfs, built here from the image's busybox-static with
	# only the applets the checks use (each symlink is a fork under TCG).
	mkdir -p "$rootfs"/{bin,dev,proc,sys,tmp,etc,root}
	cp "$(command -v busybox)" "$rootfs/bin/busybox"
	local a
	for a in sh echo cat grep sed sleep dd head wc mknod date ls id hostname true false ps; do
		ln -s busybox "$rootfs/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
	echo 'root:x:0:' >"$rootfs/etc/group"

	local skip_list
	skip_list=" $(cat "$share/skip" 2>/dev/null) "
	CHECKS=$(cat "$share/checks" 2>/dev/null)
	CHECKS=${CHECKS:-$ALL_CHECKS}
	local c
	for c in $CHECKS; do
		declare -F "check_$c" >/dev/null || { fail "HULL_VM_CHECKS names check '$c'" "known: $ALL_CHECKS"; CHECKS=${CHECKS//$c/}; }
	done
	# shellcheck disable=SC2086 # lists of check names
	runtime_checks hull /usr/local/bin/hull 0 $CHECKS
	# runc and crun tell a hull bug from a wrong check or environment. Under
	# TCG they cost minutes (runc's checks take ~3 times hull's), so by
	# default they repeat only a smoke test and what hull failed;
	# HULL_VM_COMPARE=all repeats everything.
	local compare=$CHECKS
	if [[ $(cat "$share/compare" 2>/dev/null) != all ]]; then
		compare=""
		for c in $CHECKS; do
			case " run_echo lifecycle $FAILED_CHECKS leftovers " in
			*" $c "*) compare+=" $c" ;;
			esac
		done
		echo "# runc/crun repeat: $compare (HULL_VM_COMPARE=all: every check)"
	fi
	local r i=0
	for r in runc crun; do
		i=$((i + 1))
		if [[ $skip_list == *" $r "* ]]; then
			skip "[$r] side-by-side checks" "HULL_VM_SKIP"
		elif command -v "$r" >/dev/null; then
			# shellcheck disable=SC2086
			runtime_checks "$r" "$(command -v "$r")" "$i" $compare
		else
			skip "[$r] side-by-side checks" "$r is not installed in the image"
		fi
	done
	go_test_binaries

	# hull only: AppArmor, then the OCI conformance programs that need
	# cgroup v2 or AppArmor (the host cannot run them).
	apparmor_setup
	RT=hull RT_BIN=/usr/local/bin/hull RT_INDEX=0
	check_apparmor
	conformance_files

	echo "# suite took $((SECONDS - t0))s"
	echo "vm-suite: $npass passed, $nfail failed, $nskip skipped, $nxfail known failures"
	((nfail == 0))
}

main "$@"
