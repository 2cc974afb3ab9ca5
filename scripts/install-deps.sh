#!/usr/bin/env bash
# Installs the Debian packages ModelRouter builds and tests against, if any is missing.
# Usage: scripts/install-deps.sh [extra-package ...]
set -euo pipefail
packages=(libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev pkg-config "$@")
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "installing: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
