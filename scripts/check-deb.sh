#!/usr/bin/env bash
# check-deb: builds the Debian package (scripts/build-deb.sh) and proves it is what PRODUCT §12
# promises. Prints one ok/FAIL line per check and exits 1 if any failed.
#
#   1. contents (`dpkg-deb -I/-c`): Depends from the binaries (libcurl4, libsystemd0, libc6, no
#      Swift runtime), conffiles, binaries, units with /usr/bin paths, man page, copyright;
#   2. the packaged binary (dpkg-deb -x) runs without the Swift toolchain's libraries and its
#      `version` is the package version;
#   3. lintian: no error (E:) tags; warnings are printed (docs/install.md lists the expected ones);
#   4. the maintainer scripts, in a throwaway Debian root made by debootstrap (minbase plus the
#      package's Depends, cached as a tarball under .build/deb-root/, rebuilt when the suite or
#      the Depends change) and entered with chroot — no systemd runs there:
#      a. without /run/systemd/system (chroot, container): install, reinstall, upgrade to a
#         bumped version (the same .deb repacked), remove, purge; the edited conffile
#         survives upgrades, purge removes the state (/var/lib/private/mdca-forwarder and the
#         /var/lib/mdca-forwarder symlink DynamicUser= makes) and the conffiles;
#      b. with /run/systemd/system and a recording `systemctl` stub standing in for systemd:
#         first install neither enables nor starts the unit, an upgrade try-restarts it and
#         never stops it, remove stops it.
#
# Needs root (debootstrap, chroot). Environment: DEB_CHECK_MIRROR (default: the distribution's
# main mirror), SWIFT (passed to build-deb.sh).
set -uo pipefail

cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)
failed=0
ok()   { echo "ok   $*"; }
fail() { echo "FAIL $*"; failed=1; }
check() { # check <description> <command...>: ok when the command succeeds
  local what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}

[ "$(id -u)" = 0 ] || { echo "check-deb: needs root (debootstrap, chroot); run it with sudo" >&2; exit 1; }
for tool in lintian debootstrap dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "check-deb: $tool not found (make check-deb installs it)" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- build --------------------------------------------------------------------------------
if ! scripts/build-deb.sh 2>&1 | tee "$tmp/build.log"; then
  echo "FAIL build: scripts/build-deb.sh failed (above)"; exit 1
fi
deb=$(sed -n 's/^built //p' "$tmp/build.log" | tail -n 1)
[ -f "$deb" ] || { echo "FAIL build: no .deb named in the output"; exit 1; }
ok "build $deb ($(du -h "$deb" | cut -f1))"
built_at=$(date +%s)

package=$(dpkg-deb -f "$deb" Package)
version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg-deb -f "$deb" Architecture)
depends=$(dpkg-deb -f "$deb" Depends)
check "file name ${package}_${version}_${arch}.deb" [ "$(basename "$deb")" = "${package}_${version}_${arch}.deb" ]

# --- 1. contents --------------------------------------------------------------------------
dpkg-deb -I "$deb" > "$tmp/info"
echo "     Depends: $depends"
for lib in libc6 libcurl4 libsystemd0; do
  check "Depends names $lib" grep -Eq "(^|, )$lib( |,|$)" <<<"$depends"
done
check "Depends names no Swift runtime" bash -c '! grep -Eiq "swift|foundation" <<<"$1"' _ "$depends"

dpkg-deb -e "$deb" "$tmp/control"
for f in /etc/mdca-forwarder/config.yaml /etc/mdca-forwarder/config.yaml.example; do
  check "conffiles lists $f" grep -qx "$f" "$tmp/control/conffiles"
done
for script in postinst prerm postrm; do
  check "maintainer script $script present, executable" [ -x "$tmp/control/$script" ]
done

dpkg-deb -c "$deb" > "$tmp/contents"
# "mode owner/group size date time path" → "mode owner path"
awk '{ print $1, $2, $6 }' "$tmp/contents" > "$tmp/listing"
while read -r mode path; do
  check "contains $path ($mode root/root)" grep -qx -- "$mode root/root .$path" "$tmp/listing"
