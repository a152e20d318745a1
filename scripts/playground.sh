#!/usr/bin/env bash
# The main job (`npm start`): install, build the playground with `vite build`, show the compressed
# result, and serve it. Ctrl-C stops the server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npm install --no-audit --no-fund --loglevel=error   # also compiles the package (prepare)
npx vite build playground
PORT="${PORT:-3000}"
node playground/server.js &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 50); do
  if page=$(node -e "fetch('http://127.0.0.1:${PORT}/').then(r=>r.text()).then(t=>process.stdout.write(t)).catch(()=>process.exit(1))" 2>/dev/null); then
    echo
    echo "The page's compress blocks, as the server renders them from dist/CACHE/manifest.json:"
    printf '%s\n' "$page" | grep -oE '<(link|script|style)[^>]*>' | sed 's/^/  /'
    echo
    break
  fi
  sleep 0.2
done
wait "$server"
