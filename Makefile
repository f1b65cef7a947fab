# hull: build, demo and test. Targets that need packages install them first
# (scripts/install-deps.sh, Debian 12, as root).

GO        ?= go
export PATH := $(PATH):/usr/local/go/bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN       := bin/hull
DEMO_DIR  := bin/demo
# Whole suite; `go test` kills a package that runs longer than this.
TEST_TIMEOUT ?= 30m
TESTFLAGS ?=

.PHONY: all build deps demo test vet fmt-check unit integration test-runc clean

all: build

deps:
	@scripts/install-deps.sh

# cgo is required: hull's C constructor (internal/nsenter) runs before the Go
# runtime starts threads. scripts/build.sh links statically against musl when
# it can (a musl libseccomp is built once from Debian's source), else against
# glibc, else dynamically; HULL_LIBC=glibc or musl picks one.
build:
	@GO="$(GO)" GO_LDFLAGS="$(LDFLAGS)" scripts/build.sh $(BIN)

demo: deps build
	scripts/mkbundle.sh $(DEMO_DIR)/bundle $(BIN)
	$(BIN) --root $(CURDIR)/$(DEMO_DIR)/state run --bundle $(DEMO_DIR)/bundle hull-demo-$$$$

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# All tests as root in a private mount namespace, so no mount a test (or a
# runtime bug) makes can reach the host. The integration suite uses the
# binary built here.
# scripts/cgroup-guard.sh fails the run if a cgroup is left at its end.
test: deps build vet fmt-check
	scripts/cgroup-guard.sh snapshot bin/cgroups.before
	unshare --mount --propagation private -- \
		env HULL_BINARY=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(TESTFLAGS) ./...
	# One validation program at a time: the cgroup tests of the suite share
	# cgroup paths (absolute and relative resolve alike here) and race.
	$(MAKE) conformance
	$(MAKE) fuzz
	$(MAKE) vm-deps test-vm-if-possible
	scripts/cgroup-guard.sh check bin/cgroups.before

unit: build
	unshare --mount --propagation private -- $(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(TESTFLAGS) ./internal/... ./cmd/...

integration: build
	unshare --mount --propagation private -- \
		env HULL_BINARY=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(TESTFLAGS) ./tests/...

# Validate the integration suite itself against runc (see README for the
# tests runc is known to fail).
test-runc:
	unshare --mount --propagation private -- \
		env HULL_BINARY=$$(command -v runc) $(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(TESTFLAGS) ./tests/...

clean:
	rm -rf bin

# Real clients (podman+conmon, containerd), OCI conformance: their own targets.
include tests/clients/clients.mk
include tests/conformance/conformance.mk
# cgroup v2, systemd as PID 1: a Debian VM under qemu (docs/testing.md).
include vm/vm.mk
# Benchmarks against runc and crun (docs/performance.md).
include bench/bench.mk

# Bounded fuzzing of config loading, the spec codec and the parent/child
# protocol: no input may panic, every config error is one line.
#
# Budgets are execution counts (about 15 s each here), not durations: with a
# duration, Go 1.26's fuzz coordinator can report a bare "context deadline
# exceeded" at the end of the window when its workers are starved for CPU
# (golang/go#75804, fixed in Go 1.27), failing a run that found nothing.
# FUZZTIME=20s (or any -fuzztime value) overrides all four.
FUZZTIME ?=
.PHONY: fuzz
fuzz:
	$(GO) test ./internal/spec -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(or $(FUZZTIME),200000x)
	$(GO) test ./internal/spec -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime $(or $(FUZZTIME),1500000x)
	$(GO) test ./internal/syncproto -run '^$$' -fuzz '^FuzzRecv$$' -fuzztime $(or $(FUZZTIME),150000x)
	$(GO) test ./internal/specjson -run '^$$' -fuzz '^FuzzUnmarshalSpec$$' -fuzztime $(or $(FUZZTIME),200000x)
