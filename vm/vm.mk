# vm/vm.mk: the VM test harness's make targets. Included from the top-level
# Makefile (`include vm/vm.mk`) or used directly: make -f vm/vm.mk test-vm
# All paths are relative to the repository root, where make runs.
VM_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

.PHONY: vm-deps vm-image test-vm test-vm-if-possible vm-shell vm-clean

# Host packages: qemu-system-x86, debootstrap, e2fsprogs.
vm-deps:
	$(VM_DIR)/install-deps.sh

# Build the Debian trixie image (kernel, initrd, rootfs.img) into the cache,
# or reuse it when its recipe is unchanged.
vm-image:
	$(VM_DIR)/build-image.sh >/dev/null

# Static hull + test binaries into a 9p share, one boot, the VM suite.
# Fails with the suite's exit status; fails when the VM cannot run.
test-vm:
	$(VM_DIR)/test-vm.sh

# For `make test`: like test-vm, but when qemu cannot run here it says so
# loudly, with the reason, and does not fail.
test-vm-if-possible:
	HULL_VM_IF_POSSIBLE=1 $(VM_DIR)/test-vm.sh

# Boot the image to a root shell on this terminal (Ctrl-a x quits qemu).
vm-shell:
	HULL_VM_SHELL=1 $(VM_DIR)/test-vm.sh

# Remove every cached image and the last run's share and logs.
vm-clean:
	bash -c '. $(VM_DIR)/lib.sh && rm -rf --one-file-system "$$(vm_cache_root)"'
