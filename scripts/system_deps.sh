#!/usr/bin/env bash
# Install (as root) or name (otherwise) the Debian packages Corridor Watch needs.
# Usage: scripts/system_deps.sh [--with-browser]
set -euo pipefail

packages=(postgresql-15 postgresql-15-postgis-3 libgdal32 libgeos-c1v5 libproj25 gdal-bin fonts-wqy-microhei)
if [[ "${1:-}" == "--with-browser" ]]; then
  packages+=(chromium)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Run as root:  $line" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A stale package list on a new machine makes install fail: refresh once, then install.
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
