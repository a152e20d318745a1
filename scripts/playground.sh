#!/usr/bin/env bash
# The main job (`npm start`): install, build the playground with `vite build`, show the compressed
# result, and serve it. Ctrl-C stops the server. PORT and HOST pick the address.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npm install --no-audit --no-fund --loglevel=error   # also compiles the package (prepare)
npx vite build playground
export PORT="${PORT:-3000}" HOST="${HOST:-127.0.0.1}"
node playground/server.js &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 50); do
  kill -0 "$server" 2>/dev/null || break # the server stopped; its error is above (a port in use, say)
  if page=$(node -e "fetch('http://${HOST}:${PORT}/').then(r=>r.text()).then(t=>process.stdout.write(t)).catch(()=>process.exit(1))" 2>/dev/null); then
    echo
    echo "The home page's compress blocks, as the server renders them from playground/dist/CACHE/manifest.json:"
    printf '%s\n' "$page" | grep -oE '<(link|script)[^>]*CACHE[^>]*>|<style[^>]*>' | sed 's/^/  /'
    echo
    break
  fi
  sleep 0.2
done
wait "$server"
