#!/usr/bin/env bash
# Install (as root) or name (otherwise) the Debian packages Corridor Watch needs: from the
# Debian mirrors, or, in an unpacked offline bundle (bundle/debs, scripts/bundle.sh), from
# the bundle's own package repository without any network.
# Usage: scripts/system_deps.sh [--with-browser] [--list]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUNDLE=${CW_BUNDLE_DIR:-$ROOT/bundle}

packages=(postgresql-15 postgresql-15-postgis-3 libgdal32 libgeos-c1v5 libproj25 gdal-bin fonts-wqy-microhei)
# Python 3.11 with venv from Debian, unless a Python 3.11 is already there (or PYTHON names one).
if [[ -z "${PYTHON:-}" ]] && ! command -v python3.11 >/dev/null; then
  packages+=(python3.11 python3.11-venv)
fi
list=0
for arg in "$@"; do
  case "$arg" in
    --with-browser) packages+=(chromium) ;;
    --list) list=1 ;;
  esac
done
if [[ $list == 1 ]]; then
  echo "${packages[*]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

export DEBIAN_FRONTEND=noninteractive
if [[ -f "$BUNDLE/debs/Packages" ]]; then
  # Offline: the bundle's packages are the only source (its own list directory, so the
  # machine's apt state is left as it was).
  apt_offline=(-o "Dir::Etc::SourceList=$BUNDLE/debs/sources.list" -o "Dir::Etc::SourceParts=-"
    -o "Dir::State::Lists=$BUNDLE/debs/lists" -o "Acquire::Languages=none")
  line="apt-get ${apt_offline[*]} install -y --no-install-recommends ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Run as root:  $line" >&2
    exit 1
  fi
  echo "deb [trusted=yes] file:$BUNDLE/debs ./" > "$BUNDLE/debs/sources.list"
  mkdir -p "$BUNDLE/debs/lists/partial"
  echo "Installing Debian packages from the bundle: ${missing[*]}"
  apt-get "${apt_offline[@]}" update -qq
  apt-get "${apt_offline[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Run as root:  $line" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
# A stale package list on a new machine makes install fail: refresh once, then install.
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
