#!/usr/bin/env bash
# Starts a Baton run, waits for it, writes its Markdown report to the step summary, and exits with
# the run's outcome: 0 when it completed, non-zero when it was rejected, failed or cancelled.
# Usage: baton-run.sh <template> [baton start args…]   (needs TEMPORAL_ADDRESS and a worker)
set -uo pipefail
template="${1:?usage: baton-run.sh <template> [baton start args…]}"; shift
baton="${BATON:-npx baton}"
out="$(mktemp)"
$baton start "$template" --wait --json "$@" > "$out"
code=$?
id="$(node -e 'try { const s = require("fs").readFileSync(process.argv[1], "utf8"); process.stdout.write(JSON.parse(s).workflowId ?? "") } catch {}' "$out")"
[ -z "$id" ] && id="$(grep -o '"workflowId": *"[^"]*"' "$out" | head -1 | sed 's/.*"\([^"]*\)"$/\1/')"
if [ -n "$id" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  $baton report "$id" --markdown >> "$GITHUB_STEP_SUMMARY" || true
fi
exit "$code"
