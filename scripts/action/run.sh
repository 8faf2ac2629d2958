#!/usr/bin/env bash
# Step 2 of the keystorm action (action.yml): `keystorm run` (or `keystorm canary`) with the
# action's inputs, which
# arrive as environment variables (never spliced into this script). Writes the outputs
# `exit-code`, `status` (passed, failed, interrupted, error: summary.json's) and `report-dir`,
# and exits 0 so the summary and artifact steps run; the action's last step fails with the code.
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
[[ -n "${KEYSTORM_TIME_SCALE:-}" ]] && args+=(--time-scale "$KEYSTORM_TIME_SCALE")
[[ -n "${KEYSTORM_DURATION:-}" ]] && args+=(--duration "$KEYSTORM_DURATION")
# Reporters: space or comma separated; json and markdown are always written (the action reads
# summary.json for the status and puts report.md into the job summary).
read -ra reporters <<<"${KEYSTORM_REPORTERS//,/ } json markdown"
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

echo "+ keystorm ${args[*]}"
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
