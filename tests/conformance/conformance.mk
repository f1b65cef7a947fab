# OCI conformance: the runtime-tools validation suite (version pinned in
# tests/conformance/go.mod, fetched through the Go module proxy) against
# bin/hull. Included by the top-level Makefile. Needs root; every program
# runs in its own private mount namespace with a private TMPDIR and a
# private --root for the runtime (see tests/conformance/run.go).
#
#   make conformance                  hull, checked against the allow-list
#   make conformance-compare          hull, runc and crun side by side
#   make conformance CONFORMANCE_FLAGS='-run ^linux_ns'

CONFORMANCE_DIR   ?= $(CURDIR)/bin/conformance
CONFORMANCE_FLAGS ?=
# Extra runtimes for the side-by-side table, those on PATH only.
CONFORMANCE_PEERS ?= runc crun

.PHONY: conformance conformance-compare conformance-unit

conformance: build conformance-unit
	cd tests/conformance && $(GO) run . -suite-dir $(CONFORMANCE_DIR) \
		-runtime hull=$(CURDIR)/$(BIN) $(CONFORMANCE_FLAGS)

conformance-compare: build
	cd tests/conformance && $(GO) run . -suite-dir $(CONFORMANCE_DIR) \
		-runtime hull=$(CURDIR)/$(BIN) \
		$(foreach r,$(CONFORMANCE_PEERS),$(if $(shell command -v $(r)),-runtime $(r)=$(shell command -v $(r)))) \
		$(CONFORMANCE_FLAGS)

# The runner's own tests (TAP parsing, allow-list, isolation).
conformance-unit:
	cd tests/conformance && $(GO) vet . && $(GO) test -count=1 .
