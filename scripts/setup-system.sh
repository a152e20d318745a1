#!/usr/bin/env bash
# Installs, only when missing, the Debian packages the tests need (headless browser, Redis,
# and the real django-compressor for the interop tests). Idempotent and quiet when all present.
set -euo pipefail

packages=(chromium redis-server python3-django python3-django-compressor python3-jinja2)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup-system: dpkg-query not found; this script needs a Debian-based system with: ${packages[*]}" >&2
  exit 1
fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "system packages: ok"
  exit 0
fi

echo "system packages: installing ${missing[*]}"

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "setup-system: missing packages (${missing[*]}) and not root, and sudo is not available;" >&2
    echo "setup-system: install them as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! "${sudo_cmd[@]}" apt-get update; then
  echo "setup-system: apt-get update failed" >&2
  exit 1
fi
if ! "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
  echo "setup-system: apt-get install failed for: ${missing[*]}" >&2
  exit 1
fi

for pkg in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    echo "setup-system: $pkg is still not installed after apt-get install" >&2
    exit 1
  fi
done
echo "system packages: ok (installed ${missing[*]})"
