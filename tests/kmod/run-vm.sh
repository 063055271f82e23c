#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The 'kmod' suite: build rtcd_srtp.ko against the installed Debian kernel's
# headers (W=1, no warnings allowed), pack it with the test program, busybox
# and the kernel's own crypto modules into an initramfs, boot that kernel in
# qemu (TCG: the host kernel loads no modules, see
# shared/recipes/kmod-in-qemu.md) and read the verdict from the serial console.
#
#   run-vm.sh <source root> <work dir> <kmod-test binary>
#
# Skips (TAP `1..0 # SKIP`, exit 0: meson counts a TAP test's 77 as an error)
# only when qemu or a kernel image with its headers is not installed at all.
set -eu

src=$1
work=$2
test_bin=$3

qemu=$(command -v qemu-system-x86_64 || true)
kver=
for image in /boot/vmlinuz-*; do
	[ -e "$image" ] || continue
	k=${image#/boot/vmlinuz-}
	if [ -d "/usr/src/linux-headers-$k" ] && [ -d "/lib/modules/$k/kernel/crypto" ]; then
		kver=$k
	fi
done
if [ -z "$qemu" ] || [ -z "$kver" ]; then
	echo "1..0 # SKIP qemu-system-x86 or linux-image/linux-headers not installed"
	exit 0
fi
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "Bail out! busybox-static is not installed"; exit 1; }

rm -rf "$work"
mkdir -p "$work/kmod" "$work/root"

# --- the module, built out of the source tree ------------------------------
cp -r "$src/kmod/." "$work/kmod/"
if ! make -s -C "/usr/src/linux-headers-$kver" M="$work/kmod" W=1 modules \
	>"$work/kbuild.log" 2>&1; then
	sed 's/^/# /' "$work/kbuild.log"
	echo "Bail out! module build failed"
	exit 1
fi
if grep -E 'warning:|error:' "$work/kbuild.log" >/dev/null; then
	sed 's/^/# /' "$work/kbuild.log"
	echo "Bail out! module build has warnings"
	exit 1
fi

# --- initramfs ---------------------------------------------------------------
root=$work/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
cp "$work/kmod/rtcd_srtp.ko" "$root/"
cp "$test_bin" "$root/kmod-test"

# The test program with its shared libraries (libsrtp2 is built on NSS, which
# has no static archives) and the NSS modules NSS loads at run time.
copy_with_libs() {
	for lib in $(ldd "$1" | awk '/=>/ { print $3 } /^\t\/lib/ { print $1 }'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
copy_with_libs "$test_bin"
multiarch=/usr/lib/x86_64-linux-gnu
for lib in "$multiarch"/libsoftokn3.so "$multiarch"/libfreeblpriv3.so "$multiarch"/nss/*.so \
	   "$multiarch"/libsqlite3.so.0; do
	[ -e "$lib" ] || continue
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
	copy_with_libs "$lib"
done

# The crypto algorithms are modules in Debian's kernel.
mods=/lib/modules/$kver
for dir in kernel/crypto kernel/arch/x86/crypto kernel/lib/crypto; do
	mkdir -p "$root$mods/$dir"
	cp -r "$mods/$dir/." "$root$mods/$dir/"
done
rm -f "$root$mods/kernel/crypto/tcrypt.ko"
cp "$mods/modules.builtin" "$mods/modules.builtin.modinfo" "$mods/modules.order" "$root$mods/"
depmod -b "$root" "$kver"

cat >"$root/init" <<'INIT'
#!/bin/busybox sh
# The firmware's last words ("Booting from ROM..") end without a newline and
# the kernel is quiet: end that line, so that the first marker is a line of
# its own (it was glued to it now and then, and not found).
echo
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
ip link set lo up
# The crypto API loads templates on demand through this helper.
echo /bin/modprobe >/proc/sys/kernel/modprobe
# udev would load the accelerated ciphers on a real system.
modprobe -a aesni_intel ghash_clmulni_intel sha1_ssse3 2>/dev/null
insmod /rtcd_srtp.ko && echo "kmod: insmod ok"
/kmod-test
echo "kmod: tests exit $?"
insmod /rtcd_srtp.ko && /kmod-test bench
echo "kmod: bench exit $?"
grep -B1 -A2 '^name *: \(gcm(aes)\|ctr(aes)\|hmac(sha1)\)' /proc/crypto | grep -E '^(name|driver)' | sed 's/^/kmod: crypto /'
rmmod rtcd_srtp
echo "kmod: rmmod exit $?"
dmesg | sed 's/^/dmesg: /'
echo "kmod: done"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initramfs.cpio.gz"

# --- boot --------------------------------------------------------------------
console=$work/console.log
timeout 900 "$qemu" -accel tcg -cpu max -smp 2 -m 1024 -nographic -no-reboot \
	-kernel "/boot/vmlinuz-$kver" -initrd "$work/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet" </dev/null >"$console" 2>&1 || true
# Drop carriage returns and the terminal escapes the firmware prints.
tr -d '\r' <"$console" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' >"$console.txt"

# The test program's TAP lines are the result; the rest becomes comments.
grep -E "^(ok|not ok|# )" "$console.txt" || true
fail=0
plan=$(grep -E '^1\.\.[0-9]+$' "$console.txt" | head -n1 || true)
n=$(grep -cE '^ok ' "$console.txt" || true)
for line in "kmod: insmod ok" "kmod: tests exit 0" "kmod: bench exit 0" "kmod: rmmod exit 0" "kmod: done"; do
	if ! grep -qxF "$line" "$console.txt"; then
		echo "not ok $((n += 1)) - console shows \"$line\""
		fail=1
	fi
done
trouble=$(grep -nE 'Oops|BUG:|WARNING:|Call Trace|general protection|KASAN|UBSAN|refcount_t|list_(add|del) corruption' \
	"$console.txt" || true)
if [ -n "$trouble" ]; then
	echo "$trouble" | sed 's/^/# /'
	echo "not ok $((n += 1)) - kernel log clean (oops, BUG or WARNING above)"
	fail=1
else
	echo "ok $((n += 1)) - kernel log clean"
fi
grep -E '^(bench:|kmod: crypto)' "$console.txt" | sed 's/^/# /' || true
echo "1..$n"
if [ -z "$plan" ] || [ "$fail" -ne 0 ]; then
	echo "# full console: $console.txt"
	sed 's/^/#   /' "$console.txt" | tail -n 80
	exit 1
fi
