#!/bin/sh
# tests/install/run.sh BUILD CC MAKE — the shipped libraries and `make install` (Makefile,
# "the shipped libraries" and "install"):
#  1. symbols: the shared library's dynamic table and the static library's global symbols are
#     acidb_* alone, and neither holds the fault-injecting OS layer, a test hook or the
#     engine's test-open path (db_open_extra, which can switch off the write-ahead rule);
#  2. host.c, which defines its own bt_get, txn_begin, lk_acquire, bind_expr, cat_unref and
#     get_u64, links against the shared and against the static library and gets its own
#     functions and a working acidb; against the internal archive it must fail to link (the
#     control: the clash the shipped libraries avoid is real);
#  3. make install into a temporary DESTDIR under a PREFIX, examples/bank.c built with
#     pkg-config shared and (fully) static, both run; the installed shell runs;
#  4. make uninstall leaves no file.
set -eu
B=$1 CC=$2 MAKE=$3
VER=$(sed -n 's/^#define ACIDB_VERSION "\(.*\)"/\1/p' engine/acidb.h)
MAJOR=${VER%%.*}
T=$(mktemp -d "${TMPDIR:-/tmp}/acidb-install.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
fail() { echo "== install: FAILED: $*"; exit 1; }
LIBS="$(pkg-config --libs libxxhash gmp) -pthread -lm"

# 1. symbols
SO=$B/libacidb.so.$VER
[ "$(readelf -d "$SO" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" = "libacidb.so.$MAJOR" ] \
  || fail "soname of $SO is not libacidb.so.$MAJOR"
nm -D --defined-only "$SO" | awk '$3 != "ACIDB_0" {sub(/@.*/, "", $3); print $3}' >"$T/so.syms"
nm -g --defined-only "$B/libacidb.a" | awk 'NF == 3 {print $3}' >"$T/a.syms"
for f in so a; do
  n=$(wc -l <"$T/$f.syms")
  [ "$n" -gt 20 ] || fail "lib$f exports only $n symbols"
  if grep -v '^acidb_' "$T/$f.syms"; then fail "the $f library exports the names above"; fi
  if grep -E '^(os_fault_|acidb_test_|acidb_open_test)' "$T/$f.syms"; then
    fail "the $f library holds test-only code (above)"; fi
done
if nm "$SO" "$B/libacidb.a" 2>/dev/null | grep -E ' (os_fault_|acidb_test_|acidb_open_test|db_open_extra)'; then
  fail "a shipped library holds test-only code, even as a local symbol (above)"; fi
sort -o "$T/a.syms" "$T/a.syms"; sort -o "$T/so.syms" "$T/so.syms"
cmp -s "$T/so.syms" "$T/a.syms" || fail "the shared and the static library export different names"
echo "== install: both shipped libraries export $(wc -l <"$T/so.syms") acidb_* symbols, no test code"

# 2. a host program with names of its own
$CC -std=c11 -Wall -Werror -I"$B/include" tests/install/host.c -L"$B" -lacidb \
    -Wl,-rpath,"$(cd "$B" && pwd)" -o "$T/host-shared" || fail "host.c does not link with the shared library"
$CC -std=c11 -Wall -Werror -I"$B/include" tests/install/host.c "$B/libacidb.a" $LIBS \
    -o "$T/host-static" || fail "host.c does not link with the static library"
"$T/host-shared" "$T/h1.db" || fail "host-shared"
"$T/host-static" "$T/h2.db" || fail "host-static"
if $CC -std=c11 -I"$B/include" tests/install/host.c "$B/libacidb-internal.a" $LIBS \
       -o "$T/host-internal" 2>"$T/internal.log"; then
  fail "control: host.c linked against the internal archive (its names should clash)"; fi
grep -q 'multiple definition of .bt_get' "$T/internal.log" || { cat "$T/internal.log"; fail "control"; }
echo "== install: host with its own bt_get/txn_begin/lk_acquire/bind_expr links and runs (shared, static)"

# 3. install, build the example with pkg-config
D=$T/dest P=/opt/acidb-test
$MAKE --no-print-directory -s BUILD="$B" DESTDIR="$D" PREFIX="$P" install >/dev/null
for f in bin/acidb lib/libacidb.so.$VER lib/libacidb.so.$MAJOR lib/libacidb.so lib/libacidb.a \
         include/acidb.h lib/pkgconfig/acidb.pc share/man/man1/acidb.1 share/man/man3/acidb.3; do
  [ -e "$D$P/$f" ] || fail "make install did not install $P/$f"
done
[ "$(readlink "$D$P/lib/libacidb.so")" = "libacidb.so.$MAJOR" ] || fail "dev link"
export PKG_CONFIG_PATH="$D$P/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D"
[ "$(pkg-config --modversion acidb)" = "$VER" ] || fail "pkg-config --modversion"
# shellcheck disable=SC2046
$CC -std=c11 -Wall -Werror examples/bank.c $(pkg-config --cflags --libs acidb) -o "$T/bank-shared" \
  || fail "examples/bank.c with pkg-config --cflags --libs acidb"
# shellcheck disable=SC2046
$CC -std=c11 -Wall -Werror -static examples/bank.c $(pkg-config --static --cflags --libs acidb) \
    -o "$T/bank-static" 2>"$T/static.log" || { cat "$T/static.log"; fail "static example"; }
if readelf -d "$T/bank-static" 2>/dev/null | grep -q NEEDED; then fail "bank-static is not static"; fi
readelf -d "$T/bank-shared" | grep -q "NEEDED.*libacidb.so.$MAJOR" || fail "bank-shared: no libacidb.so.$MAJOR"
[ "$(LD_LIBRARY_PATH="$D$P/lib" "$T/bank-shared" "$T/b1.db")" = 100 ] || fail "bank-shared output"
[ "$("$T/bank-static" "$T/b2.db")" = 100 ] || fail "bank-static output"
[ "$("$T/bank-static" "$T/b1.db")" = 100 ] || fail "bank-static on the file bank-shared made"
echo "SELECT 6 * 7;" | "$D$P/bin/acidb" "$T/s.db" | grep -q 42 || fail "the installed shell"
echo "== install: $P in a DESTDIR; examples/bank.c via pkg-config runs shared and static"

# 4. uninstall
$MAKE --no-print-directory -s BUILD="$B" DESTDIR="$D" PREFIX="$P" uninstall >/dev/null
left=$(find "$D" ! -type d)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "== install: make uninstall leaves no file"
