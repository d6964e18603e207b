#!/usr/bin/env bash
# Installs the package into this machine with apt-get (so its Depends must resolve), uses the
# installed tool as a user would (version, manuals, a batch against a throwaway sshd, bash completion,
# the libraries it links), then removes it and checks that none of its files is left.
# Usage: deb-test.sh ferry_<version>_amd64.deb   (as root)
set -euo pipefail
deb=$(realpath "${1:?usage: deb-test.sh DEB}")
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/ferry-deb-test.XXXXXX)
fail() { echo "deb-test: FAIL: $*" >&2; exit 1; }
cleanup() {
    kill "$(cat "$work/sshd/sshd.pid" 2>/dev/null)" 2>/dev/null || true
    if [ -n "${installed:-}" ] && dpkg -s ferry >/dev/null 2>&1; then dpkg --purge ferry >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

if dpkg -s ferry >/dev/null 2>&1; then
    echo "deb-test: a ferry package is already installed here; remove it first (dpkg --purge ferry)" >&2
    exit 1
fi
version=$(dpkg-deb -f "$deb" Version)
# Regular files and symlinks the package ships, as absolute paths.
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}' >"$work/files"
depends=$(dpkg-deb -f "$deb" Depends)
for library in libssh2-1 libssl3 libedit2 libargon2-1 openssh-client; do
    [[ $depends == *"$library"* ]] || fail "Depends lacks $library: $depends"
done
[[ $depends != *swift* ]] || fail "Depends names a Swift package: $depends"

echo "deb-test: installing $deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log" >&2; fail "apt-get install"; }
installed=yes
[ "$(dpkg-query -W -f '${Status}' ferry)" = "install ok installed" ] || fail "dpkg does not list ferry as installed"
while read -r file; do [ -e "$file" ] || fail "$file is not on disk"; done <"$work/files"

echo "deb-test: ferry -V"
[ "$(/usr/bin/ferry -V)" = "ferry $version" ] || fail "/usr/bin/ferry -V says '$(/usr/bin/ferry -V)', not 'ferry $version'"
if ldd /usr/bin/ferry | grep -Ei 'swift|libFoundation|libdispatch|libBlocksRuntime|not found'; then
    fail "/usr/bin/ferry links a Swift toolchain library or misses one"
fi

echo "deb-test: man ferry, man 5 ferry-script"
for page in "1 ferry" "5 ferry-script"; do
    # shellcheck disable=SC2086
    MANWIDTH=80 MAN_KEEP_FORMATTING= man --warnings=w $page >"$work/page" 2>"$work/page.err" ||
        fail "man $page: $(cat "$work/page.err")"
    [ ! -s "$work/page.err" ] || fail "man $page warns: $(cat "$work/page.err")"
    grep -q "ferry" "$work/page" || fail "man $page printed no manual"
done
grep -q -- "-batch" <(MANWIDTH=80 man 1 ferry 2>/dev/null) || fail "ferry(1) lacks -batch"

echo "deb-test: a batch against a throwaway sshd with the installed binary"
eval "$("$root/scripts/dev/throwaway-sshd.sh" "$work/sshd")"
mkdir -p "$work/remote/sub" "$work/local"
head -c 300000 /dev/urandom >"$work/remote/data.bin"
echo "hello" >"$work/remote/sub/note.txt"
printf 'cd %s\nlcd %s\nget data.bin\nget -r sub\nrun uname -s\n' "$work/remote" "$work/local" >"$work/pull.scr"
(cd "$work" && /usr/bin/ferry -batch -i "$KEY" --known-hosts "$KNOWN_HOSTS" -P "$PORT" -b "$work/pull.scr" \
    root@127.0.0.1 >"$work/batch.out" 2>&1) || { cat "$work/batch.out" >&2; fail "the batch failed"; }
cmp -s "$work/remote/data.bin" "$work/local/data.bin" || fail "data.bin differs after get"
cmp -s "$work/remote/sub/note.txt" "$work/local/sub/note.txt" || fail "sub/note.txt differs after get -r"

echo "deb-test: bash completion"
completion=/usr/share/bash-completion/completions/ferry
complete_line=$(bash -c "source $completion && complete -p ferry")
[[ $complete_line == *"-F _ferry ferry" ]] || fail "bash completion: '$complete_line'"
mkdir -p "$work/home/.config/ferry/sessions"
echo "host: 127.0.0.1" >"$work/home/.config/ferry/sessions/nightly-db.yaml"
offered=$(cd "$work" && HOME=$work/home bash -c "source $completion
    COMP_WORDS=(ferry -load ''); COMP_CWORD=2; COMP_LINE='ferry -load '; COMP_POINT=12
    _ferry ferry '' -load; echo \"\${COMPREPLY[*]}\"")
[ "$offered" = "nightly-db" ] || fail "bash completion after -load offered '$offered', not the saved session"
for file in /usr/share/zsh/vendor-completions/_ferry /usr/share/fish/vendor_completions.d/ferry.fish; do
    grep -q -- "-load" "$file" || fail "$file does not complete -load"
done

echo "deb-test: removing the package"
dpkg --purge ferry >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "dpkg --purge ferry"; }
while read -r file; do [ ! -e "$file" ] || fail "$file is left after removal"; done <"$work/files"
[ ! -e /usr/share/doc/ferry ] || fail "/usr/share/doc/ferry is left after removal"
! dpkg -s ferry >/dev/null 2>&1 || fail "dpkg still lists ferry"
echo "deb-test: ok ($(basename "$deb"): installed, used and removed)"
