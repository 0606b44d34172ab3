#!/usr/bin/env bash
# `make fresh-check`: the README's two commands on a Debian 12 that has never seen luatls.
#
# Builds a minimal bookworm root (debootstrap --variant=minbase) in a scratch folder,
# adds `make` (the one thing the Makefile cannot install itself), unpacks `git archive HEAD`
# into /root/luatls there, and runs `make demo`, then `make test`, in it with chroot.
# Everything else (compiler, -dev packages, Lua, busted, the peers) is installed by the
# Makefile's own `deps`, from the Debian mirror this machine's apt uses.
#
#   KEEP=1        keep the root afterwards (its mounts are undone all the same)
#   MIRROR=url    the Debian mirror (default: the one for bookworm in /etc/apt/sources.list*)
#   SECURITY=url  the security mirror (default: likewise; empty to leave it out)
#   FRESH_DIR=dir where the scratch folder goes (default: $TMPDIR or /tmp)
#   TEST_ARGS=... more arguments for the `make test` inside (e.g. BUSTED_ARGS="-o TAP")
#   DEB=file.deb  check that Debian package instead (make deb-check): apt install it, run
#                 its echo example from another directory, apt remove it; see tools/deb-check.sh
#
# Needs root (debootstrap, mount, chroot). The mounts (/proc, /sys, /dev/pts, /dev/shm)
# are undone and the processes left in the root are ended on every way out, Ctrl-C included.
set -eu
cd "$(dirname "$0")/.."

say() { printf 'fresh-check: %s\n' "$*"; }
die() { say "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, mount, chroot)"
command -v debootstrap >/dev/null || die "debootstrap is missing (make fresh-check installs it)"
if [ -n "${DEB:-}" ]; then
  [ -r "$DEB" ] || die "no package $DEB (make deb builds it)"
  DEB=$(cd "$(dirname "$DEB")" && pwd -P)/$(basename "$DEB")
else
  git rev-parse --git-dir >/dev/null 2>&1 || die "not a git checkout: the check runs 'git archive HEAD'"
fi

SUITE=bookworm

# The URI of the first apt source (one-line or deb822) whose suites include $1.
apt_uri() {
  local f files=()
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  awk -v want="$1" '
    function flush() { if (uri != "" && deb && found == "") { n = split(suites, s, " ");
                         for (i = 1; i <= n; i++) if (s[i] == want) found = uri }
                       uri = ""; suites = ""; deb = 0 }
    FNR == 1 { flush() }
    /^[ \t]*#/ { next }
    /^deb[ \t]/ { line = $0; sub(/\[[^]]*\]/, "", line); split(line, f, /[ \t]+/);
                  if (f[3] == want && found == "") found = f[2]; next }
    /^[ \t]*$/ { flush(); next }
    tolower($1) == "types:" { deb = ($0 ~ /[ \t]deb([ \t]|$)/) }
    tolower($1) == "uris:" { uri = $2 }
    tolower($1) == "suites:" { suites = $0; sub(/^[^:]*:[ \t]*/, "", suites) }
    END { flush(); print found }' "${files[@]}"
}
MIRROR=${MIRROR:-$(apt_uri "$SUITE")}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY=${SECURITY-$(apt_uri "$SUITE-security")}

if [ -z "${DEB:-}" ] && ! git diff --quiet HEAD -- 2>/dev/null; then
  say "note: uncommitted changes are not part of the check (it unpacks HEAD)"
fi

SCRATCH=$(mktemp -d "${FRESH_DIR:-${TMPDIR:-/tmp}}/luatls-fresh.XXXXXX")
SCRATCH=$(cd "$SCRATCH" && pwd -P)
ROOT=$SCRATCH/root
LOG=$SCRATCH/log
: > "$LOG"
MOUNTS=()          # mount points, in the order they were mounted
CHILD=             # the process group of the step running now

# Each step runs as its own process group (job control), so that an interruption can end
# all of it: debootstrap with its downloads, or chroot with make and the specs' peers.
set -m
# run CMD...: runs CMD with its output on the terminal and appended to $LOG
run() {
  ( "$@" 2>&1 | tee -a "$LOG"; exit "${PIPESTATUS[0]}" ) </dev/null &
  CHILD=$!
  local status=0
  wait "$CHILD" || status=$?
  CHILD=
  return "$status"
}
# quiet CMD...: the same, output to $LOG only, its tail shown if it fails
quiet() {
  local from status=0
  from=$(wc -l < "$LOG" 2>/dev/null || echo 0)
  ( "$@" >> "$LOG" 2>&1 ) </dev/null &
  CHILD=$!
  wait "$CHILD" || status=$?
  CHILD=
  [ "$status" = 0 ] || tail -n +"$((from + 1))" "$LOG" | tail -25 >&2
  return "$status"
}

