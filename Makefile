# sundflow: every target says what it does before it does it.
SHELL := /bin/bash
GO ?= go
GOTEST_FLAGS ?= -race -count=1 -timeout 18m
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN := bin

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@echo "sundflow make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## install ClickHouse, promtool and Chromium from Debian's packages if missing
	@echo "==> deps: checking for clickhouse-server, promtool, chromium"
	@deploy/local/deps.sh all

.PHONY: build
build: ## build every program into ./bin
	@echo "==> build: go build ./producers/... ./consumers/... into $(BIN)/"
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./producers/... ./consumers/...

.PHONY: run
run: ## run the whole pipeline here (ClickHouse, gateway + JetStream, projector, dashboard, simulated sources); Ctrl-C stops it; ARGS='--help' lists the flags
	@echo "==> run: build ./deploy/local/run into $(BIN)/ and start it (data under ./var)"
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/run ./deploy/local/run
	$(BIN)/run $(ARGS)

.PHONY: test
test: deps ## install what is missing, then run every test with the race detector
	@echo "==> test: go test $(GOTEST_FLAGS) ./... (real nats-server and clickhouse-server)"
	$(GO) test $(GOTEST_FLAGS) ./...

# The benchmarks' ClickHouse keeps its parts on a tmpfs when there is one
# (BENCH_CLICKHOUSE_DIR= keeps them in the temporary directory): on an
# ext4 file system without a journal, as on the development machines,
# creating a file costs a scan of recently deleted inodes, which made
# ClickHouse's CPU per event vary severalfold with the order of the
# measures (BENCHMARKS.md).
BENCH_CLICKHOUSE_DIR ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm)

.PHONY: bench
bench: deps ## run the benchmarks and print their figures
	@echo "==> bench: go test -run '^$$' -bench . -benchtime 1x ./... (clickhouse files under $(or $(BENCH_CLICKHOUSE_DIR),the temporary directory))"
	SUNDFLOW_TEST_CLICKHOUSE_DIR=$(BENCH_CLICKHOUSE_DIR) $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

.PHONY: fmt
fmt: ## format the Go code in place
	@echo "==> fmt: gofmt -w"
	@gofmt -w $$(git ls-files '*.go')

.PHONY: fmt-check
fmt-check: ## fail if any Go file is not gofmt'ed
	@echo "==> fmt-check: gofmt -l"
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not formatted:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet: ## go vet
	@echo "==> vet: go vet ./..."
	$(GO) vet ./...

.PHONY: lint
lint: vet ## go vet plus staticcheck
	@echo "==> lint: staticcheck ./..."
	$(GO) run $(STATICCHECK) ./...

.PHONY: tidy-check
tidy-check: ## fail if go.mod / go.sum are not tidy
	@echo "==> tidy-check: go mod tidy -diff"
	$(GO) mod tidy -diff
