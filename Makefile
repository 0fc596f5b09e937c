# mdca-forwarder — build, test, demo, install.
# `make demo` and `make test` work on a fresh Debian/Ubuntu machine: they install what is missing.

SHELL        := /bin/bash
SWIFT        ?= swift
PREFIX       ?= /usr/local
DESTDIR      ?=
# System packages the build, the tests and the demo need (Debian/Ubuntu names).
APT_PACKAGES := libcurl4-openssl-dev libsystemd-dev pkg-config ca-certificates openssl \
                rsyslog rsyslog-gnutls rsyslog-openssl systemd procps
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build release test demo bench install clean

all: build

## deps: install the missing system packages with apt-get (through sudo when not root)
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product mdca-forwarder
	$(SWIFT) build -c release --product mdca-simulator

## test: every unit, integration and end-to-end test
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

clean:
	rm -rf .build

## fuzz: libFuzzer + AddressSanitizer on ActivityJSON (page and record parsers) for FUZZ_SECONDS
FUZZ_SECONDS ?= 600
FUZZ_DIR     := .build/fuzz
.PHONY: fuzz
fuzz:
	mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts
	swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name ActivityJSONFuzz \
	  Sources/ActivityJSON/*.swift Fuzz/ActivityJSONFuzz.swift -o $(FUZZ_DIR)/activityjson-fuzz
	# New inputs go to the first directory; the committed seeds in Fuzz/corpus stay as they are.
	$(FUZZ_DIR)/activityjson-fuzz -max_total_time=$(FUZZ_SECONDS) -dict=Fuzz/activityjson.dict \
	  -max_len=8192 -artifact_prefix=$(FUZZ_DIR)/artifacts/ $(FUZZ_DIR)/corpus Fuzz/corpus
