// dc-pion: one side of a Pion data-channel pair for rtcd's data-channel
// benchmark (../bench_datachannel.py), driven over stdin/stdout with the
// framing of tests/interop/peers/linepeer.py: a request per line
//
//	{"id": 3, "cmd": "offer", "pc": 1}
//
// gets exactly one reply, {"id": 3, "ok": true, "result": {...}} or
// {"id": 3, "ok": false, "error": "why"}; events ({"event": "open", "pc": 1})
// come at any time. Commands:
//
//	create  interfaces [names], channel bool -> {"pc": n}   (channel: make "bench")
//	offer   pc           -> {"sdp"}   CreateOffer, SetLocalDescription, all candidates
//	answer  pc, sdp      -> {"sdp"}   the offer applied, the answer made and applied
//	accept  pc, sdp                   the answer applied
//	expect  pc, count, size           count messages of size bytes to come
//	send    pc, count, size           replies once every message is handed to Pion
//	close   pc
//	pid                  -> {"pid"}   for the benchmark's /proc readings
//	quit
//
// Events: "open" (the channel is open), "received" (count, bytes, bad: the
// messages an expect asked for have all arrived; bad counts those whose size
// or sequence number, the first 8 bytes big-endian, was not the next one).
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/webrtc/v3"
)

// Sender flow control: wait when Pion holds more than high bytes, until it
// drops below low, as a browser app does with bufferedAmountLowThreshold.
const (
	high = 4 << 20
	low  = 1 << 20
)

type params struct {
	ID         int64    `json:"id"`
	Cmd        string   `json:"cmd"`
	PC         int64    `json:"pc"`
	SDP        string   `json:"sdp"`
	Interfaces []string `json:"interfaces"`
	Channel    bool     `json:"channel"`
	Count      uint64   `json:"count"`
	Size       int      `json:"size"`
}

type counter struct {
	mu              sync.Mutex
	want, size      uint64
	got, bytes, bad uint64
	armed           bool
}

type peer struct {
	id   int64
	pc   *webrtc.PeerConnection
	mu   sync.Mutex
	dc   *webrtc.DataChannel
	rx   counter
	lowC chan struct{}
}

