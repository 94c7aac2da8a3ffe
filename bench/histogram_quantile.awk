# histogram_quantile.awk - quantiles of one Prometheus histogram between two
# readings of /metrics (the second minus the first, bucket by bucket),
# interpolated linearly inside the bucket the rank falls in, as
# Prometheus's histogram_quantile() does (the lower bound of the first
# bucket is 0; a rank in +Inf gives the highest finite bound).
#   awk -f histogram_quantile.awk -v tag=T BEFORE AFTER
# BEFORE and AFTER hold the histogram's _bucket, _sum and _count lines only.
# Prints RESULT T_{count,mean_s,p50_s,p99_s,max_le_s}: max_le_s is the
# bound the slowest observation is under (+Inf printed as -1).
FNR == NR { before[$1] = $2; next }
/_bucket\{/ { split($1, a, "\""); n++; le[n] = a[2]; c[n] = $2 - before[$1] }
/_count / { total = $2 - before[$1] }
/_sum / { sum = $2 - before[$1] }
function quantile(q,    rank, i, lo, below) {
    rank = q * total
    for (i = 1; i <= n; i++) {
        if (c[i] >= rank) break
    }
    if (i > n) i = n
    if (le[i] == "+Inf") return le[i - 1]
    lo = i > 1 ? le[i - 1] : 0
    below = i > 1 ? c[i - 1] : 0
    if (c[i] == below) return le[i]
    return lo + (le[i] - lo) * (rank - below) / (c[i] - below)
}
END {
    printf "RESULT %s_count %d\n", tag, total
    if (total == 0) exit 1
    printf "RESULT %s_mean_s %.4f\n", tag, sum / total
    printf "RESULT %s_p50_s %.4f\n", tag, quantile(0.5)
    printf "RESULT %s_p99_s %.4f\n", tag, quantile(0.99)
    for (i = 1; i <= n && c[i] < total; i++) {}
    printf "RESULT %s_max_le_s %s\n", tag, le[i] == "+Inf" ? -1 : le[i]
}
