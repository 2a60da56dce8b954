# Kumo: two commands for a fresh Debian/Ubuntu machine (run as root).
#   make up    installs what is missing, builds, starts the server on 127.0.0.1:9001
#   make test  installs what is missing, builds, runs the whole test suite
SHELL := /bin/bash
PORT ?= 9001
HOST ?= 127.0.0.1
DATA_DIR ?= ./.kumo

.PHONY: up test bench setup deps build test-unit test-integration test-e2e clean

up: setup build
	./bin/kumo server --port $(PORT) --host $(HOST) --data-dir $(DATA_DIR)

test: setup build
	bash test/run-all.sh

# Benchmark (issue 4): Kumo vs floors vs serverless-offline in one run; see bench/README.md.
# Subset or smoke run: make bench BENCH_ARGS="--quick" / BENCH_ARGS="--only floors,kumo"
bench: setup build
	node dist/bench/run.js $(BENCH_ARGS)

setup: deps
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi
	@# The AWS SDK for JavaScript v3 inside the Node.js runtime (/var/runtime/node_modules in EEs), as AWS ships it.
	@if [ ! -d runtimes/node_modules ] || [ runtimes/package-lock.json -nt runtimes/node_modules/.package-lock.json ]; then npm ci --prefix runtimes --no-audit --no-fund --omit=dev --ignore-scripts; fi
	@# Node.js 22 and 24 for nodejs22.x / nodejs24.x (npm's node-linux-<arch> packages; the host's Node.js is nodejs20.x).
	@if [ ! -d runtimes/nodejs-versions/node_modules ] || [ runtimes/nodejs-versions/package-lock.json -nt runtimes/nodejs-versions/node_modules/.package-lock.json ]; then npm ci --prefix runtimes/nodejs-versions --no-audit --no-fund --ignore-scripts; fi
	@# arm64 Node.js 20, 22 and 24 for Architectures [arm64] functions on an x86_64 host (run through qemu-user; --cpu=arm64 installs npm's arm64 packages here).
	@if [ "$$(uname -m)" = x86_64 ] && { [ ! -d runtimes/nodejs-arm64/node_modules ] || [ runtimes/nodejs-arm64/package-lock.json -nt runtimes/nodejs-arm64/node_modules/.package-lock.json ]; }; then npm ci --prefix runtimes/nodejs-arm64 --cpu=arm64 --no-audit --no-fund --ignore-scripts; fi

# System pieces from the distribution, listed with their paths and purposes in
# scripts/tools.manifest (runc, iproute2, iptables, e2fsprogs + mount for each EE's /tmp disk,
# python3 + boto3, awscli v2, zip, curl…).
deps:
	@scripts/deps.sh

build:
	npx --no-install tsc -p tsconfig.json
	scripts/build-java-runtime.sh

clean:
	rm -rf dist