# the mount points under $ROOT that are mounted right now, deepest first
mounted_under() {
  awk -v r="$ROOT" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}

cleanup() {
  local status=$? pid pids=() m
  trap - EXIT INT TERM HUP
  set +e
  set +m
  if [ -n "$CHILD" ]; then   # (quietly: no job notice for the step ended here)
    { kill -TERM -- "-$CHILD"; sleep 1; kill -KILL -- "-$CHILD"; wait "$CHILD"; } 2>/dev/null
  fi
  # anything else still running inside the root (a daemon a package started, a peer)
  for pid in /proc/[0-9]*; do
    [ "$(readlink "$pid/root" 2>/dev/null)" = "$ROOT" ] && pids+=("${pid#/proc/}")
  done
  if [ ${#pids[@]} -gt 0 ]; then
    say "ending ${#pids[@]} process(es) left in the root"
    kill -TERM "${pids[@]}" 2>/dev/null; sleep 2; kill -KILL "${pids[@]}" 2>/dev/null; sleep 0.5
  fi
  for ((m = ${#MOUNTS[@]} - 1; m >= 0; m--)); do
    umount "${MOUNTS[m]}" 2>/dev/null || umount -l "${MOUNTS[m]}"
  done
  for m in $(mounted_under); do umount "$m" 2>/dev/null || umount -l "$m"; done
  if [ -n "$(mounted_under)" ]; then
    say "still mounted under $ROOT, not removing it:" $(mounted_under) >&2
    status=1
  elif [ "${KEEP:-0}" = 1 ]; then
    say "kept the root in $ROOT and the log in $LOG (KEEP=1);" \
        "remove them with: rm -rf --one-file-system $SCRATCH"
  else
    rm -rf --one-file-system "$SCRATCH"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM HUP

started=$SECONDS
elapsed() { printf '%dm%02ds' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)); }

say "Debian $SUITE minbase from $MIRROR into $ROOT"
quiet debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" || die "debootstrap failed"

# the sources a Debian 12 installation has: the release, its updates, the security archive
{
  echo "deb $MIRROR $SUITE main"
  echo "deb $MIRROR $SUITE-updates main"
  [ -z "$SECURITY" ] || echo "deb $SECURITY $SUITE-security main"
} > "$ROOT/etc/apt/sources.list"

mnt() {  # mnt TYPE DIR [OPTIONS]
  mkdir -p "$ROOT/$2"
  mount -t "$1" ${3:+-o "$3"} "luatls-fresh-$1" "$ROOT/$2"
  MOUNTS+=("$ROOT/$2")
}
mnt proc proc
mnt sysfs sys ro
mnt devpts dev/pts newinstance,ptmxmode=0666,mode=0620,gid=5
mnt tmpfs dev/shm mode=1777

in_root() {
  chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

if [ -n "${DEB:-}" ]; then
  . tools/deb-check.sh
  exit "$result"
fi

say "$(elapsed): adding make, which the Makefile needs before it can install anything"
quiet in_root sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y make' ||
  die "could not install make in the root"

say "$(elapsed): unpacking git archive $(git rev-parse --short HEAD) into /root/luatls"
mkdir -p "$ROOT/root/luatls"
git archive --format=tar HEAD | tar -x -C "$ROOT/root/luatls"
# what every installed Debian has and debootstrap does not write: localhost in /etc/hosts
[ -e "$ROOT/etc/hosts" ] ||
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$ROOT/etc/hosts"

result=0
say "$(elapsed): make demo (installs what is missing, builds, makes the certificates)"
if run in_root sh -c 'cd /root/luatls && make demo'; then demo=ok; else demo="FAILED ($?)"; result=1; fi
say "$(elapsed): make test"
mark=$(wc -l < "$LOG")
if run in_root sh -c "cd /root/luatls && make test ${TEST_ARGS:-}"; then test=ok; else test="FAILED ($?)"; result=1; fi
counts=$(tail -n +"$((mark + 1))" "$LOG" | sed 's/\x1b\[[0-9;]*m//g' |
         grep -E '^[0-9]+ successes? / [0-9]+ failures?|^1\.\.[0-9]+$' | tail -1)

say "$(elapsed): in a fresh Debian $SUITE minbase root" \
    "(node $(in_root node --version 2>/dev/null), $(in_root openssl version 2>/dev/null | cut -d' ' -f1-2)):"
say "make demo $demo; make test $test${counts:+: $counts}"
exit "$result"
