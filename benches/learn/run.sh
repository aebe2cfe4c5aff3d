#!/usr/bin/env bash
# The learning commands side by side with icp score, on the same files (docs/performance.md,
# "Learning commands"; issue 15's targets: backtest <= 1.3x, diff <= 2.2x, discover <= 2x):
#
#   benches/learn/run.sh [--companies N] [--runs K] [--best B] [--quick]
#
# 1. `cargo build --release` of icp and of the example that writes the benchmark rules;
# 2. once per N: `icp gen --companies N --seed 7 --messy 0` with its contacts and deals into
#    TARGET/learn-bench/N/;
# 3. the benchmark ICP of benches/ruleset.rs (rules-1/), a copy with tier A's threshold lowered
#    from 50 to 45 (rules-1-edited/, the "new" side of icp diff), and the best customers:
#    B company ids (default 2% of N: 20,000 of 1,000,000), the won accounts of the deals file
#    first, then other companies in file order;
# 4. one untimed run of each command, then K rounds, each running in turn, under /usr/bin/time:
#      icp score    --all -o FILE                          (the baseline)
#      icp backtest --outcomes deals.csv -o FILE
#      icp diff     rules-1 rules-1-edited -o FILE
#      icp discover --customers best.txt -o FILE
#    every one on the same companies and contacts, with --as-of 2026-11-23;
# 5. per command the median time, its ratio to the median of icp score, the median of the
#    rounds' own ratios (each round's times were taken back to back, so they move less with a
#    shared host's speed), the issue's target and the peak memory.
#
# --quick is --companies 20000 --runs 1. TARGET is cargo's target directory (CARGO_TARGET_DIR,
# else target/). Exit codes: 0 measured (a ratio over its target is reported, not an error),
# 2 usage or setup errors, or a command that failed.
set -euo pipefail

AS_OF=2026-11-23

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

companies=1000000
runs=5
best=