done <<'EOF'
-rwxr-xr-x /usr/bin/mdca-forwarder
-rwxr-xr-x /usr/bin/mdca-simulator
-rw-r--r-- /lib/systemd/system/mdca-forwarder.service
-rw-r--r-- /lib/systemd/system/mdca-forwarder@.service
-rw-r--r-- /usr/share/man/man8/mdca-forwarder.8.gz
-rw-r--r-- /usr/share/man/man1/mdca-simulator.1.gz
-rw-r--r-- /usr/share/man/man5/mdca-forwarder.yaml.5.gz
-rw-r--r-- /usr/share/mdca-forwarder/prometheus/mdca-forwarder.rules.yml
-rw-r--r-- /usr/share/mdca-forwarder/grafana/mdca-forwarder.json
-rw-r--r-- /etc/mdca-forwarder/config.yaml
-rw-r--r-- /etc/mdca-forwarder/config.yaml.example
-rw-r--r-- /usr/share/doc/mdca-forwarder/copyright
-rw-r--r-- /usr/share/doc/mdca-forwarder/changelog.gz
EOF
check "no path under /usr/local" bash -c '! grep -q "\./usr/local" "$1"' _ "$tmp/listing"

dpkg-deb -x "$deb" "$tmp/x"
for unit in mdca-forwarder.service mdca-forwarder@.service; do
  u=$tmp/x/lib/systemd/system/$unit
  check "$unit: ExecStartPre=/usr/bin/mdca-forwarder check-config" grep -qx 'ExecStartPre=/usr/bin/mdca-forwarder check-config' "$u"
  check "$unit: ExecStart=/usr/bin/mdca-forwarder run" grep -qx 'ExecStart=/usr/bin/mdca-forwarder run' "$u"
  check "$unit: names no /usr/local" bash -c '! grep -q /usr/local "$1"' _ "$u"
done
for page in man8/mdca-forwarder.8.gz man5/mdca-forwarder.yaml.5.gz man1/mdca-simulator.1.gz; do
  check "man page $page renders" bash -c 'zcat "$1" | groff -man -Tutf8 -z 2>&1 | { ! grep .; }' _ "$tmp/x/usr/share/man/$page"
done
check "copyright is machine-readable (DEP-5) Apache-2.0" bash -c \
  'head -n1 "$1" | grep -q "^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" && grep -qx "License: Apache-2.0" "$1"' \
  _ "$tmp/x/usr/share/doc/mdca-forwarder/copyright"

# --- 2. the packaged binaries -------------------------------------------------------------
for b in mdca-forwarder mdca-simulator; do
  check "$b needs no Swift runtime library (ldd)" bash -c \
    '! ldd "$1" | grep -E "libswift|libFoundation|lib_Foundation|libdispatch|/opt/swift|not found"' _ "$tmp/x/usr/bin/$b"
done
# A clean environment: no LD_LIBRARY_PATH or PATH leading to /opt/swift.
# It prints "mdca-forwarder <version>".
packaged_version=$(env -i "$tmp/x/usr/bin/mdca-forwarder" version 2>&1)
check "packaged \`mdca-forwarder version\` = package version ('$packaged_version', $version)" [ "$packaged_version" = "mdca-forwarder $version" ]
check "packaged mdca-simulator --help runs" bash -c 'env -i "$1" --help >/dev/null' _ "$tmp/x/usr/bin/mdca-simulator"

# --- 3. lintian ---------------------------------------------------------------------------
lintian --tag-display-limit 0 "$deb" > "$tmp/lintian" 2>&1
lintian_rc=$?
grep -v '^running with root privileges' "$tmp/lintian" | sed 's/^/     lintian: /'
errors=$(grep -c '^E:' "$tmp/lintian")
warnings=$(grep -c '^W:' "$tmp/lintian")
if [ "$errors" -eq 0 ] && [ "$lintian_rc" -eq 0 ]; then
  ok "lintian: no errors ($warnings warnings)"
else
  fail "lintian: $errors errors (exit $lintian_rc)"
fi

