#!/bin/bash
# Device check for hull's cgroup v2 paths: eBPF device filter with a GPU,
# v2 resources, freezer, update, events, OOM. Prints "== " sections.
set -u
G=$(cd "$(dirname "$0")" && pwd); H=$G/hull
T() { timeout 30 "$@"; }
echo "== host: uid=$(id -u) kernel=$(uname -r) cgroupfs=$(stat -fc %T /sys/fs/cgroup)"
cat /proc/self/cgroup; cat /sys/fs/cgroup/cgroup.subtree_control 2>&1
ls -l /dev/nvidia* 2>&1
SMI=$(command -v nvidia-smi); echo "nvidia-smi at $SMI"; nvidia-smi -L
echo "== ebpf package tests (program generation, BPF_PROG_LOAD, attach + EPERM on real cgroup2)"
(cd "$G" && ./ebpf.test -test.v -test.count=1 2>&1 | grep -E '^(---|ok|PASS|FAIL|\s+\S+_test.go)')
echo "== fs2 tests"; (cd "$G" && ./fs2.test 2>&1 | tail -2)
W=$(mktemp -d /tmp/hullgpu.XXXX); R=$W/root
mkb() { mkdir -p "$W/$1"; cp -a "$G/rootfs" "$W/$1/rootfs"; cp "$G/$1.json" "$W/$1/config.json"; }
# --- GPU bundle: bind nvidia-smi and every library it and NVML need, read-only
mkb gpu
M=""
add() { M="$M{\"destination\":\"$2\",\"type\":\"bind\",\"source\":\"$1\",\"options\":[\"rbind\",\"ro\"]},"; }
add "$(readlink -f "$SMI")" /usr/bin/nvidia-smi
NVML=$(ldconfig -p | awk '/libnvidia-ml.so.1 /{print $NF; exit}')
[ -z "$NVML" ] && NVML=$(find "$(dirname "$SMI")/.." /usr/local/nvidia /usr/lib /usr/lib64 -name libnvidia-ml.so.1 2>/dev/null | head -1)
echo "NVML at $NVML"
for lib in $( (ldd "$SMI"; [ -n "$NVML" ] && echo "x => $NVML"; [ -n "$NVML" ] && ldd "$NVML") | grep -o '/[^ ]*' | sort -u); do
  add "$(readlink -f "$lib")" "$lib"
done
[ -n "$NVML" ] && add "$(readlink -f "$NVML")" /nvlib/libnvidia-ml.so.1 && add "$(readlink -f "$NVML")" /nvlib/libnvidia-ml.so
sed -i "s|__LIBMOUNTS__|$M|" "$W/gpu/config.json"
UVM=$(stat -c '%t %T' /dev/nvidia-uvm 2>/dev/null)
mkdir -p "$W/gpu/rootfs/devtest"
if [ -n "$UVM" ]; then mknod "$W/gpu/rootfs/devtest/uvm" c $((0x${UVM% *})) $((0x${UVM#* })); fi
mknod "$W/gpu/rootfs/devtest/x" c 240 0
echo "== GPU container: /dev/nvidia0 + nvidiactl in linux.devices, allow c 195:* ; nvidia-uvm ($UVM) and c 240:0 left out"
(cd "$W/gpu" && T "$H" --root "$R" run gpu-demo; echo "run-rc=$?")
# --- v2 resources, freezer, update, events
echo "== v2 resources"
mkb res
C=/sys/fs/cgroup/hull-gpu-test/res
T "$H" --root "$R" create --bundle "$W/res" res1 && T "$H" --root "$R" start res1
T "$H" --root "$R" state res1 | grep '"status"'
for f in memory.max pids.max cpu.weight cpu.max; do echo "$f=$(cat $C/$f 2>&1)"; done
T "$H" --root "$R" pause res1; echo "pause-rc=$?"; T "$H" --root "$R" state res1 | grep '"status"'; echo "cgroup.freeze=$(cat $C/cgroup.freeze)"
T "$H" --root "$R" resume res1; T "$H" --root "$R" state res1 | grep '"status"'
T "$H" --root "$R" update --memory 128m --pids-limit 30 --cpu-shares 1024 res1; echo "update-rc=$?"
for f in memory.max pids.max cpu.weight; do echo "$f=$(cat $C/$f 2>&1)"; done
T "$H" --root "$R" update --memory nonsense res1
T "$H" --root "$R" events --stats res1 | cut -c1-400
T "$H" --root "$R" pause res1; T "$H" --root "$R" delete -f res1; echo "delete-paused-rc=$?"
[ -d $C ] && echo "LEFT BEHIND $C" || echo "cgroup removed"
echo "== v2 OOM event"
mkb oom
T "$H" --root "$R" create --bundle "$W/oom" oom1 && T "$H" --root "$R" start oom1
T "$H" --root "$R" events --interval 1h oom1; echo "events-rc=$?"
cat /sys/fs/cgroup/hull-gpu-test/oom/memory.events
T "$H" --root "$R" delete -f oom1
rmdir /sys/fs/cgroup/hull-gpu-test 2>/dev/null; ls -d /sys/fs/cgroup/hull-gpu-test* 2>&1
echo "== done"
