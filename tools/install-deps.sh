#!/bin/sh
# Installs what rtcd needs to build and to run its tests on Debian 12,
# skipping packages that are already there. Needs root (or sudo).
set -eu

build="meson ninja-build pkg-config gcc clang libclang-rt-14-dev
  libdbus-1-dev liburing-dev libssl-dev libsrtp2-dev libusrsctp-dev
  libopus-dev libvpx-dev libopenh264-dev libpipewire-0.3-dev libturbojpeg0-dev libpng-dev"
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
# apt and debconf talk a lot ("debconf: delaying package configuration…"):
# their words go to a log, shown only when the installation fails. env, not
# export: sudo would drop DEBIAN_FRONTEND from the environment.
log=$(mktemp /tmp/rtcd-install-deps.XXXXXX)
apt="$sudo env DEBIAN_FRONTEND=noninteractive apt-get -qq -o Dpkg::Use-Pty=0"
# shellcheck disable=SC2086
if ! { $apt update && $apt install -y $missing; } >"$log" 2>&1; then
	echo "install-deps: apt-get failed:" >&2
	tail -n 60 "$log" >&2
	rm -f "$log"
	exit 1
fi
rm -f "$log"
