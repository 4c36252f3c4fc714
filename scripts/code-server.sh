#!/usr/bin/env bash
# code-server helper shared by test/e2e/run.sh and scripts/demo.sh: a real VS Code (code-server from npm)
# in an isolated profile, reachable only on 127.0.0.1. Needs only the npm registry and Debian apt.
#
# Use it sourced:                       or called:
#   source scripts/code-server.sh         bash scripts/code-server.sh install   # apt packages + code-server
#   cs_ensure_apt; cs_install             bash scripts/code-server.sh bin       # prints the code-server path
#   cs_make_profile "$DIR"
#   cs_install_vsix "$DIR" dist/x.vsix
#   cs_start "$DIR" "$PORT" "$WORKSPACE" "$LOG"; cs_wait_healthy 60
#   ...; cs_stop
#
# Sourcing defines functions and CS_* variables only; it changes no shell option of the caller.
# Environment: CS_VERSION (default 4.100.3, the newest code-server whose engines.node allows Node 20),
#              CS_CACHE (default <repo>/.cache/code-server).

CS_ROOT="${CS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
CS_VERSION="${CS_VERSION:-4.100.3}"
CS_CACHE="${CS_CACHE:-$CS_ROOT/.cache/code-server}"
CS_BIN="$CS_CACHE/node_modules/.bin/code-server"
# chromium drives the E2E tests; ripgrep replaces @vscode/ripgrep's GitHub download; the -dev packages,
# pkg-config, python3, make and g++ build code-server's native modules; curl polls /healthz.
CS_APT_PACKAGES=(chromium ripgrep libkrb5-dev libxkbfile-dev libsecret-1-dev pkg-config python3 make g++ curl)
CS_PID=""            # process-group leader of the running code-server (set by cs_start)
CS_URL=""            # http://127.0.0.1:<port> (set by cs_start)
CS_LAUNCHER_PID=""   # the background job cs_start created (for `wait`)

cs_log() { printf '[code-server] %s\n' "$*" >&2; }

