# hull under real clients: podman+conmon and containerd (ctr, runc.v2 shim).
# Included from the top-level Makefile (uses its GO, BIN, TESTFLAGS and the
# build target). Needs root and `apt-get install podman conmon containerd`;
# each test skips with a reason when a client is missing. The test binary
# re-executes itself in a mount namespace of its own and mounts a private
# tmpfs on /run there, so client state (/run/hull, /run/containerd) never
# reaches the host; the outer unshare keeps the go tool's view private too.

CLIENTS_TIMEOUT ?= 10m

.PHONY: test-clients
test-clients: build
	unshare --mount --propagation private -- \
		env HULL_BINARY=$(CURDIR)/$(BIN) $(GO) test -count=1 -v -timeout $(CLIENTS_TIMEOUT) $(TESTFLAGS) ./tests/clients/...
