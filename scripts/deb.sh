#!/usr/bin/env bash
# Builds ferry_<version>_amd64.deb from a release binary linked with --static-swift-stdlib.
# The version comes from the binary (`ferry -V`) and must match packaging/deb/changelog's newest entry;
# Depends is worked out by dpkg-shlibdeps from the libraries the binary links.
# Usage: deb.sh BINARY OUTDIR
set -euo pipefail
binary=$(realpath "$1")
outdir=$(realpath "$2")
cd "$(dirname "$0")/.."
here=$PWD

version=$("$binary" -V | awk '{print $NF}')
logged=$(dpkg-parsechangelog -l packaging/deb/changelog -S Version)
if [ "$version" != "$logged" ]; then
    echo "deb.sh: ferry -V says $version but packaging/deb/changelog's newest entry is $logged" >&2
    exit 1
fi
if ldd "$binary" | grep -Eq 'libswift|libFoundation|libdispatch|libBlocksRuntime|/swift'; then
    echo "deb.sh: $binary links Swift runtime libraries; build it with --static-swift-stdlib" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/debian/ferry
mkdir -p "$root"
cp packaging/deb/control packaging/deb/changelog "$work/debian/"

# The same files `make install` puts under /usr/local, under /usr, with Debian's zsh folder.
make --no-print-directory -s install-files PREFIX=/usr DESTDIR="$root" FERRY_BINARY="$binary" \
    ZSH_COMPLETIONS=share/zsh/vendor-completions >/dev/null
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/ferry"
doc=$root/usr/share/doc/ferry
install -m 644 packaging/deb/copyright "$doc/copyright"
gzip -9n -c packaging/deb/changelog >"$doc/changelog.gz"
gzip -9n "$root"/usr/share/man/man1/ferry.1 "$root"/usr/share/man/man5/ferry-script.5
install -D -m 644 packaging/deb/lintian-overrides "$root/usr/share/lintian/overrides/ferry"
find "$root" -type d -exec chmod 755 {} +
find "$root" -type f ! -path '*/bin/*' -exec chmod 644 {} +

(
    cd "$work"
    mkdir -p debian/ferry/DEBIAN
    dpkg-shlibdeps -Tdebian/ferry.substvars debian/ferry/usr/bin/ferry
    dpkg-gencontrol -pferry -Pdebian/ferry -Tdebian/ferry.substvars -fdebian/files
)
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

mkdir -p "$outdir"
rm -f "$outdir"/ferry_*_amd64.deb
deb=$outdir/ferry_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "built $deb"
echo "Depends: $(dpkg-deb -f "$deb" Depends)"