type out struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *out) write(v interface{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_ = o.enc.Encode(v) // stdout gone: nobody left to tell
}

type server struct {
	out   *out
	peers map[int64]*peer
	next  int64
}

func (s *server) settings(interfaces []string) webrtc.SettingEngine {
	var se webrtc.SettingEngine
	lf := logging.NewDefaultLoggerFactory()
	lf.Writer = os.Stderr // stdout carries the protocol
	se.LoggerFactory = lf
	if len(interfaces) > 0 {
		allowed := map[string]bool{}
		for _, name := range interfaces {
			allowed[name] = true
		}
		se.SetInterfaceFilter(func(name string) bool { return allowed[name] })
	}
	return se
}

func (s *server) create(p params) (interface{}, error) {
	api := webrtc.NewAPI(webrtc.WithSettingEngine(s.settings(p.Interfaces)))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	s.next++
	pe := &peer{id: s.next, pc: pc, lowC: make(chan struct{}, 1)}
	s.peers[pe.id] = pe
	if p.Channel {
		dc, err := pc.CreateDataChannel("bench", nil)
		if err != nil {
			return nil, err
		}
		s.watch(pe, dc)
	}
	pc.OnDataChannel(func(dc *webrtc.DataChannel) { s.watch(pe, dc) })
	return map[string]int64{"pc": pe.id}, nil
}

func (s *server) watch(pe *peer, dc *webrtc.DataChannel) {
	pe.mu.Lock()
	pe.dc = dc
	pe.mu.Unlock()
	dc.SetBufferedAmountLowThreshold(low)
	dc.OnBufferedAmountLow(func() {
		select {
		case pe.lowC <- struct{}{}:
		default:
		}
	})
	dc.OnOpen(func() { s.out.write(map[string]interface{}{"event": "open", "pc": pe.id}) })
	dc.OnMessage(func(m webrtc.DataChannelMessage) { s.receive(pe, m.Data) })
}

func (s *server) receive(pe *peer, data []byte) {
	c := &pe.rx
	c.mu.Lock()
	defer c.mu.Unlock()
	if uint64(len(data)) != c.size || len(data) < 8 || binary.BigEndian.Uint64(data) != c.got {
		c.bad++
	}
	c.got++
	c.bytes += uint64(len(data))
	if c.armed && c.got == c.want {
		c.armed = false
		s.out.write(map[string]interface{}{"event": "received", "pc": pe.id,
			"count": c.got, "bytes": c.bytes, "bad": c.bad})
	}
}

// describe waits for every candidate and returns the local description.
func describe(pc *webrtc.PeerConnection, sdp webrtc.SessionDescription) (interface{}, error) {
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(sdp); err != nil {
		return nil, err
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("gathering did not complete")
	}
	return map[string]string{"sdp": pc.LocalDescription().SDP}, nil
}

func (s *server) send(pe *peer, count uint64, size int) error {
	pe.mu.Lock()
	dc := pe.dc
	pe.mu.Unlock()
	if dc == nil || size < 8 {
		return fmt.Errorf("no open channel, or size below 8")
	}
	msg := make([]byte, size)
	for seq := uint64(0); seq < count; seq++ {
		for dc.BufferedAmount() > high {
			// The timeout covers a low signal that fired before we looked.
			select {
			case <-pe.lowC:
			case <-time.After(50 * time.Millisecond):
			}
		}
		binary.BigEndian.PutUint64(msg, seq)
		if err := dc.Send(msg); err != nil {
			return err
		}
	}
	return nil
}

func (s *server) handle(p params) (interface{}, error) {
	if p.Cmd == "create" {
		return s.create(p)
	}
	if p.Cmd == "pid" {
		return map[string]int{"pid": os.Getpid()}, nil
	}
	pe, ok := s.peers[p.PC]
	if !ok {
		return nil, fmt.Errorf("no peer connection %d", p.PC)
	}
	switch p.Cmd {
	case "offer":
		offer, err := pe.pc.CreateOffer(nil)
		if err != nil {
			return nil, err
		}
		return describe(pe.pc, offer)
	case "answer":
		if err := pe.pc.SetRemoteDescription(webrtc.SessionDescription{
			Type: webrtc.SDPTypeOffer, SDP: p.SDP}); err != nil {
			return nil, err
		}
		answer, err := pe.pc.CreateAnswer(nil)
		if err != nil {
			return nil, err
		}
		return describe(pe.pc, answer)
	case "accept":
		return nil, pe.pc.SetRemoteDescription(webrtc.SessionDescription{
			Type: webrtc.SDPTypeAnswer, SDP: p.SDP})
	case "expect":
		c := &pe.rx
		c.mu.Lock()
		c.want, c.size, c.got, c.bytes, c.bad, c.armed = p.Count, uint64(p.Size), 0, 0, 0, true
		c.mu.Unlock()
		return nil, nil
	case "send":
		return nil, s.send(pe, p.Count, p.Size)
	case "close":
		delete(s.peers, pe.id)
		return nil, pe.pc.Close()
	}
	return nil, fmt.Errorf("unknown command %q", p.Cmd)
}

func main() {
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	s := &server{out: &out{enc: enc}, peers: map[int64]*peer{}}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	for in.Scan() {
		var p params
		if err := json.Unmarshal(in.Bytes(), &p); err != nil {
			s.out.write(map[string]interface{}{"event": "protocol_error", "error": err.Error()})
			continue
		}
		if p.Cmd == "quit" {
			s.out.write(map[string]interface{}{"id": p.ID, "ok": true})
			break
		}
		result, err := s.handle(p)
		if err != nil {
			s.out.write(map[string]interface{}{"id": p.ID, "ok": false, "error": err.Error()})
		} else {
			s.out.write(map[string]interface{}{"id": p.ID, "ok": true, "result": result})
		}
	}
	for _, pe := range s.peers {
		_ = pe.pc.Close()
	}
}
