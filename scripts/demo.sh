#!/usr/bin/env bash
# Try CLS Lens in a real VS Code in the browser: builds the VSIX, starts code-server (installed on first use)
# on 127.0.0.1 with an isolated profile and a demo workspace, prints the URL, runs until Ctrl-C.
#
#   npm run demo                 (a free port)
#   PORT=8080 npm run demo       (a fixed port; for a remote machine: ssh -L 8080:127.0.0.1:8080 host)
#
# Everything it writes lives in .e2e/demo/ (workspace, profile, logs) and .cache/code-server/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=./code-server.sh
source "$ROOT/scripts/code-server.sh"

DEMO="$ROOT/.e2e/demo"
WS="$DEMO/workspace"; PROFILE="$DEMO/profile"
VSIX="$ROOT/dist/cls-lens-linux-x64.vsix"
say() { printf '[demo] %s\n' "$*"; }
mkdir -p "$DEMO"

say "checking Debian packages and code-server@$CS_VERSION"
cs_ensure_apt
cs_install

say "building the VSIX (npm run package)"
npm run -s package >"$DEMO/package.log" 2>&1 || { tail -40 "$DEMO/package.log"; exit 1; }

say "fresh demo workspace in ${WS#"$ROOT"/}"
rm -rf "$WS"; cp -r "$ROOT/test/e2e/workspace" "$WS"
# the labelled sample sentences (data/README.md), for the experiments (README.md in the workspace says which command)
cp "$ROOT/data/sentences.csv" "$WS/sentences.csv"

# ---- demo model ------------------------------------------------------------------------------------------------
# No pretrained model can be downloaded here, so the demo generates a BERT-mini-shaped model (4 layers × 4 heads,
# hidden 256, the real BERT uncased WordPiece vocabulary) with RANDOM weights, using the project's own generator
# (scripts/gen-model.ts), and points the workspace's clsLens.model at it. The UI labels it as random weights.
demo_model_hook() {
  local model="$DEMO/models/bert-mini-random"
  if [ ! -f "$model/.complete" ]; then
    say "generating the demo model (random weights) into ${model#"$ROOT"/}"
    node scripts/build.mjs >/dev/null
    rm -rf "$model"
    node out/scripts/gen-model.js --out "$model" --arch bert --preset mini --seed 1 >"$DEMO/gen-model.log" 2>&1 || { cat "$DEMO/gen-model.log"; exit 1; }
    echo demo >"$model/.complete"
  fi
  printf '{ "clsLens.model": "%s" }\n' "$model" >"$DEMO/model-settings.json"
  cs_merge_settings "$WS/.vscode/settings.json" "$DEMO/model-settings.json"
}
demo_model_hook
# ---- end of HOOK ----------------------------------------------------------------------------------------------

say "isolated profile in ${PROFILE#"$ROOT"/}, installing the VSIX"
cs_make_profile "$PROFILE"
cs_install_vsix "$PROFILE" "$VSIX"

PORT="${PORT:-$(cs_free_port)}"
trap 'cs_stop; say "code-server stopped"' EXIT
trap 'exit 130' INT TERM
cs_start "$PROFILE" "$PORT" "$WS" "$DEMO/code-server.log"
cs_wait_healthy 90

cat <<EOF

  CLS Lens demo is running. Open this URL in a browser on this machine:

      $CS_URL/?folder=$WS

  Select a sentence in sample.txt, then right-click > "Inspect Selection", or run
  "CLS Lens: Inspect Selection" from the command palette (F1). The CLS Lens icon in the activity bar
  opens the side view. For the experiments, run "CLS Lens: Run Pooling Probe…" (F1) and choose sentences.csv
  (400 labelled sentences, 5 classes) or the builtin sample sentences. Logs: ${DEMO#"$ROOT"/}/code-server.log and ${PROFILE#"$ROOT"/}/user-data/logs/.

  Press Ctrl-C to stop.

EOF
# Returns when code-server exits, or at once when Ctrl-C runs the traps.
wait "$CS_LAUNCHER_PID" || true
say "code-server exited (see ${DEMO#"$ROOT"/}/code-server.log)"