# Seconds since the epoch with microseconds (bash 5 builtin: no fork).
cs_now() { printf '%s' "${EPOCHREALTIME:-$(date +%s.%N)}"; }
# cs_elapsed START -> seconds since START, one decimal.
cs_elapsed() { awk -v a="$1" -v b="$(cs_now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---- Debian packages -------------------------------------------------------------------------------
# cs_ensure_apt [extra packages...]: installs what is missing (apt-get update only when something is).
cs_ensure_apt() {
  local p missing=()
  for p in "${CS_APT_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { cs_log "missing Debian packages (need root): ${missing[*]}"; return 1; }
    sudo=(sudo)
  fi
  cs_log "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq || return 1
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || return 1
}

# ---- code-server install (cached in $CS_CACHE by code-server version + Node version) ----------------
# node-gyp must build against the running Node's headers and never download them.
cs_node_env() {
  local prefix
  prefix="$(node -p 'require("path").resolve(process.execPath, "..", "..")')"
  if [ -f "$prefix/include/node/node.h" ]; then export npm_config_nodedir="$prefix"; fi
}

cs_installed() { [ -x "$CS_BIN" ] && [ "$(cat "$CS_CACHE/.installed" 2>/dev/null)" = "$CS_VERSION $(node -v)" ]; }

cs_install() {
  cs_installed && return 0
  mkdir -p "$(dirname "$CS_CACHE")"
  # Serialise concurrent installs (an E2E run and a demo started together).
  (
    flock -w 1200 9 || { cs_log "timed out waiting for another code-server install"; exit 1; }
    cs_installed && exit 0
    _cs_install_locked
  ) 9>"$CS_CACHE.lock"
}

_cs_install_locked() {
  local t0 log="$CS_CACHE/install.log" rgver rgtag
  t0="$(cs_now)"
  cs_log "installing code-server@$CS_VERSION for node $(node -v) into $CS_CACHE (log: $log)"
  rm -rf "$CS_CACHE"; mkdir -p "$CS_CACHE/tmp"
  printf '{ "name": "cls-lens-code-server", "private": true }\n' >"$CS_CACHE/package.json"
  cs_node_env
  # 1. Fetch without running scripts: the postinstall needs the ripgrep seed below first.
  (cd "$CS_CACHE" && npm install --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
      "code-server@$CS_VERSION") >"$log" 2>&1 || { tail -40 "$log" >&2; return 1; }
  # 2. @vscode/ripgrep's postinstall downloads rg from GitHub unless it finds the archive in its cache,
  #    $TMPDIR/vscode-ripgrep-cache-<package version>/ripgrep-<rg tag>-<target>.tar.gz. Put Debian's rg there.
  rgver="$(node -e '
    const w = require(process.argv[1]);
    const p = (w.packages || {})["node_modules/@vscode/ripgrep"];
    process.stdout.write(p ? p.version : "");' "$CS_CACHE/node_modules/code-server/lib/vscode/npm-shrinkwrap.json" 2>/dev/null)"
  if [ -n "$rgver" ]; then
    (cd "$CS_CACHE/tmp" && npm pack --silent "@vscode/ripgrep@$rgver" >/dev/null 2>>"$log" \
        && tar xzf "vscode-ripgrep-$rgver.tgz" package/lib/postinstall.js) || { tail -20 "$log" >&2; return 1; }
    rgtag="$(sed -n "s/^const VERSION = '\([^']*\)'.*/\1/p" "$CS_CACHE/tmp/package/lib/postinstall.js" | head -1)"
    [ -n "$rgtag" ] || { cs_log "could not read the ripgrep tag of @vscode/ripgrep@$rgver"; return 1; }
    mkdir -p "$CS_CACHE/tmp/vscode-ripgrep-cache-$rgver"
    tar czf "$CS_CACHE/tmp/vscode-ripgrep-cache-$rgver/ripgrep-$rgtag-x86_64-unknown-linux-musl.tar.gz" -C /usr/bin rg
    cs_log "seeded @vscode/ripgrep@$rgver ($rgtag) with $(rg --version | head -1)"
  fi
  # 3. code-server's postinstall: `npm install` in lib/vscode + native builds. As root it insists on
  #    npm_config_unsafe_perm; node-pty's postinstall runs `npx node-gyp` (npm_config_yes answers its prompt).
  (cd "$CS_CACHE" && TMPDIR="$CS_CACHE/tmp" npm_config_unsafe_perm=true npm_config_yes=true \
      npm rebuild --foreground-scripts) >>"$log" 2>&1 || { tail -40 "$log" >&2; return 1; }
  _cs_in_home "$CS_CACHE/tmp/home" "$CS_BIN" --version >>"$log" 2>&1 \
    || { cs_log "code-server does not start:"; tail -20 "$log" >&2; return 1; }
  rm -rf "$CS_CACHE/tmp"
  echo "$CS_VERSION $(node -v)" >"$CS_CACHE/.installed"
  cs_log "code-server@$CS_VERSION installed in $(cs_elapsed "$t0")s ($(du -sh "$CS_CACHE" | cut -f1))"
}

# ---- isolated profile ---------------------------------------------------------------------------------
# cs_make_profile DIR: fresh user-data, extensions and config.yaml (auth none) under DIR.
# Nothing touches ~/.config/code-server or ~/.local/share/code-server.
cs_make_profile() {
  local dir="$1"
  rm -rf "$dir"; mkdir -p "$dir/user-data/User" "$dir/extensions"
  printf 'auth: none\ncert: false\n' >"$dir/config.yaml"
  cat >"$dir/user-data/User/settings.json" <<'EOF'
{
  "security.workspace.trust.enabled": false,
  "security.workspace.trust.startupPrompt": "never",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.enableExperiments": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "chat.disableAIFeatures": true,
  "git.enabled": false,
  "window.restoreWindows": "none"
}
EOF
}

# _cs_in_home DIR CMD...: runs CMD with code-server's own config/data/cache dirs (XDG) under DIR, so that
# neither the wrapper (coder-logs, default config.yaml) nor VS Code writes into the real home directory.
_cs_in_home() {
  local home="$1"; shift
  mkdir -p "$home/config" "$home/data" "$home/cache"
  XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" XDG_CACHE_HOME="$home/cache" "$@"
}

# The arguments that pin code-server to the profile in DIR.
_cs_profile_args() { printf '%s\n' --config "$1/config.yaml" --user-data-dir "$1/user-data" --extensions-dir "$1/extensions"; }

# cs_install_vsix DIR VSIX: installs the VSIX into the profile in DIR.
cs_install_vsix() {
  local dir="$1" vsix="$2" args out
  mapfile -t args < <(_cs_profile_args "$dir")
  out="$(_cs_in_home "$dir/home" "$CS_BIN" "${args[@]}" --install-extension "$vsix" --force 2>&1)" || { printf '%s\n' "$out" >&2; return 1; }
  printf '%s\n' "$out" >"$dir/install-extension.log"
  grep -qi 'successfully installed' <<<"$out" || { printf '%s\n' "$out" >&2; return 1; }
}

