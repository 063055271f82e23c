#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What `meson install` puts on a system, and that it works there: the D-Bus
activation file starts rtcd on the first call, the user unit is well formed
and hardened, the library is found by pkg-config."""
import os
import subprocess
import sys
import tempfile
import xml.sax.saxutils

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, ROOT, MANAGER

BUILD = os.environ.get("MESON_BUILD_ROOT") or os.environ.get("RTCD_BUILD_ROOT")


def install(destdir):
    r = subprocess.run(["meson", "install", "-C", BUILD, "--destdir", destdir, "--no-rebuild",
                        "--quiet"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    prefix = subprocess.run(["meson", "introspect", BUILD, "--buildoptions"],
                            capture_output=True, text=True, check=True).stdout
    import json
    opts = {o["name"]: o["value"] for o in json.loads(prefix)}
    return opts


def find(root, name):
    for dirpath, _, files in os.walk(root):
        if name in files:
            return os.path.join(dirpath, name)
    raise AssertionError("%s not installed under %s" % (name, root))


def test_installed_files(dest):
    for name in ("rtcd", "rtcctl", "org.rtcd.WebRTC1.service", "rtcd.service",
                 "org.rtcd.WebRTC1.conf", "org.rtcd.WebRTC1.Manager.xml",
                 "org.rtcd.WebRTC1.PeerConnection.xml", "org.rtcd.WebRTC1.DataChannel.xml",
                 "client.h", "rtc-client.pc", "librtc-client.so.0", "dkms.conf",
                 "Kbuild", "rtcd_srtp.h"):
        find(dest, name)
    # DKMS needs the module's sources beside its recipe.
    kmod_dir = os.path.dirname(find(dest, "dkms.conf"))
    for name in ("Kbuild", "Makefile", "main.c", "uapi/rtcd_srtp.h"):
        assert os.path.exists(os.path.join(kmod_dir, name)), name
    service = open(find(dest, "org.rtcd.WebRTC1.service")).read()
    assert "Name=org.rtcd.WebRTC1\n" in service and "SystemdService=rtcd.service\n" in service
    unit = open(find(dest, "rtcd.service")).read()
    assert "BusName=org.rtcd.WebRTC1" in unit and "Type=dbus" in unit
    for exec_line in [l for l in service.splitlines() + unit.splitlines()
                      if l.startswith(("Exec=", "ExecStart="))]:
        path = exec_line.split("=", 1)[1].split()[0]
        assert os.path.exists(dest + path), "%s names %s, which is not installed" % (exec_line, path)


def test_unit_hardening(dest):
    r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=40",
                        find(dest, "rtcd.service")], capture_output=True, text=True)
    last = [l for l in r.stdout.splitlines() if "exposure level" in l]
    assert r.returncode == 0 and last, r.stdout[-2000:] + r.stderr
    level = float(last[0].split("rtcd.service:")[1].split()[0])
    assert level <= 4.0, last[0]


def test_pkg_config(dest, opts):
    pcdir = os.path.dirname(find(dest, "rtc-client.pc"))
    env = dict(os.environ, PKG_CONFIG_PATH=pcdir, PKG_CONFIG_SYSROOT_DIR=dest)
    r = subprocess.run(["pkg-config", "--cflags", "--libs", "rtc-client"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0 and "-lrtc-client" in r.stdout, r.stdout + r.stderr


def test_dbus_activation(dest):
    """A bus that knows the installed activation file starts rtcd on the first
    call to its name, as the session bus does for an app."""
    tmp = tempfile.mkdtemp(prefix="rtcd-activation-")
    services = os.path.join(tmp, "services")
    os.mkdir(services)
    text = open(find(dest, "org.rtcd.WebRTC1.service")).read()
    exec_line = [l for l in text.splitlines() if l.startswith("Exec=")][0]
    binary = exec_line.split("=", 1)[1].split()[0]
    # The file names the installed path; under DESTDIR it lives below dest.
    with open(os.path.join(services, "org.rtcd.WebRTC1.service"), "w") as f:
        f.write(text.replace("Exec=" + binary, "Exec=" + dest + binary))
    base = os.path.join(rtcdtest.SRC, "tests", "integration", "session-bus.conf")
    conf = os.path.join(tmp, "bus.conf")
    with open(conf, "w") as f:
        f.write('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"'
                ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
                "<busconfig><include>%s</include><servicedir>%s</servicedir></busconfig>\n"
                % (xml.sax.saxutils.escape(base), xml.sax.saxutils.escape(services)))
    bus_proc = subprocess.Popen(["dbus-daemon", "--config-file=" + conf, "--nofork",
                                 "--print-address=1"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        address = bus_proc.stdout.readline().decode().strip()
        bus = dbus.bus.BusConnection(address)
        assert not bus.name_has_owner(BUS_NAME)
        assert BUS_NAME in bus.list_activatable_names()
        # Auto-start on the first call.
        version = bus.get_object(BUS_NAME, ROOT).Get(MANAGER, "Version",
                                                     dbus_interface=rtcdtest.PROPS)
        assert str(version)
        assert bus.name_has_owner(BUS_NAME)
        driver = dbus.Interface(bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"),
                                "org.freedesktop.DBus")
        pid = int(driver.GetConnectionUnixProcessID(BUS_NAME))
        bus.close()
        os.kill(pid, 15)
    finally:
        bus_proc.terminate()
        bus_proc.wait()
        bus_proc.stdout.close()
        subprocess.run(["rm", "-rf", tmp])


def main():
    tap = rtcdtest.Tap()
    if not BUILD:
        tap.skip("install", "MESON_BUILD_ROOT is not set")
        return tap.done()
    with tempfile.TemporaryDirectory(prefix="rtcd-install-") as dest:
        opts = install(dest)
        tap.run(test_installed_files, dest)
        tap.run(test_unit_hardening, dest)
        tap.run(test_pkg_config, dest, opts)
        tap.run(test_dbus_activation, dest)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
