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

# System pieces from the distribution: runc (sandboxes), iproute2 + iptables (EE networking),
# e2fsprogs + mount (each EE's /tmp disk: mkfs.ext4, tune2fs, losetup, mount), python3 (the python3.11 runtime), curl (AWS's bash tutorial runtime), awscli + zip + python3-boto3 (tests).
deps:
	@missing=""; \
	command -v runc >/dev/null || missing="$$missing runc"; \
	command -v ip >/dev/null || missing="$$missing iproute2"; \
	command -v iptables >/dev/null || missing="$$missing iptables"; \
	PATH="$$PATH:/usr/sbin:/sbin" command -v mkfs.ext4 >/dev/null || missing="$$missing e2fsprogs"; \
	PATH="$$PATH:/usr/sbin:/sbin" command -v losetup >/dev/null || missing="$$missing mount"; \
	command -v python3 >/dev/null || missing="$$missing python3"; \
	[ -x /usr/bin/aws ] || command -v aws >/dev/null || missing="$$missing awscli"; \
	command -v zip >/dev/null || missing="$$missing zip"; \
	command -v curl >/dev/null || missing="$$missing curl"; \
	/usr/bin/python3 -c 'import boto3' 2>/dev/null || missing="$$missing python3-boto3"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

build:
	npx --no-install tsc -p tsconfig.json

clean:
	rm -rf dist
