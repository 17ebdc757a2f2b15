#!/usr/bin/env bash
# Starts a Baton run, waits for it, writes its Markdown report to the step summary, and exits with
# the run's outcome: 0 when it completed, non-zero when it was rejected, failed or cancelled.
# Usage: baton-run.sh <template> [baton start args…]   (needs TEMPORAL_ADDRESS and a worker)
# BATON overrides the command (default `npx baton`, the checkout's own CLI after `npm ci`).
set -uo pipefail
template="${1:?usage: baton-run.sh <template> [baton start args…]}"; shift
baton="${BATON:-npx --no-install baton}"
# The run id is fixed here, not read back from the output: `start --wait --json` prints the run's
# summary, and a start that fails prints nothing, yet the report still needs the id.
id=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --id) id="${args[i + 1]:-}" ;;
    --id=*) id="${args[i]#--id=}" ;;
  esac
done
if [ -z "$id" ]; then
  id="gh-actions-${GITHUB_RUN_ID:-local}-${GITHUB_RUN_ATTEMPT:-1}-$(date +%s)"
  args+=(--id "$id")
fi
out="$(mktemp)"; err="$(mktemp)"
$baton start "$template" --wait --json "${args[@]}" > "$out" 2> "$err"
code=$?
cat "$err" >&2
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if ! $baton report "$id" --markdown >> "$GITHUB_STEP_SUMMARY" 2>/dev/null; then
    # No run to report (the start itself was refused): say why in the summary.
    { echo "## ❌ Baton run \`$id\` did not start"; echo; echo '```'; cat "$err"; echo '```'; } >> "$GITHUB_STEP_SUMMARY"
  fi
fi
rm -f "$out" "$err"
exit "$code"
