# SPDX-License-Identifier: LGPL-2.1-or-later
"""A PNG reader for tests, with nothing but zlib and struct: the size, and
the pixels of 8-bit RGB/RGBA/grey images (every filter type undone), so a
test can tell a picture from a blank."""
import struct
import zlib


def read(path):
    """(width, height, channels, rows) with rows a list of bytes, or raises
    ValueError for anything that is not a valid PNG of that kind."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("no PNG signature")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError("bad CRC in " + kind.decode("latin1"))
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    if not header:
        raise ValueError("no IHDR")
    width, height, depth, color, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    if depth != 8 or not channels or interlace:
        raise ValueError("not an 8-bit non-interlaced image: %r" % (header,))
    raw = zlib.decompress(idat)
    stride = width * channels
    if len(raw) != height * (stride + 1):
        raise ValueError("%d bytes of pixels for %dx%d" % (len(raw), width, height))
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            elif kind != 0:
                raise ValueError("filter type %d" % kind)
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def distinct_colours(rows, channels, step=7):
    """How many different pixels a sample of the image has."""
    seen = set()
    for row in rows[::step]:
        for x in range(0, len(row), channels * step):
            seen.add(row[x:x + channels])
    return len(seen)
