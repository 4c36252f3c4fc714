#!/usr/bin/env bash
# End-to-end tests of the packaged extension in a real VS Code (code-server 4.100.3 from npm), driven by
# playwright-core + Debian's chromium. Runs every test/e2e/*.test.mjs.
#
#   bash test/e2e/run.sh                    (npm run test:e2e)
#
# Environment:
#   CLS_LENS_E2E_SETTINGS=path.json  merged into the test workspace's .vscode/settings.json (e.g. clsLens.model);
#                                    unset: a random-weight BERT-mini model is generated once into
#                                    .e2e/models/bert-mini-random and set as clsLens.model
#   CLS_LENS_E2E_MODEL               (exported to the tests) the model folder clsLens.model points at; tests that
#                                    compare with the CLI skip without it (set it yourself with _SETTINGS)
#   CLS_LENS_E2E_SKIP_PACKAGE=1      reuse dist/cls-lens-linux-x64.vsix instead of running `npm run package`
#   CLS_LENS_E2E_ARGS="..."          extra arguments for `node --test` (e.g. --test-name-pattern=side)
# Output: .e2e/out/ (screenshots, code-server log, VS Code logs, test-results); profile and workspace in .e2e/run/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ -n "${CLS_LENS_E2E_SETTINGS:-}" ]; then   # relative to where the caller stands
  CLS_LENS_E2E_SETTINGS="$(realpath -e "$CLS_LENS_E2E_SETTINGS")" || { echo "[e2e] CLS_LENS_E2E_SETTINGS: no such file"; exit 2; }
fi
cd "$ROOT"
# shellcheck source=../../scripts/code-server.sh
source "$ROOT/scripts/code-server.sh"

E2E="$ROOT/.e2e"; RUN="$E2E/run"; OUT="$E2E/out"
VSIX="$ROOT/dist/cls-lens-linux-x64.vsix"
mkdir -p "$E2E"
# One E2E run at a time in this checkout (they share .e2e/run and .e2e/out).
exec 9>"$E2E/e2e.lock"
flock -n 9 || { echo "[e2e] another E2E run holds $E2E/e2e.lock; waiting"; flock -w 1800 9; }

T0="$(cs_now)"; LAST="$T0"; TIMINGS=()
phase() {
  local d; d="$(cs_elapsed "$LAST")"; LAST="$(cs_now)"
  TIMINGS+=("$(printf '%-22s %7ss' "$1" "$d")"); printf '[e2e] %-22s %7ss\n' "$1" "$d"
}
# Start from an empty output folder, but keep the webview tests' screenshots (webview*: npm test runs them first).
mkdir -p "$OUT"; find "$OUT" -mindepth 1 -maxdepth 1 ! -name 'webview*' -exec rm -rf {} +

cs_ensure_apt
phase "system packages"
cs_install
phase "code-server install"

if [ "${CLS_LENS_E2E_SKIP_PACKAGE:-}" = 1 ] && [ -f "$VSIX" ]; then
  echo "[e2e] reusing $VSIX"
else
  npm run -s package >"$OUT/package.log" 2>&1 || { tail -40 "$OUT/package.log"; exit 1; }
fi
[ -f "$VSIX" ] || { echo "[e2e] $VSIX was not built"; exit 1; }
phase "package VSIX"

cs_make_profile "$RUN/profile"
cs_install_vsix "$RUN/profile" "$VSIX"
rm -rf "$RUN/workspace"; cp -r "$ROOT/test/e2e/workspace" "$RUN/workspace"
if [ -n "${CLS_LENS_E2E_SETTINGS:-}" ]; then
  echo "[e2e] merging $CLS_LENS_E2E_SETTINGS into the workspace settings"
  cs_merge_settings "$RUN/workspace/.vscode/settings.json" "$CLS_LENS_E2E_SETTINGS"
else
  # The default model: BERT-mini-shaped, random weights, real BERT uncased vocabulary (scripts/gen-model.ts),
  # generated once and kept in .e2e/models (the .complete marker says the folder is whole).
  MODEL="$E2E/models/bert-mini-random"
  if [ ! -f "$MODEL/.complete" ]; then
    echo "[e2e] generating the test model (random weights) into ${MODEL#"$ROOT"/}"
    node scripts/build.mjs >"$OUT/build-scripts.log" 2>&1 || { tail -40 "$OUT/build-scripts.log"; exit 1; }
    rm -rf "$MODEL"; mkdir -p "$(dirname "$MODEL")"
    node out/scripts/gen-model.js --out "$MODEL" --arch bert --preset mini --seed 1 >"$OUT/gen-model.log" 2>&1 \
      || { tail -40 "$OUT/gen-model.log"; exit 1; }
    echo e2e >"$MODEL/.complete"
  fi
  node -e 'console.log(JSON.stringify({ "clsLens.model": process.argv[1] }))' "$MODEL" >"$RUN/model-settings.json"
  cs_merge_settings "$RUN/workspace/.vscode/settings.json" "$RUN/model-settings.json"
  export CLS_LENS_E2E_MODEL="$MODEL"
fi
phase "profile + install"

# Hugging Face settings of the run: an empty cache (the Hub tests download into it, never into the user's), no
# endpoint, offline switch or token from the caller's environment (test/e2e/hub.test.mjs starts its own local Hub).
export HF_HUB_CACHE="$RUN/hf-cache" HF_TOKEN_PATH="$RUN/no-hf-token"
rm -rf "$HF_HUB_CACHE"; mkdir -p "$HF_HUB_CACHE"
unset HF_ENDPOINT HF_HUB_OFFLINE HF_TOKEN HUGGINGFACE_HUB_CACHE

PEAK="$OUT/peak-rss-kb"; echo 0 >"$PEAK"; SAMPLER=""
cleanup() {
  local rc=$?
  [ -n "$SAMPLER" ] && { kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; }
  cs_stop
  cp -r "$RUN/profile/user-data/logs" "$OUT/vscode-logs" 2>/dev/null || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT="$(cs_free_port)"
cs_start "$RUN/profile" "$PORT" "$RUN/workspace" "$OUT/code-server.log"
# Peak resident memory of code-server + extension host + chromium + test runner, sampled twice a second.
( while sleep 0.5; do
    s="$(cs_tree_rss_kb "$CS_PID" "$$")"; [ "$s" -gt "$(cat "$PEAK")" ] && echo "$s" >"$PEAK"
  done ) &
SAMPLER=$!
cs_wait_healthy 90
phase "code-server start"

set +e
CLS_LENS_E2E_URL="$CS_URL" CLS_LENS_E2E_WORKSPACE="$RUN/workspace" CLS_LENS_E2E_PROFILE="$RUN/profile" CLS_LENS_E2E_OUT="$OUT" \
  node --test --test-concurrency=1 --test-reporter=spec ${CLS_LENS_E2E_ARGS:-} test/e2e/
RC=$?
set -e
phase "tests"

echo "[e2e] ---- summary ($( [ "$RC" = 0 ] && echo PASS || echo "FAIL rc=$RC"))"
printf '[e2e]   %s\n' "${TIMINGS[@]}"
printf '[e2e]   %-22s %7ss\n' "TOTAL" "$(cs_elapsed "$T0")"
echo "[e2e]   peak RSS (code-server + extension host + chromium + tests): $(( $(cat "$PEAK") / 1024 )) MiB"
echo "[e2e]   screenshots and logs: ${OUT#"$ROOT"/}/"
exit "$RC"
