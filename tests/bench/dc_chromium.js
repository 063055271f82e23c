// SPDX-License-Identifier: LGPL-2.1-or-later
// Chromium's side of the data-channel benchmark: two RTCPeerConnections in
// one page, connected to each other, measured with the page's own clock.
// Evaluated into the page by dc_chromium.py; defines window.dcBench.
(() => {
  "use strict";
  const HIGH = 4 << 20, LOW = 1 << 20;  // sender flow control, as in dc-pion

  // A pair up to "open" at both ends: {pc1, pc2, tx, rx, ms} where ms runs
  // from the createOffer call to the later of the two open events.
  async function connect() {
    const pc1 = new RTCPeerConnection(), pc2 = new RTCPeerConnection();
    pc1.onicecandidate = (e) => e.candidate && pc2.addIceCandidate(e.candidate);
    pc2.onicecandidate = (e) => e.candidate && pc1.addIceCandidate(e.candidate);
    const tx = pc1.createDataChannel("bench");
    const txOpen = new Promise((ok) => { tx.onopen = () => ok(performance.now()); });
    const rxOpen = new Promise((ok) => {
      pc2.ondatachannel = (e) => {
        const ch = e.channel;
        if (ch.readyState === "open") ok([ch, performance.now()]);
        else ch.onopen = () => ok([ch, performance.now()]);
      };
    });
    const t0 = performance.now();
    const offer = await pc1.createOffer();
    await pc1.setLocalDescription(offer);
    await pc2.setRemoteDescription(offer);
    const answer = await pc2.createAnswer();
    await pc2.setLocalDescription(answer);
    await pc1.setRemoteDescription(answer);
    const [t1, [rx, t2]] = await Promise.all([txOpen, rxOpen]);
    return { pc1, pc2, tx, rx, ms: Math.max(t1, t2) - t0 };
  }

  function close(pair) {
    pair.pc1.close();
    pair.pc2.close();
  }

  async function offerToOpen(runs) {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const pair = await connect();
      times.push(pair.ms);
      close(pair);
    }
    return times;
  }

  // count messages of size bytes, each starting with its sequence number
  // (8 bytes, big-endian); the receiver checks size and order of every one.
  function transfer(pair, count, size) {
    const { tx, rx } = pair;
    rx.binaryType = "arraybuffer";
    const got = { count: 0, bytes: 0, bad: 0 };
    const done = new Promise((ok) => {
      rx.onmessage = (e) => {
        const d = e.data;
        if (!(d instanceof ArrayBuffer) || d.byteLength !== size ||
            new DataView(d).getBigUint64(0) !== BigInt(got.count))
          got.bad++;
        got.count++;
        got.bytes += d.byteLength || 0;
        if (got.count === count) ok(performance.now());
      };
    });
    tx.bufferedAmountLowThreshold = LOW;
    const msg = new ArrayBuffer(size), view = new DataView(msg);
    const t0 = performance.now();
    let seq = 0;
    const pump = () => {
      while (seq < count) {
        if (tx.bufferedAmount > HIGH) {
          tx.onbufferedamountlow = () => { tx.onbufferedamountlow = null; pump(); };
          return;
        }
        view.setBigUint64(0, BigInt(seq++));
        tx.send(msg);
      }
    };
    pump();
    return done.then((t1) => Object.assign(got, { ms: t1 - t0 }));
  }

  async function bulk(runs, total, size) {
    const pair = await connect();
    const results = [];
    for (let i = 0; i < runs; i++)
      results.push(await transfer(pair, Math.floor(total / size), size));
    close(pair);
    return results;
  }

  // count pairs connected and kept open, for the memory measurement;
  // release() closes them. Connected a few at a time, as apps would.
  const held = [];
  async function hold(count) {
    const warmup = await connect();  // one-time setup is not per connection
    close(warmup);
    while (held.length < count)
      held.push(...await Promise.all(
        Array.from({ length: Math.min(10, count - held.length) }, connect)));
    return held.length;
  }

  function release() {
    held.splice(0).forEach(close);
    return true;
  }

  window.dcBench = { offerToOpen, bulk, hold, release };
})();