# --- 4. maintainer scripts in a throwaway Debian root -------------------------------------
. /etc/os-release
suite=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
case "$ID" in
  ubuntu) mirror=${DEB_CHECK_MIRROR:-http://archive.ubuntu.com/ubuntu} ;;
  *)      mirror=${DEB_CHECK_MIRROR:-http://deb.debian.org/debian} ;;
esac
# The Depends as package names (version constraints and alternatives dropped).
includes=$(sed -e 's/([^)]*)//g' -e 's/|[^,]*//g' -e 's/[[:space:]]//g' <<<"$depends")
cache_dir=$root/.build/deb-root
key=$(printf '%s\n' "$suite" "$mirror" "$arch" "$includes" | sha256sum | cut -c1-12)
cache=$cache_dir/$suite-minbase-$key.tar
if [ ! -f "$cache" ]; then
  echo "     debootstrap $suite (minbase + $includes) from $mirror, cached as $cache"
  mkdir -p "$cache_dir"
  rm -f "$cache_dir"/*.tar
  t0=$(date +%s)
  if debootstrap --variant=minbase --arch="$arch" --include="$includes" "$suite" "$tmp/bootstrap" "$mirror" > "$tmp/debootstrap.log" 2>&1 &&
     tar -C "$tmp/bootstrap" -cf "$cache.part" . && mv "$cache.part" "$cache"; then
    ok "debootstrap $suite in $(( $(date +%s) - t0 )) s"
  else
    tail -n 20 "$tmp/debootstrap.log"; fail "debootstrap $suite (log above)"
    echo "check-deb: FAILED (no throwaway root)"; exit 1
  fi
  rm -rf "$tmp/bootstrap"
fi

chroot_root=$tmp/root
in_root() { # run a command inside the throwaway root, with a PATH where the systemctl stub wins
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive chroot "$chroot_root" "$@"
}
fresh_root() {
  rm -rf "$chroot_root" && mkdir "$chroot_root" && tar -C "$chroot_root" -xf "$cache" &&
  cp "$deb" "$chroot_root/tmp/pkg.deb" && cp "$tmp/bumped.deb" "$chroot_root/tmp/bumped.deb"
}
status_of() { in_root dpkg-query -W -f='${db:Status-Status} ${Version}' "$package" 2>/dev/null; }
dpkg_step() { # dpkg_step <description> <dpkg args...>: the dpkg run must succeed, output kept
  local what=$1; shift
  if in_root dpkg --force-confold "$@" > "$tmp/dpkg.log" 2>&1; then ok "$what"
  else sed 's/^/     /' "$tmp/dpkg.log"; fail "$what"; fi
}

# The upgrade target: the same package with a higher version (only the control file differs).
bumped_version=$version+check1
dpkg-deb -R "$deb" "$tmp/bumped"
sed -i "s/^Version: .*/Version: $bumped_version/" "$tmp/bumped/DEBIAN/control"
# Uncompressed: xz would take minutes on a 2-core machine for a file that lives a minute.
dpkg-deb --root-owner-group -Znone -b "$tmp/bumped" "$tmp/bumped.deb" >/dev/null
rm -rf "$tmp/bumped"

# a. no systemd at all (no /run/systemd/system): what a chroot or container sees.
if fresh_root; then
  rm -rf "$chroot_root/run/systemd"
  dpkg_step "no systemd: install" -i /tmp/pkg.deb
  check "no systemd: installed $version" [ "$(status_of)" = "installed $version" ]
  # The Swift runtime needs /proc: a private one, gone with the namespace (no mount to undo).
  v=$(unshare --fork --pid --mount-proc="$chroot_root/proc" chroot "$chroot_root" /usr/bin/mdca-forwarder version 2>&1)
  check "no systemd: /usr/bin/mdca-forwarder version runs in a plain $suite ('$v')" [ "$v" = "mdca-forwarder $version" ]
  check "no systemd: install did not enable the unit" \
    bash -c '! ls "$1"/etc/systemd/system/*.wants/mdca-forwarder* 2>/dev/null | grep -q .' _ "$chroot_root"
  echo "# edited by check-deb" >> "$chroot_root/etc/mdca-forwarder/config.yaml"
  dpkg_step "no systemd: reinstall $version" -i /tmp/pkg.deb
  dpkg_step "no systemd: upgrade to $bumped_version" -i /tmp/bumped.deb
  check "no systemd: installed $bumped_version" [ "$(status_of)" = "installed $bumped_version" ]
  check "no systemd: edited config.yaml kept over reinstall and upgrade" \
    grep -qx '# edited by check-deb' "$chroot_root/etc/mdca-forwarder/config.yaml"
  # The state as systemd leaves it with DynamicUser=: the directory under private/, a symlink.
  mkdir -p "$chroot_root/var/lib/private/mdca-forwarder/contoso"
  echo '{}' > "$chroot_root/var/lib/private/mdca-forwarder/state.json"
  ln -s private/mdca-forwarder "$chroot_root/var/lib/mdca-forwarder"
  dpkg_step "no systemd: remove" -r "$package"
  check "no systemd: remove deleted the binaries" [ ! -e "$chroot_root/usr/bin/mdca-forwarder" ]
  check "no systemd: remove kept config.yaml and the state" \
    bash -c '[ -f "$1/etc/mdca-forwarder/config.yaml" ] && [ -f "$1/var/lib/private/mdca-forwarder/state.json" ]' _ "$chroot_root"
  # Enabled by the operator (what `systemctl enable` links), the unit and a tenant instance.
  wants=$chroot_root/etc/systemd/system/multi-user.target.wants
  mkdir -p "$wants"
  ln -s /lib/systemd/system/mdca-forwarder.service "$wants/mdca-forwarder.service"
  ln -s /lib/systemd/system/mdca-forwarder@.service "$wants/mdca-forwarder@contoso.service"
  dpkg_step "no systemd: purge" -P "$package"
  check "no systemd: purge removed the enablement symlinks (unit and instance)" \
    bash -c '! ls "$1"/etc/systemd/system/*.wants/mdca-forwarder* 2>/dev/null | grep -q .' _ "$chroot_root"
  s=$(status_of)
  check "no systemd: purged (status: ${s:-unknown to dpkg})" bash -c '[ -z "$1" ] || [ "${1%% *}" = not-installed ]' _ "$s"
  check "no systemd: purge removed /etc/mdca-forwarder/config.yaml" [ ! -e "$chroot_root/etc/mdca-forwarder/config.yaml" ]
  check "no systemd: purge removed the state (/var/lib/private/mdca-forwarder and the symlink)" \
    bash -c '[ ! -e "$1/var/lib/private/mdca-forwarder" ] && [ ! -L "$1/var/lib/mdca-forwarder" ]' _ "$chroot_root"
  # Without DynamicUser= the state is a plain directory.
  dpkg_step "no systemd: install again" -i /tmp/pkg.deb
  mkdir -p "$chroot_root/var/lib/mdca-forwarder" && echo '{}' > "$chroot_root/var/lib/mdca-forwarder/state.json"
  dpkg_step "no systemd: purge (plain state directory)" -P "$package"
  check "no systemd: purge removed /var/lib/mdca-forwarder" [ ! -e "$chroot_root/var/lib/mdca-forwarder" ]
else
  fail "no systemd: could not unpack the throwaway root"
fi

# b. "systemd running": /run/systemd/system exists, and a stub systemctl records each call.
# It reports the unit as enabled and active, as on a host where the operator started it.
# The same root: a. ended with a purge that left nothing behind (checked above).
if [ -d "$chroot_root/usr" ] && [ -z "$(status_of)" ]; then
  mkdir -p "$chroot_root/run/systemd/system" "$chroot_root/usr/local/bin"
  cat > "$chroot_root/usr/local/bin/systemctl" <<'EOF'
#!/bin/sh
echo "$*" >> /var/log/systemctl-stub.log
case " $* " in
  *" is-enabled "*) echo enabled ;;
  *" --version "*) echo "systemd 252 (252)" ;;
