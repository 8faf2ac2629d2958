#!/usr/bin/env bash
# Step 2 of the keystorm action (action.yml): `keystorm run` (or `keystorm canary`) with the
# action's inputs, which arrive as environment variables (never spliced into this script). Writes
# the outputs `exit-code`, `status` (passed, failed, interrupted, error: summary.json's) and
# `report-dir`, and exits 0 so the summary and artifact steps run; the action's last step fails
# with the code.
set -uo pipefail

: "${GITHUB_OUTPUT:?}" "${KEYSTORM_COMMAND:?}"
read -ra keystorm <<<"$KEYSTORM_COMMAND"
out="${KEYSTORM_OUT:-reports/keystorm}"
subcommand="${KEYSTORM_SUBCOMMAND:-run}"
case "$subcommand" in
  run | canary) ;;
  *)
    echo "::error::keystorm action: command must be run or canary, got '$subcommand'"
    echo "exit-code=2" >>"$GITHUB_OUTPUT"
    echo "status=error" >>"$GITHUB_OUTPUT"
    exit 0
    ;;
esac
args=("$subcommand" --out "$out")
[[ -n "${KEYSTORM_CONFIG:-}" ]] && args+=(--config "$KEYSTORM_CONFIG")
if [[ "$subcommand" == "canary" ]]; then
  [[ -n "${KEYSTORM_DURATION:-}" ]] && args+=(--duration "$KEYSTORM_DURATION")
else
  [[ -n "${KEYSTORM_TIME_SCALE:-}" ]] && args+=(--time-scale "$KEYSTORM_TIME_SCALE")
  # Reporters: space or comma separated; json and markdown are always written (the action reads
  # summary.json for the status and puts report.md into the job summary).
  requested="${KEYSTORM_REPORTERS:-}"
  read -ra reporters <<<"${requested//,/ } json markdown"
  declare -A seen=()
  for reporter in "${reporters[@]}"; do
    [[ -n "${seen[$reporter]:-}" ]] && continue
    seen[$reporter]=1
    args+=(--reporter "$reporter")
  done
  # SUT env: one KEY=VALUE per line (values may hold spaces).
  while IFS= read -r line; do
    [[ -n "${line// /}" ]] && args+=(--sut-env "$line")
  done <<<"${KEYSTORM_SUT_ENV:-}"
  # Scenarios last: names, patterns or files, space separated.
  read -ra scenarios <<<"${KEYSTORM_SCENARIOS:-}"
  args+=("${scenarios[@]}")
fi
# `keystorm canary` takes only --config, --out and --duration: its reporters come from the
# config's output.reporters (list json and markdown there for the status and the job summary).

# The command line as run, SUT env values masked (they may carry secrets).
shown=()
for arg in "${args[@]}"; do
  if [[ "${previous:-}" == "--sut-env" ]]; then shown+=("${arg%%=*}=***"); else shown+=("$arg"); fi
  previous="$arg"
done
echo "+ keystorm ${shown[*]}"
# A summary left by an earlier run must not stand in for this one's.
rm -f "$out/summary.json"
"${keystorm[@]}" "${args[@]}"
code=$?

status=error
if [[ -f "$out/summary.json" ]]; then
  status="$(node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).status))' "$out/summary.json" || echo error)"
fi
{
  echo "exit-code=$code"
  echo "status=$status"
  echo "report-dir=$(cd "$out" 2>/dev/null && pwd || echo "$PWD/$out")"
} >>"$GITHUB_OUTPUT"
echo "keystorm exited $code (status: $status)"
