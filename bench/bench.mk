# `make bench`: hull against runc and crun (bench/cmd/hullbench, results in
# docs/performance.md). Included from the top-level Makefile, which defines
# GO and BIN. Needs root; about 40 s of measuring on 2 cores with the defaults.

BENCH_N     ?= 50
BENCH_OUT   ?= bench/out
BENCH_FLAGS ?=

.PHONY: bench bench-tool

bench-tool:
	@mkdir -p bin
	$(GO) build -o bin/hullbench ./bench/cmd/hullbench

bench: build bench-tool
	@bench/deps.sh
	bin/hullbench -hull $(BIN) -n $(BENCH_N) -out $(BENCH_OUT) $(BENCH_FLAGS)