esac
exit 0
EOF
  chmod 0755 "$chroot_root/usr/local/bin/systemctl"
  calls() { cat "$chroot_root/var/log/systemctl-stub.log" 2>/dev/null; : > "$chroot_root/var/log/systemctl-stub.log"; }
  # The unit-changing calls (start, restart, try-restart, stop, enable, ...) with their units.
  actions() { calls | grep -Ev '^(--system )?daemon-reload$|is-enabled|is-active|--version' | sed 's/--quiet //; s/--system //'; }
  dpkg_step "systemd: install" -i /tmp/pkg.deb
  a=$(actions)
  check "systemd: first install neither enabled nor started anything (calls: ${a:-none})" [ -z "$a" ]
  check "systemd: first install did not enable the unit" \
    bash -c '! ls "$1"/etc/systemd/system/*.wants/mdca-forwarder* 2>/dev/null | grep -q .' _ "$chroot_root"
  dpkg_step "systemd: upgrade to $bumped_version" -i /tmp/bumped.deb
  a=$(actions)
  check "systemd: upgrade try-restarted mdca-forwarder.service (calls: ${a//$'\n'/; })" grep -qx 'try-restart mdca-forwarder.service' <<<"$a"
  check "systemd: upgrade try-restarted the template's instances" grep -qx 'try-restart mdca-forwarder@\*.service' <<<"$a"
  check "systemd: upgrade did not stop the daemon first" bash -c '! grep -q "^stop" <<<"$1"' _ "$a"
  dpkg_step "systemd: remove" -r "$package"
  a=$(actions)
  check "systemd: remove stopped mdca-forwarder.service and the instances (calls: ${a//$'\n'/; })" \
    grep -qx 'stop mdca-forwarder.service mdca-forwarder@\*.service' <<<"$a"
  dpkg_step "systemd: purge" -P "$package"
else
  fail "systemd: the throwaway root is not clean after a."
fi

echo "     time: build $(( built_at - started )) s, checks $(( $(date +%s) - built_at )) s, total $(( $(date +%s) - started )) s"
if [ "$failed" = 0 ]; then echo "check-deb: all ok"; else echo "check-deb: FAILED"; fi
exit "$failed"
