# p99 latency against deliveries/s for scenario b of bench/compare (one room,
# rising publish rate), both servers. Called by bench/compare --out DIR:
#   gnuplot -e "ladder='DIR/ladder.tsv'; png='DIR/p99-vs-deliveries.png'" bench/compare.gp
# ladder.tsv columns: server, events/s, deliveries/s, p50 ms, p99 ms, all delivered (1/0).
set terminal pngcairo size 720,420 font ",10"
set output png
set title "bench/compare scenario b, one room: p99 latency against deliveries/s"
set xlabel "deliveries/s (thousands)"
set ylabel "p99 latency, ms"
set logscale y
set grid
set key top left
set arrow from graph 0, first 50 to graph 1, first 50 nohead dashtype 2 lc rgb "#888888"
set label "50 ms" at graph 0.01, first 56 textcolor rgb "#888888"
plot ladder using ($3/1000):(strcol(1) eq "ours" ? $5 : 1/0) with linespoints pt 7 lw 2 lc rgb "#1f77b4" title "simple-chat gateway", \
     ladder using ($3/1000):(strcol(1) eq "node" ? $5 : 1/0) with linespoints pt 5 lw 2 lc rgb "#d62728" title "Node socket.io 4 + redis"
