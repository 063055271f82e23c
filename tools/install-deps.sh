#!/bin/sh
# Installs what rtcd needs to build and to run its tests on Debian 12,
# skipping packages that are already there. Needs root (or sudo).
set -eu

build="meson ninja-build pkg-config gcc clang libclang-rt-14-dev
  libdbus-1-dev liburing-dev libssl-dev libsrtp2-dev libusrsctp-dev
  libopus-dev libvpx-dev libopenh264-dev libpipewire-0.3-dev libturbojpeg0-dev"
# A private bus and the tools the integration tests use as a second client.
run="dbus-daemon dbus-bin systemd python3 python3-dbus python3-gi bubblewrap util-linux
  pipewire pipewire-bin wireplumber"
# The network lab (namespaces, NAT, coturn) and the kernel module in qemu.
lab="iproute2 nftables coturn openssl"
kmod="qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static cpio"
# Real peers for the interop suite (recipes/real-peers.md).
interop="python3-aiortc golang-go golang-github-pion-webrtc.v3-dev chromium firefox-esr
  iproute2"

case "${1:-all}" in
build) want="$build $run" ;;
all) want="$build $run $lab $kmod $interop" ;;
*) echo "usage: $0 [build|all]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq $missing >/dev/null