usage() {
    sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() {
    echo "run.sh: $1" >&2
    exit "${2:-2}"
}

positive() {
    [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 takes a whole number above zero, not '$2'"
}

while (($#)); do
    case $1 in
    --companies | --runs | --best)
        (($# >= 2)) || die "$1 takes a value"
        positive "$1" "$2"
        case $1 in
        --companies) companies=$2 ;;
        --runs) runs=$2 ;;
        --best) best=$2 ;;
        esac
        shift 2
        ;;
    --quick)
        companies=20000
        runs=1
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done
best=${best:-$(((companies + 49) / 50))}
((best < companies)) || die "--best ($best) must be below --companies ($companies): the best customers are compared with the other leads"

command -v cargo >/dev/null || die "cargo is not on PATH (install Rust: README.md, Start)"
command -v python3 >/dev/null || die "python3 is not on PATH (Debian/Ubuntu: apt-get install python3)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing, it measures peak memory (Debian/Ubuntu: apt-get install time)"

cd "$root"
target=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

# 1. icp, and the example that writes the benchmark rule files.
cargo build --release --quiet -p icp_cli
cargo build --release --quiet -p icp_benches --example write_rules
icp=$target/release/icp

# 2. The lead set with its contacts and deals, generated once per size.
data=$target/learn-bench/$companies
if [[ ! -f $data/companies.csv || ! -f $data/contacts.csv || ! -f $data/deals.csv ]]; then
    rm -rf "$data.partial"
    mkdir -p "$data.partial"
    "$icp" gen --companies "$companies" --seed 7 --messy 0 -o "$data.partial/companies.csv" \
        --contacts-out "$data.partial/contacts.csv" --deals-out "$data.partial/deals.csv"
    mkdir -p "$data"
    mv "$data.partial/companies.csv" "$data.partial/contacts.csv" "$data.partial/deals.csv" "$data/"
    rmdir "$data.partial"
fi

# 3. The rules, their edited copy, and the best customers.
rm -rf "$data/rules-1" "$data/rules-1-edited"
"$target/release/examples/write_rules" "$data/rules-1" 1 >/dev/null
grep -q '^  tier A when score >= 50$' "$data/rules-1/segment_0.icp" ||
    die "the benchmark rules have no 'tier A when score >= 50' line to edit: update benches/learn/run.sh to match benches/ruleset.rs"
mkdir -p "$data/rules-1-edited"
sed 's/^  tier A when score >= 50$/  tier A when score >= 45/' "$data/rules-1/segment_0.icp" \
    >"$data/rules-1-edited/segment_0.icp"
# A project file of its own, so no icp.toml above the data (the repository's, with its custom
# fields and plugins) changes what icp reads.
printf 'rules = ["rules-1"]\n' >"$data/icp.toml"

# Won accounts first (the outcome is the deals' second column), then other companies.
awk -F, -v best="$best" '
    FNR == 1 { next }
    FILENAME ~ /deals\.csv$/ { if ($2 == "won" && !($1 in taken) && n < best) { taken[$1] = 1; print $1; n++ } next }
    !($1 in taken) && n < best { taken[$1] = 1; print $1; n++ }
' "$data/deals.csv" "$data/companies.csv" >"$data/best.txt"
won=$(awk -F, 'FNR > 1 && $2 == "won" && !seen[$1]++ { n++ } END { print n + 0 }' "$data/deals.csv")

leads=(--config "$data/icp.toml" --leads "$data/companies.csv" --contacts "$data/contacts.csv"
    --as-of "$AS_OF")
score_args=(score "${leads[@]}" --rules "$data/rules-1" --all -o "$data/score.csv")
backtest_args=(backtest "${leads[@]}" --rules "$data/rules-1" --outcomes "$data/deals.csv"
    -o "$data/backtest.txt")
diff_args=(diff "$data/rules-1" "$data/rules-1-edited" "${leads[@]}" -o "$data/diff.txt")
discover_args=(discover "${leads[@]}" --rules "$data/rules-1" --customers "$data/best.txt"
    -o "$data/discover.txt")

now() { date +%s%N; }

# One run of a command (score, backtest, diff or discover): "SECONDS PEAK_KB".
run_one() {
    local name=$1 start end
    local -n args=${name}_args
    start=$(now)
    env -u ICP_PLUGIN_PATH /usr/bin/time -f %M -o "$data/$name.rss" \
        "$icp" "${args[@]}" 2>"$data/$name.log" ||
        { cat "$data/$name.log" >&2; die "icp $name failed"; }
    end=$(now)
    echo "$(((end - start) / 1000000)) $(tail -n 1 "$data/$name.rss")" |
        awk '{ printf "%.3f %d\n", $1 / 1000, $2 }'
}

# 4. One untimed run of each, then K rounds.
commands=(score backtest diff discover)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
contacts=$(($(wc -l <"$data/contacts.csv") - 1))
deals=$(($(wc -l <"$data/deals.csv") - 1))
echo "icp learning commands vs icp score: $companies companies, $contacts contacts, $deals deals ($won won accounts), $best best customers, $runs rounds"
echo "machine: $(nproc) cores, ${cpu:-unknown CPU}"
echo "data: $data"

warm=""
for name in "${commands[@]}"; do
    out=$(run_one "$name")
    warm+=" $name ${out%% *} s,"
done
echo "warm-up (not counted):${warm%,}"
results=$data/runs.txt
: >"$results"
for ((k = 1; k <= runs; k++)); do
    line=""
    shown=""
    for name in "${commands[@]}"; do
        out=$(run_one "$name")
        read -r seconds kb <<<"$out"
        line+="$seconds $kb "
        shown+=$(printf '  %s %8.3f s' "$name" "$seconds")
    done
    echo "  round $k:$shown"
    echo "$line" >>"$results"
done

# 5. Medians, ratios to icp score, targets.
python3 - "$results" "${commands[@]}" <<'EOF'
import statistics, sys
path, names = sys.argv[1], sys.argv[2:]
rows = [list(map(float, line.split())) for line in open(path) if line.strip()]
seconds = {n: [r[2 * i] for r in rows] for i, n in enumerate(names)}
peak_kb = {n: max(r[2 * i + 1] for r in rows) for i, n in enumerate(names)}
targets = {"backtest": 1.3, "diff": 2.2, "discover": 2.0}
base = statistics.median(seconds["score"])
print(f"{'command':<10} {'median':>10} {'ratio':>7} {'rounds':>7} {'target':>7}  {'peak memory':>11}")
for n in names:
    median = statistics.median(seconds[n])
    if n == "score":
        ratio = rounds = "1.00"
        target = verdict = ""
    else:
        ratio = f"{median / base:.2f}"
        rounds = f"{statistics.median(a / b for a, b in zip(seconds[n], seconds['score'])):.2f}"
        target = f"{targets[n]:.1f}"
        verdict = "  within" if float(rounds) <= targets[n] else "  OVER"
    print(f"{n:<10} {median:>8.3f} s {ratio:>7} {rounds:>7} {target:>7}  {peak_kb[n] / 1024:>8.0f} MB{verdict}")
print("ratio: median time / median of icp score; rounds: median of each round's own ratio;")
print("target: issue 15's bound on the ratio (checked against the rounds' ratio)")
EOF
