#!/usr/bin/env bash
# `make deb`: build/luatls_VERSION_ARCH.deb with Debian's own tools.
#
# Builds luatls for PREFIX=/usr (in build/deb/build, with dpkg-buildflags' hardening
# flags), installs it with `make install DESTDIR=` into the package's staging root, adds
# the editor types, the documentation, the examples and their test certificates, then
# lets dpkg-shlibdeps work out Depends: from the ELF files and dpkg-gencontrol write
# DEBIAN/control (with Installed-Size) from packaging/debian/control, and packs it with
# dpkg-deb.
#
#   VERSION is src/luatls.h's LT_VERSION; the changelog entry is dated by the last commit.
#   DEB_MAINTAINER="Name <address>" replaces packaging/debian/control's placeholder.
#   Needs dpkg-dev (make deb installs it) and the certificates (make certs).
set -eu
cd "$(dirname "$0")/.."

say() { printf 'make-deb: %s\n' "$*"; }
die() { say "$*" >&2; exit 1; }

for tool in dpkg-shlibdeps dpkg-gencontrol dpkg-deb dpkg-buildflags; do
  command -v "$tool" >/dev/null || die "$tool is missing: apt-get install dpkg-dev"
done
VERSION=$(sed -n 's/^#define LT_VERSION "\(.*\)"$/\1/p' src/luatls.h)
[ -n "$VERSION" ] || die "no LT_VERSION in src/luatls.h"
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
[ "$MULTIARCH" = x86_64-linux-gnu ] ||
  die "the Makefile installs the C module under lib/x86_64-linux-gnu; this is $MULTIARCH"

WORK=build/deb
PKG=$WORK/debian/luatls                  # the staging root: what the package installs
DOC=$PKG/usr/share/doc/luatls
OUT=build/luatls_${VERSION}_${ARCH}.deb
rm -rf "$WORK/debian" "$OUT"
mkdir -p "$WORK/debian"

# the build: its own objects, compiled for /usr (the module path main.c falls back on)
CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
say "building luatls $VERSION for /usr"
make --no-print-directory -s BUILD="$WORK/build" PREFIX=/usr CFLAGS="$CFLAGS" LDFLAGS="$LDFLAGS" all >/dev/null
make --no-print-directory -s BUILD="$WORK/build" PREFIX=/usr CFLAGS="$CFLAGS" LDFLAGS="$LDFLAGS" \
  DESTDIR="$PWD/$PKG" install >/dev/null

# as Debian ships them: binaries stripped, the man page compressed
strip --remove-section=.comment --remove-section=.note "$PKG/usr/bin/luatls"
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
  "$PKG/usr/lib/$MULTIARCH/lua/5.4/luatls/core.so"
chmod 644 "$PKG/usr/lib/$MULTIARCH/lua/5.4/luatls/core.so"
gzip -9n "$PKG/usr/share/man/man1/luatls.1"

# the LuaCATS files for lua-language-server (workspace.library)
install -d "$PKG/usr/share/luatls/types"
install -m 644 types/*.lua "$PKG/usr/share/luatls/types/"

# documentation, examples, and the test certificates the examples read
install -d "$DOC/examples/certs"
install -m 644 packaging/debian/copyright README.md "$DOC/"
install -m 644 doc/*.md "$DOC/"
for f in examples/*.lua; do
  [ "$f" = examples/demo.lua ] && continue   # it loads examples/ from the working directory
  install -m 644 "$f" "$DOC/examples/"
done
install -m 644 packaging/debian/examples.README "$DOC/examples/README"
for f in ca-cert.pem server-key.pem server-cert.pem client-key.pem client-cert.pem \
         wronghost-key.pem wronghost-cert.pem server-ocsp.der; do
  [ -r "certs/$f" ] || die "certs/$f is missing: run make certs"
  install -m 644 "certs/$f" "$DOC/examples/certs/"
done

# a changelog entry for this version (dpkg-gencontrol reads the version from it)
date=$(git log -1 --format=%cD 2>/dev/null || date -R)
maintainer=${DEB_MAINTAINER:-$(sed -n 's/^Maintainer: //p' packaging/debian/control)}
cat > "$WORK/debian/changelog" <<CHANGES
luatls ($VERSION) unstable; urgency=medium

  * luatls $VERSION, built from $(git describe --always --dirty 2>/dev/null || echo 'a source tree').

 -- $maintainer  $date
CHANGES
gzip -9n < "$WORK/debian/changelog" > "$DOC/changelog.gz"
cp packaging/debian/control "$WORK/debian/control"

# Depends: from the libraries the ELF files need, then DEBIAN/control
(
  cd "$WORK"
  mkdir -p debian/luatls/DEBIAN         # (dpkg-shlibdeps finds the package root by it)
  dpkg-shlibdeps -Tdebian/luatls.substvars debian/luatls/usr/bin/luatls \
    "debian/luatls/usr/lib/$MULTIARCH/lua/5.4/luatls/core.so"
  dpkg-gencontrol -pluatls -Pdebian/luatls -Tdebian/luatls.substvars -fdebian/files \
    ${DEB_MAINTAINER:+"-DMaintainer=$DEB_MAINTAINER"}
)
(cd "$PKG" && find usr -type f -print0 | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
chmod 644 "$PKG/DEBIAN/control" "$PKG/DEBIAN/md5sums"

# file dates clamped to the last commit's, so that the same tree gives the same package
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s) \
  dpkg-deb --root-owner-group -Zxz --build "$PKG" "$OUT" >/dev/null
say "$OUT"
dpkg-deb --field "$OUT" Package Version Architecture Installed-Size Depends | sed 's/^/  /'
