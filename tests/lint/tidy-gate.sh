#!/bin/sh
# tidy-gate.sh BASELINE FINDINGS... — the clang-tidy gate of `make lint`.
#
# Each FINDINGS file (build/lint/<file>.tidy) holds one line per clang-tidy finding,
# "path:line: check". Findings in headers show up once per .c that includes them, so lines
# are made unique first; then they are counted per (path, check) and compared with BASELINE,
# whose lines are "count path check": findings that were reviewed and are known (listed with
# their verdict in tests/README.md, "Static analysis"). Line numbers are left out of the
# comparison so that edits elsewhere in a file do not break the gate.
#
# Fails (exit 1) when a (path, check) has more findings than the baseline allows, printing
# them; notes when it has fewer (the baseline can shrink: edit it).
baseline=$1
shift
now=$(cat "$@" | sort -u | sed -E 's/^([^:]+):[0-9]+:[0-9]+: /\1 /' | sort | uniq -c |
      awk '{ print $1, $2, $3 }')
status=0
echo "$now" | while read -r n path check; do
    [ -z "$path" ] && continue
    allowed=$(awk -v p="$path" -v c="$check" '$2 == p && $3 == c { print $1 }' "$baseline")
    allowed=${allowed:-0}
    if [ "$n" -gt "$allowed" ]; then
        echo "lint: NEW clang-tidy finding: $path $check ($n, baseline $allowed):"
        cat "$@" | sort -u | grep -F "$path:" | grep -F " $check" | sed 's/^/  /'
        echo x >> "$baseline.fail.$$"
    fi
done
if [ -f "$baseline.fail.$$" ]; then
    rm -f "$baseline.fail.$$"
    echo "lint: clang-tidy found something new: fix it, or if it is a false positive add it to"
    echo "      $baseline with its verdict in tests/README.md (Static analysis)"
    exit 1
fi
grep -v '^#' "$baseline" | while read -r allowed path check; do
    [ -z "$path" ] && continue
    n=$(echo "$now" | awk -v p="$path" -v c="$check" '$2 == p && $3 == c { print $1 }')
    [ "${n:-0}" -lt "$allowed" ] && echo "lint: note: $path $check: ${n:-0} < baseline $allowed (shrink it)"
done
exit $status
