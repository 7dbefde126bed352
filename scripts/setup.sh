#!/usr/bin/env bash
# Install what the build and tests need from Debian's packages, once.
# Usage: scripts/setup.sh
set -euo pipefail

packages=(
	linux-source-6.12 qemu-system-x86 busybox-static sparse
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod rsync
	python3 python3-ply python3-git perl git xz-utils python3-sphinx
	bash-completion prometheus python3-prometheus-client
	systemd-journal-remote
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}" >/dev/null
