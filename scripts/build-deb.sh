#!/usr/bin/env bash
# Builds dist/mdca-forwarder_<version>_<arch>.deb (docs/install.md, step 1).
#
# The Debian way without a debian/ directory at the top of the tree: the packaging files live
# in packaging/debian/, are copied into a work directory under .build/deb/ next to a staged
# package tree, and the debhelper commands a `dh` sequence would run for a binary package do
# the rest: maintainer-script snippets for the units (dh_installsystemd), conffiles
# (dh_installdeb: everything under /etc), stripping, compression, `Depends:` from the binaries
# (dh_shlibdeps → dpkg-shlibdeps), control file, md5sums, dpkg-deb. dpkg-buildpackage is not
# used because it insists on building from a source tree with debian/ at its root.
#
# The version is the one `mdca-forwarder version` prints (ForwarderVersion.swift), as a Debian
# native version: the upstream and the packaging are the same project.
#
# Environment: SWIFT (default swift), DIST (output directory, default dist).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
SWIFT=${SWIFT:-swift}
DIST=${DIST:-$root/dist}
package=mdca-forwarder

die() { echo "build-deb: $*" >&2; exit 1; }

for tool in dpkg-deb dpkg-shlibdeps dh_installsystemd help2man; do
  command -v "$tool" >/dev/null || die "$tool not found (make deb installs dpkg-dev, debhelper and help2man)"
done

version_file=Sources/Forwarder/Commands/ForwarderVersion.swift
version=$(sed -n 's/^[[:space:]]*public static let string = "\([^"]*\)".*/\1/p' "$version_file")
# A Debian native version: no '-' (that would make a revision), starts with a digit.
[[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || die "no usable version in $version_file (found '$version')"

# Release build with the Swift runtime (stdlib, Foundation, Dispatch) linked in, so the
# package needs no Swift toolchain on the host. Full RELRO (-z relro -z now), as Debian's
# hardening build flags ask of C programs (lintian: hardening-no-bindnow).
swift_flags=(-c release --static-swift-stdlib -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now)
"$SWIFT" build "${swift_flags[@]}" --product mdca-forwarder
"$SWIFT" build "${swift_flags[@]}" --product mdca-simulator
bin=$("$SWIFT" build "${swift_flags[@]}" --show-bin-path)

for b in mdca-forwarder mdca-simulator; do
  if leaked=$(ldd "$bin/$b" | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|/opt/swift|not found'); then
    die "$b still needs Swift runtime libraries (or misses one): $leaked"
  fi
done
# `mdca-forwarder version` prints "mdca-forwarder <version>".
built_version=$("$bin/mdca-forwarder" version)
[ "$built_version" = "mdca-forwarder $version" ] || die "the built binary says '$built_version', $version_file says '$version'"

work=$root/.build/deb/$package-$version
rm -rf "$work"
mkdir -p "$work/debian"
cp packaging/debian/control packaging/debian/copyright packaging/debian/postinst packaging/debian/prerm \
   packaging/debian/postrm "$work/debian/"
cp packaging/debian/mdca-forwarder.lintian-overrides "$work/debian/"

# debian/changelog is generated, not kept: one entry for this version, so the version has one
# home. Its date is the last commit's (reproducible), or now outside git.
maintainer=$(sed -n 's/^Maintainer: //p' packaging/debian/control)
epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)
cat > "$work/debian/changelog" <<EOF
$package ($version) unstable; urgency=medium

  * Release $version, built from the project's source tree; its history is the
    project's git log.

 -- $maintainer  $(LC_ALL=C date -u -R -d "@$epoch")
EOF

# The staged tree: what `make install PREFIX=/usr` would install, with Debian's paths.
pkg=$work/debian/$package
install -d -m 0755 "$pkg/usr/bin" "$pkg/lib/systemd/system" "$pkg/etc/mdca-forwarder"
install -m 0755 "$bin/mdca-forwarder" "$bin/mdca-simulator" "$pkg/usr/bin/"
for unit in mdca-forwarder.service mdca-forwarder@.service; do
  # The shipped units name /usr/local/bin (make install's default); the comment about that
  # rewrite does not apply to the package.
  sed -e 's|/usr/local/bin/|/usr/bin/|g' -e '/`make install` rewrites/d' "systemd/$unit" > "$pkg/lib/systemd/system/$unit"
  ! grep -n '/usr/local' "$pkg/lib/systemd/system/$unit" || die "$unit still names /usr/local"
done
# Both are conffiles (dh_installdeb marks all of /etc): config.yaml is the operator's, edited
# in place; config.yaml.example is the pristine annotated copy that the per-tenant recipe
# (docs/install.md, mdca-forwarder(8)) copies from — at the same path as with `make install`.
install -m 0644 config/config.example.yaml "$pkg/etc/mdca-forwarder/config.yaml"
install -m 0644 config/config.example.yaml "$pkg/etc/mdca-forwarder/config.yaml.example"
# Monitoring assets (docs/operations.md): not conffiles; operators copy them into their
# Prometheus and Grafana. The guides go beside the README so its docs/ links resolve.
install -d -m 0755 "$pkg/usr/share/mdca-forwarder/prometheus" "$pkg/usr/share/mdca-forwarder/grafana" \
  "$pkg/usr/share/doc/$package/docs"
install -m 0644 ops/prometheus/mdca-forwarder.rules.yml "$pkg/usr/share/mdca-forwarder/prometheus/"
install -m 0644 ops/grafana/mdca-forwarder.json "$pkg/usr/share/mdca-forwarder/grafana/"
install -m 0644 docs/*.md "$pkg/usr/share/doc/$package/docs/"

cd "$work"
export DEB_RULES_REQUIRES_ROOT=no SOURCE_DATE_EPOCH=$epoch DH_QUIET=1
dh_installdocs -p"$package" "$root/README.md"
dh_installchangelogs -p"$package"
# mdca-simulator's page is made from its --help (ArgumentParser), so it never goes stale.
help2man --no-info --no-discard-stderr --section=1 --version-string="$version" \
  --name="local Microsoft Defender for Cloud Apps Activities API for tests and demonstrations" \
  --include="$root/packaging/debian/mdca-simulator.h2m" --output=debian/mdca-simulator.1 "$bin/mdca-simulator"
dh_installman -p"$package" "$root/man/mdca-forwarder.8" "$root/man/mdca-forwarder.yaml.5" debian/mdca-simulator.1
# Overrides, each with its reason: packaging/debian/mdca-forwarder.lintian-overrides.
dh_lintian -p"$package"
# Installing does not enable or start the daemon (it has no configuration yet); an upgrade
# try-restarts a running one (--restart-after-upgrade must be named: --no-start turns compat
# 13's default off); remove stops it (packaging/debian/prerm: --no-start leaves that out too).
dh_installsystemd -p"$package" --no-enable --no-start --restart-after-upgrade
dh_installdeb -p"$package"
dh_strip -p"$package" --no-automatic-dbgsym
dh_compress -p"$package"
dh_fixperms -p"$package"
dh_shlibdeps -p"$package"
dh_gencontrol -p"$package"
dh_md5sums -p"$package"
mkdir -p "$DIST"
dh_builddeb -p"$package" --destdir="$DIST"

arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=$DIST/${package}_${version}_${arch}.deb
[ -f "$deb" ] || die "dh_builddeb did not produce $deb"
echo "built $deb"
