#!/usr/bin/env bash
# The test command (`npm test`): installs what the tests need, then type-checks, lints and runs
# every test. Each step is idempotent, so running it twice costs little the second time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup-system.sh
npm install --no-audit --no-fund --loglevel=error
npm install --prefix compat/vite7 --no-audit --no-fund --loglevel=error   # Vite 7 for its smoke test
npm run build --silent
npm run check --silent
npx vitest run
