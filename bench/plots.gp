# bench/plots.gp — the plots of bank_bench's results (gnuplot; `make bench` runs it).
#   gnuplot -e "stem='bench/results/2026-11-26-vm'" bench/plots.gp
# reads STEM-transfer.dat, STEM-hot.dat, STEM-lookup.dat (bank_bench -o STEM) and writes
# STEM-transfers.png, STEM-hot.png, STEM-p99.png, STEM-lookup.png.
#
# Columns of the transfer files: 1 threads, 2 disk fdatasync/s, then per engine four columns
# (transfers/s median, min, max, p99 us): durable acidb 3-6, SQLite 7-10, PostgreSQL 11-14;
# not durable acidb 15-18, SQLite 19-22, PostgreSQL 23-26 (zeros where not measured).
if (!exists("stem")) stem = "bench/results/latest"
set terminal pngcairo size 900,620 font "sans,10" noenhanced
set key below box maxrows 4
set grid
set logscale x 2
set xtics (1, 2, 4, 8, 16)
set xrange [0.8:20]
set xlabel "threads (one connection each)"

have(f) = system("test -s " . f . " && echo 1 || echo 0") + 0
has_pg(f) = system("awk '!/^#/ && $11 > 0' " . f . " | wc -l") + 0

do for [w in "transfer hot"] {
    f = stem . "-" . w . ".dat"
    if (have(f)) {
        set output stem . "-" . (w eq "transfer" ? "transfers" : "hot") . ".png"
        set title (w eq "transfer" ? "Transfers/s, 100,000 random accounts" : "Transfers/s, hot spot (90% on 10 accounts)")
        set ylabel "transfers/s (median, bars: min-max)"
        set logscale y
        pgcol = has_pg(f) ? 11 : 0
        plot f using 1:2 with lines dt 2 lw 2 lc rgb "gray40" title "disk fdatasync/s (1-client durable limit)", \
             f using 1:3:4:5 with yerrorlines lw 2 lc rgb "#1f77b4" title "acidb durable", \
             f using 1:7:8:9 with yerrorlines lw 2 lc rgb "#d62728" title "SQLite WAL+FULL", \
             f using 1:15:16:17 with yerrorlines lw 2 dt 3 lc rgb "#1f77b4" title "acidb not durable", \
             f using 1:19:20:21 with yerrorlines lw 2 dt 3 lc rgb "#d62728" title "SQLite synchronous=OFF", \
             f using 1:(pgcol ? column(pgcol) : NaN):(pgcol ? column(pgcol+1) : NaN):(pgcol ? column(pgcol+2) : NaN) with yerrorlines lw 2 lc rgb "#2ca02c" title (pgcol ? "PostgreSQL fsync=on" : "PostgreSQL: not measured"), \
             f using 1:(pgcol ? column(pgcol+12) : NaN):(pgcol ? column(pgcol+13) : NaN):(pgcol ? column(pgcol+14) : NaN) with yerrorlines lw 2 dt 3 lc rgb "#2ca02c" title (pgcol ? "PostgreSQL synchronous_commit=off" : "")
        unset logscale y
    }
}

f = stem . "-transfer.dat"
if (have(f)) {
    set output stem . "-p99.png"
    set title "p99 transfer latency (random accounts)"
    set ylabel "p99 latency, microseconds"
    set logscale y
    pgcol = has_pg(f) ? 14 : 0
    plot f using 1:6 with linespoints lw 2 lc rgb "#1f77b4" title "acidb durable", \
         f using 1:10 with linespoints lw 2 lc rgb "#d62728" title "SQLite WAL+FULL", \
         f using 1:18 with linespoints lw 2 dt 3 lc rgb "#1f77b4" title "acidb not durable", \
         f using 1:22 with linespoints lw 2 dt 3 lc rgb "#d62728" title "SQLite synchronous=OFF", \
         f using 1:(pgcol ? column(pgcol) : NaN) with linespoints lw 2 lc rgb "#2ca02c" title (pgcol ? "PostgreSQL fsync=on" : "PostgreSQL: not measured"), \
         f using 1:(pgcol ? column(pgcol+12) : NaN) with linespoints lw 2 dt 3 lc rgb "#2ca02c" title (pgcol ? "PostgreSQL synchronous_commit=off" : "")
    unset logscale y
}

f = stem . "-lookup.dat"
if (have(f)) {
    set output stem . "-lookup.png"
    set title "Point lookup by primary key, 16 MiB cache"
    set logscale x 10
    set xrange [500:2e7]
    set xtics ("1k" 1000, "10k" 10000, "100k" 100000, "1M" 1000000, "10M" 10000000)
    set xlabel "rows in the table"
    set ylabel "ns per lookup (median, bars: min-max)"
    set yrange [0:*]
    plot f using 1:2:3:4 with yerrorlines lw 2 lc rgb "#1f77b4" title "acidb", \
         f using 1:5:6:7 with yerrorlines lw 2 lc rgb "#d62728" title "SQLite"
}
