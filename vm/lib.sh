# shellcheck shell=bash
# vm/lib.sh: helpers shared by the VM harness scripts (sourced, not run).

# The recipe: every file whose content decides what goes into the image.
# Editing any of them changes the cache key, so the next vm-image rebuilds.
# suite.sh and test-vm.sh are not in it: they travel through the 9p share at
# boot, so changing a test never costs an image build.
vm_recipe_files() {
	local here=$1
	printf '%s\n' "$here/build-image.sh" "$here/packages.list"
	find "$here/image" -type f | LC_ALL=C sort
}

vm_recipe_hash() {
	local here=$1 f
	for f in $(vm_recipe_files "$here"); do
		printf '%s\n' "${f#"$here"/}"
		cat "$f"
	done | sha256sum | cut -c1-16
}

vm_cache_root() {
	printf '%s\n' "${HULL_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hull-vm}"
}

vm_image_dir() {
	printf '%s/image-%s\n' "$(vm_cache_root)" "$(vm_recipe_hash "$1")"
}

# vm_mirror prints the Debian mirror this machine's apt already uses, read at
# run time so that no mirror address is ever written into the repository.
# HULL_VM_MIRROR overrides it. A candidate must list the host's own release
# (so it is a Debian archive, not a third-party repo) with component main;
# security and -updates suites are skipped.
vm_mirror() {
	if [[ -n ${HULL_VM_MIRROR:-} ]]; then
		printf '%s\n' "$HULL_VM_MIRROR"
		return 0
	fi
	local codename
	codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
	[[ -n $codename ]] || return 1
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		# deb822: stanzas separated by blank lines; keys are case-insensitive.
		awk -v want="$codename" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " want " ") && (" " comps " ") ~ / main / && enabled != "no" && uris != "") {
					split(uris, u, " "); print u[1]; found = 1; exit
				}
				types = uris = suites = comps = enabled = ""
			}
			/^[ \t]*$/ { flush(); next }
			/^#/ { next }
			{
				k = tolower($1); sub(/:$/, "", k)
				$1 = ""; v = $0; sub(/^ +/, "", v)
				if (k == "types") types = v
				else if (k == "uris") uris = v
				else if (k == "suites") suites = v
				else if (k == "components") comps = v
				else if (k == "enabled") enabled = tolower(v)
			}
			END { if (!found) flush() }
		' "$f" | head -n1 | grep . && return 0
	done
	for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list; do
		[[ -f $f ]] || continue
		# deb [options] URI SUITE COMPONENT...
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
			awk -v want="$codename" '$1 == "deb" && $3 == want { for (i = 4; i <= NF; i++) if ($i == "main") { print $2; exit } }' |
			head -n1 | grep . && return 0
	done
	return 1
}

# vm_accel picks qemu's accelerator. /dev/kvm on this kind of machine can be
# kvm_pvm, a nested pagetable-based KVM that cannot run a stock kernel (qemu
# reports "emulation failure" and sits paused forever), so KVM is used only
# where it is real; everything else gets TCG.
#
# TCG runs single-threaded (both vCPUs on one host thread) by default:
# with thread=multi, qemu 7.2 let a vCPU run stale code while the guest
# kernel live-patched itself (text_poke_bp when a static key flips, as
# writing cpu.max does for cfs_bandwidth_used), and the guest died with
# "Oops: int3" in dequeue_entity (once in the first seven boots). Measured
# cost of single-threaded: see docs/testing.md.
# HULL_VM_ACCEL=kvm|tcg|tcg-multi overrides.
vm_accel() {
	local tcg="-accel tcg,thread=single -cpu max"
	case ${HULL_VM_ACCEL:-auto} in
	kvm) printf '%s\n' "-accel kvm -cpu host" ;;
	tcg) printf '%s\n' "$tcg" ;;
	tcg-multi) printf '%s\n' "-accel tcg,thread=multi -cpu max" ;;
	*)
		if [[ -e /sys/module/kvm_pvm ]] || ! [[ -r /dev/kvm && -w /dev/kvm ]] ||
			! { [[ -e /sys/module/kvm_intel ]] || [[ -e /sys/module/kvm_amd ]]; }; then
			printf '%s\n' "$tcg"
		else
			printf '%s\n' "-accel kvm -cpu host"
		fi
		;;
	esac
}

vm_log() { printf 'vm: %s\n' "$*" >&2; }
vm_die() {
	printf 'vm: error: %s\n' "$*" >&2
	exit 1
}
