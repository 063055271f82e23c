#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""rtcd's video over a lossy, slow path (issue 13, network lab): host a's
router drops 5 % of the packets and holds every packet 50 ms, each way
(a 100 ms round trip). rtcd in a sends the fake camera (640x480 VP8) and
microphone to rtcd in b for 20 s. b's video must stay decodable: it asks
for what is lost (NACK), a retransmits it (RTX), frames keep being
decoded, and after the first second no gap in the decoded frames reaches
1 s (b's GetStats sampled every 100 ms: a gap that surely was that long).
The figures are printed as TAP comments: gaps, W3C freezes, NACKs,
retransmissions, losses."""
import sys
import time

import labmedia
import labtest
import test_rtcd_common as common
from test_rtcd_common import config, ice_server, stun_url

LOSS_PERCENT = 5
DELAY_MS = 50
RUN_S = 20
MAX_GAP_S = 1.0


def test_video_survives_loss(lab, peers):
    lab.set_loss("a", LOSS_PERCENT)
    lab.set_delay("a", DELAY_MS, seed=13)
    call = peers.call(config([ice_server([stun_url(lab)])]),
                      prepare=labmedia.send_camera_and_microphone)
    t0 = time.monotonic()
    call.wait_connected(30)
    labtest.comment("connected after %.1f s" % (time.monotonic() - t0))
    sampler = labmedia.Sampler(call)
    first = sampler.run(15, until=lambda s: s.decoded > 0)
    assert first, "no frame decoded in 15 s: %s" % sampler.last().video_in
    sampler.run(RUN_S)
    last = sampler.last()
    vin, vout = last.video_in, last.video_out
    gaps = sampler.decode_gaps(after=first.t + 1.0)
    longest = max((g for _, g in gaps), default=0.0)
    seconds = last.t - first.t
    decoded = last.decoded - first.decoded
    labtest.comment("%d frames decoded in %.1f s (%.1f fps), %d decoded in all" % (
        decoded, seconds, decoded / seconds, last.decoded))
    labtest.comment("gaps of 300 ms or more after the first second: %s" % (
        ", ".join("%.1f s at +%.1f" % (g, start - first.t) for start, g in gaps if g >= 0.3)
        or "none"))
    labtest.comment("longest gap %.2f s; W3C freezeCount %s, totalFreezesDuration %.2f s" % (
        longest, vin.get("freezeCount"), float(vin.get("totalFreezesDuration", 0))))
    labtest.comment("receiver: packetsReceived %s packetsLost %s nackCount %s "
                    "retransmittedPacketsReceived %s framesDropped %s pliCount %s "
                    "keyFramesDecoded %s" % tuple(vin.get(k) for k in (
                        "packetsReceived", "packetsLost", "nackCount",
                        "retransmittedPacketsReceived", "framesDropped", "pliCount",
                        "keyFramesDecoded")))
    labtest.comment("sender: packetsSent %s nackCount %s retransmittedPacketsSent %s "
                    "pliCount %s keyFramesEncoded %s targetBitrate %.0f" % (
                        tuple(vout.get(k) for k in ("packetsSent", "nackCount",
                                                    "retransmittedPacketsSent", "pliCount",
                                                    "keyFramesEncoded")) +
                        (last.target,)))
    assert int(vin.get("nackCount", 0)) > 0, vin
    assert int(vout.get("nackCount", 0)) > 0, vout
    assert int(vout.get("retransmittedPacketsSent", 0)) > 0, vout
    assert int(vin.get("retransmittedPacketsReceived", 0)) > 0, vin
    # Frames keep coming: every 5 s of the run decodes some.
    for start in range(0, RUN_S - 4, 5):
        n = sampler.decoded_between(first.t + start, first.t + start + 5)
        assert n > 0, "no frame decoded from +%d s to +%d s" % (start, start + 5)
    assert longest < MAX_GAP_S, "video froze for %.2f s: %s" % (longest, gaps)


def main():
    common.skip_unless_able()
    return common.run_cases({"nat": "eim"}, [test_video_survives_loss],
                            daemon_args=labmedia.DAEMON_ARGS)


if __name__ == "__main__":
    sys.exit(main())
