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

# ---- HOOK: demo model ---------------------------------------------------------------------------------------
# A later step (owned by the engine team) generates a small demo model here and points the workspace at it:
#   1. generate it, e.g. into "$DEMO/model" (config.json, tokenizer.json, onnx/model.onnx);
#   2. write the setting:
#        printf '{ "clsLens.model": "%s" }\n' "$DEMO/model" >"$DEMO/model-settings.json"
#        cs_merge_settings "$WS/.vscode/settings.json" "$DEMO/model-settings.json"
# Until then the demo runs without a model and the extension says how to configure one.
demo_model_hook() { :; }
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
  opens the side view. Logs: ${DEMO#"$ROOT"/}/code-server.log and ${PROFILE#"$ROOT"/}/user-data/logs/.

  Press Ctrl-C to stop.

EOF
# Returns when code-server exits, or at once when Ctrl-C runs the traps.
wait "$CS_LAUNCHER_PID" || true
say "code-server exited (see ${DEMO#"$ROOT"/}/code-server.log)"
