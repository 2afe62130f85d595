# The plot of a benchmark run (bench/benchkit/plot.py passes the data files):
# latency, ratios, failure and memory, each with rows "label brickworks os-brick",
# and has_latency, has_ratios, has_failure, has_memory (0: no such records in
# the run, e.g. `bench/run --only sim_latency`; the panel stays empty).
set terminal pngcairo size 1400,2000 font "sans,10"
set output out
set multiplot layout 4,1 title heading font "sans,13"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set key top left
set xtics rotate by -30 left noenhanced
set lmargin 10
set bmargin 8

if (has_latency) {
    set title "median latency / the floor (target: brickworks <= 1.2)"
    set logscale y
    set ylabel "x floor"
    plot latency using 2:xtic(1) title "brickworks" lc rgb "#1f77b4", \
         '' using 3 title "os-brick 6.1" lc rgb "#d62728", \
         1.2 with lines dt 2 lc rgb "black" title "1.2"
} else {
    set multiplot next
}
unset logscale y
set yrange [0:*]

if (has_ratios) {
    set title "scaling (cost at 1,000 / cost at 1, target <= 1.5) and concurrency (32 at once / one, target <= 3)"
    set ylabel "ratio"
    plot ratios using 2:xtic(1) title "brickworks" lc rgb "#1f77b4", \
         '' using 3 title "os-brick 6.1" lc rgb "#d62728"
} else {
    set multiplot next
}

if (has_failure) {
    set title "a device that never appears: seconds until the failure is reported"
    set ylabel "s"
    plot failure using 2:xtic(1) title "brickworks" lc rgb "#1f77b4", \
         '' using 3 title "os-brick 6.1" lc rgb "#d62728"
} else {
    set multiplot next
}

if (has_memory) {
    set title "peak resident memory (brick process; os-brick's Python process + privsep daemon)"
    set ylabel "MiB"
    plot memory using 2:xtic(1) title "brickworks" lc rgb "#1f77b4", \
         '' using 3 title "os-brick 6.1" lc rgb "#d62728"
} else {
    set multiplot next
}
unset multiplot