# cs_merge_settings FILE JSON_FILE: shallow-merges the object in JSON_FILE into the settings file FILE
# (created if missing). Plain JSON only (no comments).
cs_merge_settings() {
  mkdir -p "$(dirname "$1")"
  node -e '
    const fs = require("fs");
    const [file, extra] = process.argv.slice(1);
    const base = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
    const add = JSON.parse(fs.readFileSync(extra, "utf8"));
    if (typeof add !== "object" || add === null || Array.isArray(add)) throw new Error(extra + ": not a JSON object");
    fs.writeFileSync(file, JSON.stringify({ ...base, ...add }, null, 2) + "\n");' "$1" "$2"
}

# ---- start / wait / stop --------------------------------------------------------------------------------
cs_free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# cs_start DIR PORT WORKSPACE LOG: starts code-server for the profile in DIR on 127.0.0.1:PORT in its own
# process group (setsid), output to LOG. Sets CS_PID (the group leader) and CS_URL. Inherits the environment.
cs_start() {
  local dir="$1" port="$2" ws="$3" log="$4" args pidfile
  mapfile -t args < <(_cs_profile_args "$dir")
  pidfile="$dir/code-server.pid"; rm -f "$pidfile"
  # The inner shell records its own pid (the new session's and process group's leader), then becomes code-server.
  _cs_in_home "$dir/home" setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$CS_BIN" "${args[@]}" \
    --bind-addr "127.0.0.1:$port" --auth none --disable-telemetry --disable-update-check \
    --disable-workspace-trust --disable-getting-started-override "$ws" >"$log" 2>&1 </dev/null &
  CS_LAUNCHER_PID=$!
  local _i
  for _i in $(seq 1 100); do [ -s "$pidfile" ] && break; sleep 0.05; done
  CS_PID="$(cat "$pidfile" 2>/dev/null)"
  [ -n "$CS_PID" ] || { cs_log "code-server did not start"; cat "$log" >&2; return 1; }
  CS_URL="http://127.0.0.1:$port"
  CS_LOG="$log"
}

# cs_wait_healthy [SECONDS]: waits until /healthz answers; fails early if code-server died.
cs_wait_healthy() {
  local limit="${1:-60}" t0
  t0="$(cs_now)"
  while :; do
    curl -sf -o /dev/null --max-time 2 "$CS_URL/healthz" && return 0
    if ! kill -0 "$CS_PID" 2>/dev/null; then
      cs_log "code-server exited before it was ready:"; tail -40 "$CS_LOG" >&2; return 1
    fi
    if awk -v e="$(cs_elapsed "$t0")" -v l="$limit" 'BEGIN { exit !(e > l) }'; then
      cs_log "code-server not ready after ${limit}s:"; tail -40 "$CS_LOG" >&2; return 1
    fi
    sleep 0.1
  done
}

# cs_stop: TERM to code-server's own process group, KILL after 5 s, then reap. Safe to call twice.
cs_stop() {
  [ -n "$CS_PID" ] || return 0
  local _i
  kill -TERM -- "-$CS_PID" 2>/dev/null || true
  for _i in $(seq 1 50); do kill -0 -- "-$CS_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$CS_PID" 2>/dev/null || true
  [ -n "$CS_LAUNCHER_PID" ] && wait "$CS_LAUNCHER_PID" 2>/dev/null
  CS_PID=""; CS_LAUNCHER_PID=""
  return 0
}

# cs_tree_rss_kb PID...: resident memory (KiB) of the given processes and all their descendants.
cs_tree_rss_kb() {
  ps -eo pid=,ppid=,rss= | awk -v roots="$*" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
    { pid[NR] = $1; ppid[NR] = $2; rss[NR] = $3 }
    END {
      do { grew = 0; for (i = 1; i <= NR; i++) if (!(pid[i] in keep) && (ppid[i] in keep)) { keep[pid[i]] = 1; grew = 1 } } while (grew)
      for (i = 1; i <= NR; i++) if (pid[i] in keep) total += rss[i]
      print total + 0
    }'
}

# ---- called as a program ----------------------------------------------------------------------------------
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-install}" in
    install) cs_ensure_apt; cs_install; echo "$CS_BIN" ;;
    bin) cs_installed || { cs_log "not installed: run 'bash scripts/code-server.sh install'"; exit 1; }; echo "$CS_BIN" ;;
    *) echo "usage: bash scripts/code-server.sh [install|bin]" >&2; exit 2 ;;
  esac
fi
