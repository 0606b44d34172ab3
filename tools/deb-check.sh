# `make deb-check`: the steps that tools/fresh-check.sh runs in its fresh Debian 12 root
# when DEB=path/to/luatls_VERSION_ARCH.deb is set, instead of `make demo` and `make test`.
# Sourced by fresh-check.sh once the root is built and mounted: it uses say, die, run,
# quiet, in_root, elapsed, ROOT and LOG from there, and sets result.
#
#   1. `apt install ./luatls_*.deb` in the root, which has never seen luatls: apt brings in
#      the Depends: that dpkg-shlibdeps computed, and nothing else is added by hand
#   2. from /tmp, the packaged echo server and client talk over loopback (`luatls` found
#      on the PATH, the examples and their certificates where the package puts them)
#   3. `apt remove luatls`: dpkg knows nothing of it any more (`dpkg -L` lists nothing),
#      and every file it had installed is gone (a directory may stay only if another
#      package owns it)

# A Debian installation has an /etc/hosts that names localhost (the installer writes it,
# no package owns it); a debootstrap root has none, and the echo client connects to localhost.
[ -e "$ROOT/etc/hosts" ] ||
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$ROOT/etc/hosts"

deb_name=$(basename "$DEB")
cp "$DEB" "$ROOT/tmp/$deb_name"
result=0
fail() { say "FAILED: $*" >&2; result=1; }

say "$(elapsed): apt install ./$deb_name"
quiet in_root sh -c "cd /tmp && apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ./$deb_name" ||
  die "apt could not install $deb_name"
rm -f "$ROOT/tmp/$deb_name"
depends=$(in_root dpkg-query -W -f='${Depends}' luatls)
say "installed: $(in_root dpkg-query -W -f='${Package} ${Version} ${Architecture}' luatls); Depends: $depends"
in_root dpkg -L luatls > "$ROOT/tmp/luatls.list"
say "$(wc -l < "$ROOT/tmp/luatls.list") paths; luatls is $(in_root sh -c 'command -v luatls'): $(in_root luatls -v)"

# a port the host does not use now (the root shares the host's network)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
       echo 18443)
say "$(elapsed): echo-server.lua and echo-client.lua of the package, run from /tmp, port $port"
cat > "$ROOT/tmp/echo-check.sh" <<SCRIPT
set -u
cd /tmp
E=/usr/share/doc/luatls/examples
CERTS=\$E/certs PORT=$port luatls \$E/echo-server.lua > /tmp/echo-server.log 2>&1 &
server=\$!
i=0
until grep -q 'server bound' /tmp/echo-server.log; do
  i=\$((i + 1))
  if [ \$i -gt 100 ] || ! kill -0 \$server 2>/dev/null; then
    echo "the server did not start:"; cat /tmp/echo-server.log; kill \$server 2>/dev/null; exit 1
  fi
  sleep 0.1
done
CERTS=\$E/certs PORT=$port timeout 20 luatls \$E/echo-client.lua 'hello from the package'
status=\$?
kill \$server
wait \$server 2>/dev/null
echo "--- server:"
cat /tmp/echo-server.log
exit \$status
SCRIPT
mark=$(wc -l < "$LOG")
if run in_root sh /tmp/echo-check.sh; then
  out=$(tail -n +"$((mark + 1))" "$LOG")
  for line in 'client connected authorized' 'welcome!' 'hello from the package' 'server connected authorized'; do
    printf '%s\n' "$out" | grep -qxF "$line" || fail "the echo printed no line '$line'"
  done
else
  fail "the echo example exited with an error"
fi
rm -f "$ROOT/tmp/echo-check.sh" "$ROOT/tmp/echo-server.log"
[ -s "$ROOT/usr/share/man/man1/luatls.1.gz" ] || fail "no man page at /usr/share/man/man1/luatls.1.gz"

say "$(elapsed): apt remove luatls"
quiet in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get remove -y luatls' || die "apt could not remove luatls"
if in_root dpkg -L luatls >/dev/null 2>&1; then
  fail "dpkg -L luatls still lists files: $(in_root dpkg -L luatls | head -5 | tr '\n' ' ')"
fi
status=$(in_root dpkg-query -W -f='${db:Status-Status}' luatls 2>/dev/null || echo not-installed)
[ "$status" = not-installed ] || fail "dpkg's status for luatls is '$status', not not-installed"
left=()
while IFS= read -r path; do
  [ "$path" = /. ] && continue
  if [ -d "$ROOT$path" ] && [ ! -L "$ROOT$path" ]; then
    in_root dpkg-query -S "$path" >/dev/null 2>&1 || left+=("$path")
  elif [ -e "$ROOT$path" ] || [ -L "$ROOT$path" ]; then
    left+=("$path")
  fi
done < "$ROOT/tmp/luatls.list"
[ ${#left[@]} -eq 0 ] || fail "left behind: ${left[*]}"
say "after apt remove: dpkg -L luatls lists nothing; status $status;" \
    "${#left[@]} of the $(wc -l < "$ROOT/tmp/luatls.list") paths left (directories of other packages excepted)"
rm -f "$ROOT/tmp/luatls.list"

say "$(elapsed): in a fresh Debian $SUITE minbase root: apt install, the echo from /tmp, apt remove:" \
    "$([ "$result" = 0 ] && echo ok || echo FAILED)"
