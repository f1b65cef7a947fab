#!/usr/bin/env bash
# vm/build-image.sh: build the hull test VM image, or reuse the cached one.
#
# Output (under $HULL_VM_CACHE, default ~/.cache/hull-vm): image-HASH/ with
# vmlinuz, initrd.img and rootfs.img (a sparse ext4 file), where HASH is a
# hash of the recipe (this script, packages.list and vm/image/*), so an edit
# to any of them builds a new image and nothing else does. Prints the image
# directory on stdout.
#
# Debian trixie comes from the mirror this machine's apt already uses (read
# from /etc/apt/sources.list.d at run time; HULL_VM_MIRROR overrides).
# Needs root, debootstrap and e2fsprogs (mkfs.ext4 -d: no loop mount).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=vm/lib.sh
. "$here/lib.sh"

suite=trixie
image_dir=$(vm_image_dir "$here")

if [[ -f $image_dir/complete ]]; then
	vm_log "image is cached: $image_dir"
	printf '%s\n' "$image_dir"
	exit 0
fi

# Everything below mounts (debootstrap mounts /proc and /sys in the target):
# do it in a private mount namespace, so that no mount can leak onto the host
# even when the build fails half-way.
if [[ -z ${HULL_VM_IN_MOUNTNS:-} ]]; then
	[[ $(id -u) -eq 0 ]] || vm_die "building the image needs root (debootstrap, chroot)"
	command -v debootstrap >/dev/null || vm_die "debootstrap is missing: run vm/install-deps.sh"
	command -v mkfs.ext4 >/dev/null || vm_die "mkfs.ext4 is missing: run vm/install-deps.sh"
	exec env HULL_VM_IN_MOUNTNS=1 unshare --mount --propagation private -- "$0" "$@"
fi

mirror=$(vm_mirror) || vm_die "no Debian mirror found in /etc/apt/sources.list.d; set HULL_VM_MIRROR"
cache_root=$(vm_cache_root)
mkdir -p "$cache_root"

# One build at a time per cache (two `make test` in parallel would otherwise
# both debootstrap into the same place).
exec 9>"$cache_root/.build.lock"
flock 9
if [[ -f $image_dir/complete ]]; then
	printf '%s\n' "$image_dir"
	exit 0
fi

start=$SECONDS
work=$(mktemp -d "$cache_root/build.XXXXXX")
cleanup() {
	# The namespace's mounts die with it; umount first anyway so rm -rf
	# never descends into a mounted /proc or /sys.
	umount -R "$work/root/proc" "$work/root/sys" "$work/root/dev" 2>/dev/null || true
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
root=$work/root

packages=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/packages.list" | tr -s '[:space:]' ',' | sed 's/,$//')

vm_log "debootstrap $suite from $mirror (${packages//,/ })"
# The initramfs config must be in place before linux-image-amd64's postinst
# builds the initrd, but debootstrap creates the tree itself: so the initrd
# is rebuilt below, after the config is written.
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
	tail -n 40 "$work/debootstrap.log" >&2
	[[ -f $root/debootstrap/debootstrap.log ]] && tail -n 40 "$root/debootstrap/debootstrap.log" >&2
	vm_die "debootstrap failed (log above)"
fi
vm_log "debootstrap done in $((SECONDS - start))s"

# --- configure the guest -----------------------------------------------------
echo hull-vm >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\thull-vm\n' >"$root/etc/hosts"
# The root fs is given on the kernel command line; nothing else to mount.
printf '# hull test VM: root is /dev/vda (kernel command line)\n' >"$root/etc/fstab"
# Passwordless root on the serial console, for `make vm-shell` debugging
# only: the VM has no network.
chroot "$root" passwd -d root >/dev/null
# A machine-id makes this not a "first boot": systemd-firstboot would
# otherwise prompt on the console and the boot would wait forever.
chroot "$root" systemd-machine-id-setup >/dev/null 2>&1 || vm_die "systemd-machine-id-setup failed"
ln -sf /dev/null "$root/etc/systemd/system/systemd-firstboot.service"

# Boot time under TCG is dominated by what systemd starts; each unit here
# is one the suite does not need:
# - udev coldplug loads every module that matches qemu's board (ata_piix,
#   floppy, pcspkr, crypto) for ~10 s of TCG time; run-suite loads the one
#   module it needs (9pnet_virtio) and udevd still serves hotplug events.
# - journal flush: the journal stays in /run (Storage=volatile below).
# - apparmor.service compiles every profile in /etc/apparmor.d (minutes of
#   TCG time); the suite loads only the one profile it tests with.
for unit in systemd-udev-trigger.service systemd-journal-flush.service apparmor.service; do
	ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
install -d "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' >"$root/etc/systemd/journald.conf.d/hull-vm.conf"

install -D -m 0644 "$here/image/hull-test.target" "$root/etc/systemd/system/hull-test.target"
install -D -m 0644 "$here/image/hull-test.service" "$root/etc/systemd/system/hull-test.service"
install -D -m 0755 "$here/image/run-suite" "$root/usr/local/lib/hull-vm/run-suite"

# Small initrd: only the modules needed to find and mount the root disk.
install -D -m 0644 "$here/image/initramfs-modules" "$root/etc/initramfs-tools/modules"
printf 'MODULES=list\nCOMPRESS=zstd\n' >"$root/etc/initramfs-tools/conf.d/hull-vm.conf"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
kver=$(basename "$(ls -d "$root"/lib/modules/* | head -n1)")
[[ -n $kver ]] || vm_die "no kernel modules in the image"
chroot "$root" update-initramfs -c -k "$kver" >"$work/initramfs.log" 2>&1 ||
	{ tail -n 20 "$work/initramfs.log" >&2; vm_die "update-initramfs failed"; }
umount "$root/dev" "$root/sys" "$root/proc"

mkdir -p "$work/out"
cp "$root/boot/vmlinuz-$kver" "$work/out/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$work/out/initrd.img"
rm -f "$root"/boot/initrd.img-*

# Drop what a test VM never reads: downloaded .debs, apt lists, docs.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
	"$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* \
	"$root"/usr/share/info/*

# ConditionNeedsUpdate= compares /usr's mtime with these stamps; without
# them every boot of the (snapshot) image reruns ldconfig, the journal
# catalog rebuild and systemd-update-done: ~3 s of TCG time.
touch "$root/etc/.updated" "$root/var/.updated"

# ext4 straight from the directory into a sparse file: no loop device.
# The free space is for bundles and container writes; `snapshot=on` at boot
# keeps the file itself unchanged.
mkfs.ext4 -q -F -L hullroot -d "$root" "$work/out/rootfs.img" 3G >"$work/mkfs.log" 2>&1 ||
	{ cat "$work/mkfs.log" >&2; vm_die "mkfs.ext4 failed"; }

{
	echo "suite=$suite"
	echo "kernel=$kver"
	echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "build_seconds=$((SECONDS - start))"
	chroot "$root" dpkg-query -W -f='${Package}=${Version}\n' systemd linux-image-amd64 runc crun criu busybox-static apparmor 2>/dev/null
} >"$work/out/manifest"
touch "$work/out/complete"

rm -rf "$image_dir"
mv "$work/out" "$image_dir"
# Older images (other recipe hashes) are left for a manual `make vm-clean`:
# another checkout on this machine may still use them.
vm_log "image built in $((SECONDS - start))s: $image_dir ($(du -sh --apparent-size "$image_dir/rootfs.img" | cut -f1) apparent, $(du -sh "$image_dir" | cut -f1) on disk)"
printf '%s\n' "$image_dir"
