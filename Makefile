# Ferry: build, demo, tests and benchmark. Every target installs the Debian packages it needs first.
SHELL := /bin/bash
SWIFT ?= swift
DEBS_BUILD := libssh2-1-dev libssl-dev libedit-dev libargon2-dev pkg-config
DEBS_TEST := time groff-base tmux openssh-server openssh-client putty-tools tinyproxy microsocks dante-server socat python3 python3-paramiko util-linux iputils-ping iproute2 slurm-wlm munge chromium
DEBS_BENCH := lftp putty-tools openssh-client openssh-server pssh time bc gcc rsync

.PHONY: deps deps-test build release demo test unit-test integration-test bench bench-fleet bench-shards bench-mirror bench-bwlimit lint clean install install-files uninstall deb deb-test

# Installs a list of Debian packages when any of them is missing.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

deps:
	$(call apt_install,$(DEBS_BUILD))

deps-test: deps
	$(call apt_install,$(DEBS_TEST))

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Runs scripts/pull.scr and scripts/fleet-check.scr (scripts/dev/demo.sh) against a throwaway sshd on a free loopback port.
demo: release deps-test
	@bash scripts/dev/demo.sh

# The whole suite: unit tests and integration tests against real sshd instances, then the package
# (built, installed into this machine, used and removed again).
test: deps-test lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) --no-print-directory deb-test

unit-test: deps
	$(SWIFT) test --filter FerryKitTests

integration-test: deps-test lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter IntegrationTests

# Ferry against OpenSSH sftp, psftp and lftp on a local sshd; prints medians and ratios.
bench: release
	$(call apt_install,$(DEBS_BENCH))
	@bash scripts/dev/bench.sh
	@bash scripts/dev/mirror-bench.sh
	@bash scripts/dev/fleet-bench.sh

# Transfer caps: rate against the cap for one host (against sftp -l and lftp's net:limit-rate), and the
# total, the 10 s windows and the spread between hosts sharing one --bwlimit.
bench-bwlimit: release
	$(call apt_install,$(DEBS_BENCH))
	@bash scripts/dev/bwlimit-bench.sh

# Only the mirror part of the benchmark (against lftp mirror -P 8 and rsync over ssh).
bench-mirror: release
	$(call apt_install,$(DEBS_BENCH))
	@bash scripts/dev/mirror-bench.sh

# Only the run-on-many-hosts part of the benchmark (against parallel-ssh).
bench-fleet: release
	$(call apt_install,$(DEBS_BENCH))
	@bash scripts/dev/fleet-bench.sh

# One controller against SLURM shards of the same hosts on a one-node cluster, with the merge.
bench-shards: release
	$(call apt_install,$(DEBS_BENCH) slurm-wlm munge)
	@bash scripts/dev/shard-bench.sh

lint:
	$(SWIFT) format lint --recursive --strict Sources Tests

# Installs under $(DESTDIR)$(PREFIX): the binary, the manuals ferry(1) and ferry-script(5) and the
# shell completions (bash, zsh, fish), all made from what the binary says about itself, and the
# example scripts. `make uninstall` removes exactly these files.
PREFIX ?= /usr/local
FERRY_BINARY ?= .build/release/ferry
ZSH_COMPLETIONS ?= share/zsh/site-functions
INSTALLED_FILES = bin/ferry share/bash-completion/completions/ferry $(ZSH_COMPLETIONS)/_ferry \
	share/fish/vendor_completions.d/ferry.fish share/man/man1/ferry.1 share/man/man5/ferry-script.5 $(addprefix share/doc/ferry/examples/,$(notdir $(wildcard scripts/*.scr)))

install: release install-files

install-files:
	install -D -m 755 $(FERRY_BINARY) $(DESTDIR)$(PREFIX)/bin/ferry
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/$(ZSH_COMPLETIONS) \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d $(DESTDIR)$(PREFIX)/share/doc/ferry/examples
	$(FERRY_BINARY) --generate-completion-script bash | sed '1{/^#!/d}' > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ferry
	$(FERRY_BINARY) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/$(ZSH_COMPLETIONS)/_ferry
	$(FERRY_BINARY) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/ferry.fish
	install -m 644 scripts/*.scr $(DESTDIR)$(PREFIX)/share/doc/ferry/examples/
	python3 scripts/manpages.py $(FERRY_BINARY) $(DESTDIR)$(PREFIX)/share/man/man1
	mv $(DESTDIR)$(PREFIX)/share/man/man1/ferry-script.5 $(DESTDIR)$(PREFIX)/share/man/man5/ 2>/dev/null || \
		{ install -d $(DESTDIR)$(PREFIX)/share/man/man5 && mv $(DESTDIR)$(PREFIX)/share/man/man1/ferry-script.5 $(DESTDIR)$(PREFIX)/share/man/man5/; }

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED_FILES))
	-rmdir $(DESTDIR)$(PREFIX)/share/doc/ferry/examples $(DESTDIR)$(PREFIX)/share/doc/ferry 2>/dev/null

# ferry_<version>_amd64.deb in .build-deb/: the release binary with the Swift runtime linked in, so
# the package needs only Debian's libraries (Depends from dpkg-shlibdeps), then lintian.
DEB_SCRATCH := .build-deb
deb: deps
	$(call apt_install,dpkg-dev fakeroot lintian binutils)
	$(SWIFT) build -c release --static-swift-stdlib --disable-local-rpath --scratch-path $(DEB_SCRATCH) \
		-Xcc -D_FORTIFY_SOURCE=2 -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now
	bash scripts/deb.sh $(DEB_SCRATCH)/release/ferry $(DEB_SCRATCH)
	lintian --fail-on error,warning $(DEB_SCRATCH)/ferry_*_amd64.deb

# Builds the package, installs it into this machine, uses the installed tool, then removes it.
deb-test: deb deps-test
	$(call apt_install,man-db)
	bash scripts/dev/deb-test.sh $(DEB_SCRATCH)/ferry_*_amd64.deb

clean:
	rm -rf .build $(DEB_SCRATCH)
