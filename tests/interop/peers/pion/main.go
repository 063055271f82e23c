// pion-peer: a Pion WebRTC peer driven over stdin/stdout by rtcd's
// interop tests. protocol.go describes the framing; this file maps each
// command onto Pion's API. Every command answers with exactly one reply.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/pion/webrtc/v3"
)

// params holds every argument any command takes; each command reads the
// ones it documents and ignores the rest.
type params struct {
	PC     int64    `json:"pc"`
	DC     int64    `json:"dc"`
	Config pcConfig `json:"config"`

	// Descriptions.
	Type       string `json:"type"`
	SDP        string `json:"sdp"`
	ICERestart bool   `json:"ice_restart"`

	// Candidates.
	Candidate     string  `json:"candidate"`
	SDPMid        *string `json:"sdp_mid"`
	SDPMLineIndex *uint16 `json:"sdp_mline_index"`

	// Data channels.
	Label             string  `json:"label"`
	Ordered           *bool   `json:"ordered"`
	MaxRetransmits    *uint16 `json:"max_retransmits"`
	MaxPacketLifeTime *uint16 `json:"max_packet_life_time"`
	Protocol          *string `json:"protocol"`
	Negotiated        *bool   `json:"negotiated"`
	ChannelID         *uint16 `json:"id"`
	Text              *string `json:"text"`
	Binary            *string `json:"binary"` // base64
	Enable            bool    `json:"enable"`

	// Media.
	Kind       string `json:"kind"`
	Direction  string `json:"direction"`
	StreamID   string `json:"stream_id"`
	MimeType   string `json:"mime_type"`
	Track      int    `json:"track"`
	DurationMS int64  `json:"duration_ms"`

	TimeoutMS int64 `json:"timeout_ms"`
}

type description struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

func describe(sd *webrtc.SessionDescription) interface{} {
	if sd == nil {
		return nil
	}
	return description{Type: sd.Type.String(), SDP: sd.SDP}
}

func msDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

func sdpType(s string) (webrtc.SDPType, error) {
	t := webrtc.NewSDPType(s)
	if t == webrtc.SDPType(webrtc.Unknown) {
		return t, fmt.Errorf("type: %q is not offer, pranswer, answer or rollback", s)
	}
	return t, nil
}

type handler func(r *registry, p *params) (interface{}, error)

var handlers = map[string]handler{
	"create_pc": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.createPeer(&p.Config)
		if err != nil {
			return nil, err
		}
		return map[string]interface{}{"pc": peer.id}, nil
	},
	"create_data_channel": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		init := &webrtc.DataChannelInit{
			Ordered: p.Ordered, MaxRetransmits: p.MaxRetransmits,
			MaxPacketLifeTime: p.MaxPacketLifeTime, Protocol: p.Protocol,
			Negotiated: p.Negotiated, ID: p.ChannelID,
		}
		dc, err := peer.pc.CreateDataChannel(p.Label, init)
		if err != nil {
			return nil, err
		}
		return channelInfo(r.addChannel(peer, dc, false)), nil
	},
	"add_track": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		t, err := peer.addTrack(p.Kind, p.StreamID, p.MimeType)
		if err != nil {
			return nil, err
		}
		return map[string]interface{}{"track": len(peer.tracks) - 1, "kind": t.Kind().String()}, nil
	},
	"add_transceiver": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		kind := webrtc.NewRTPCodecType(p.Kind)
		if kind == 0 {
			return nil, fmt.Errorf("kind: %q is neither audio nor video", p.Kind)
		}
		var init []webrtc.RTPTransceiverInit
		if p.Direction != "" {
			dir := webrtc.NewRTPTransceiverDirection(p.Direction)
			if dir == webrtc.RTPTransceiverDirection(webrtc.Unknown) {
				return nil, fmt.Errorf("direction: unknown value %q", p.Direction)
			}
			init = append(init, webrtc.RTPTransceiverInit{Direction: dir})
		}
		t, err := peer.pc.AddTransceiverFromKind(kind, init...)
		if err != nil {
			return nil, err
		}
		return map[string]interface{}{"kind": t.Kind().String(), "direction": t.Direction().String()}, nil
	},
	"set_codec_preferences": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		n, err := peer.preferCodec(p.Kind, p.MimeType)
		if err != nil {
			return nil, err
		}
		return map[string]interface{}{"transceivers": n}, nil
	},
	"media_counts": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		return peer.rtpCounts(), nil
	},
	"write_sample": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		payload, err := base64.StdEncoding.DecodeString(derefOr(p.Binary, ""))
		if err != nil {
			return nil, fmt.Errorf("binary: %v", err)
		}
		return nil, peer.writeSample(p.Track, payload, p.DurationMS)
	},
	"create_offer": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		sd, err := peer.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: p.ICERestart})
		if err != nil {
			return nil, err
		}
		return describe(&sd), nil
	},
	"create_answer": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		sd, err := peer.pc.CreateAnswer(nil)
		if err != nil {
			return nil, err
		}
		return describe(&sd), nil
	},
	"set_local_description": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		t, err := sdpType(p.Type)
		if err != nil {
			return nil, err
		}
		sd := webrtc.SessionDescription{Type: t, SDP: p.SDP}
		// An empty sdp asks for the implicit description, as in W3C.
		if p.SDP == "" && t == webrtc.SDPTypeOffer {
			if sd, err = peer.pc.CreateOffer(nil); err != nil {
				return nil, err
			}
		} else if p.SDP == "" && (t == webrtc.SDPTypeAnswer || t == webrtc.SDPTypePranswer) {
			if sd, err = peer.pc.CreateAnswer(nil); err != nil {
				return nil, err
			}
			sd.Type = t
		}
		if err := peer.pc.SetLocalDescription(sd); err != nil {
			return nil, err
		}
		return describe(peer.pc.LocalDescription()), nil
	},
	"set_remote_description": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		t, err := sdpType(p.Type)
		if err != nil {
			return nil, err
		}
		return nil, peer.pc.SetRemoteDescription(webrtc.SessionDescription{Type: t, SDP: p.SDP})
	},
	"add_ice_candidate": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		return nil, peer.pc.AddICECandidate(webrtc.ICECandidateInit{
			Candidate: p.Candidate, SDPMid: p.SDPMid, SDPMLineIndex: p.SDPMLineIndex,
		})
	},
	"local_description": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		return describe(peer.pc.LocalDescription()), nil
	},
	"remote_description": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		return describe(peer.pc.RemoteDescription()), nil
	},
	// Waits until candidate gathering is complete and answers with the
	// local description, which then carries every candidate: the way to
	// signal without trickle.
	"gathering_complete": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		if peer.pc.LocalDescription() == nil {
			return nil, fmt.Errorf("no local description: gathering has not started")
		}
		timeout := msDuration(p.TimeoutMS)
		if timeout <= 0 {
			timeout = 10 * time.Second
		}
		select {
		case <-webrtc.GatheringCompletePromise(peer.pc):
			return describe(peer.pc.LocalDescription()), nil
		case <-time.After(timeout):
			return nil, fmt.Errorf("gathering not complete after %v", timeout)
		}
	},
	"state": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		return map[string]string{
			"signaling":      peer.pc.SignalingState().String(),
			"ice_gathering":  peer.pc.ICEGatheringState().String(),
			"ice_connection": peer.pc.ICEConnectionState().String(),
			"connection":     peer.pc.ConnectionState().String(),
		}, nil
	},
	"get_stats": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		return peer.pc.GetStats(), nil
	},
	"close_pc": func(r *registry, p *params) (interface{}, error) {
		peer, err := r.peer(p.PC)
		if err != nil {
			return nil, err
		}
		// W3C close() does not fail. Pion's returns what its transports
		// said on the way down: "conn is closed" when rtcd's close_notify
		// came first, a race the scenarios do not care about.
		if err := peer.pc.Close(); err != nil {
			log.Printf("close_pc %d: %v", p.PC, err)
		}
		return nil, nil
	},
	"dc_state": func(r *registry, p *params) (interface{}, error) {
		c, err := r.channel(p.DC)
		if err != nil {
			return nil, err
		}
		info := channelInfo(c)
		info["buffered_amount"] = c.dc.BufferedAmount()
		return info, nil
	},
	"send": func(r *registry, p *params) (interface{}, error) {
		c, err := r.channel(p.DC)
		if err != nil {
			return nil, err
		}
		switch {
		case p.Text != nil && p.Binary == nil:
			return nil, c.dc.SendText(*p.Text)
		case p.Binary != nil && p.Text == nil:
			data, err := base64.StdEncoding.DecodeString(*p.Binary)
			if err != nil {
				return nil, fmt.Errorf("binary: %v", err)
			}
			return nil, c.dc.Send(data)
		default:
			return nil, fmt.Errorf("send needs exactly one of text and binary")
		}
	},
	"echo": func(r *registry, p *params) (interface{}, error) {
		c, err := r.channel(p.DC)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.echo = p.Enable
		c.mu.Unlock()
		return nil, nil
	},
	"close_dc": func(r *registry, p *params) (interface{}, error) {
		c, err := r.channel(p.DC)
		if err != nil {
			return nil, err
		}
		return nil, c.dc.Close()
	},
}

func derefOr(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

// blocking commands run on their own goroutine so that the test can keep
// talking to the peer while one waits.
var blocking = map[string]bool{"gathering_complete": true}

func main() {
	log.SetOutput(os.Stderr)
	log.SetPrefix("pion-peer: ")
	out := newEmitter(os.Stdout)
	reg := newRegistry(out)

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 16*1024*1024) // SDP with many candidates is long
	for in.Scan() {
		line := in.Bytes()
		if len(line) == 0 {
			continue
		}
		var req request
		if err := json.Unmarshal(line, &req); err != nil {
			out.reply(0, nil, fmt.Errorf("request is not JSON: %v", err))
			continue
		}
		if req.Cmd == "quit" {
			out.reply(req.ID, nil, nil)
			break
		}
		h, ok := handlers[req.Cmd]
		if !ok {
			out.reply(req.ID, nil, fmt.Errorf("unknown command %q", req.Cmd))
			continue
		}
		p := new(params)
		if len(req.Args) == 0 {
			req.Args = json.RawMessage("{}")
		}
		if err := json.Unmarshal(req.Args, p); err != nil {
			out.reply(req.ID, nil, fmt.Errorf("%s: bad arguments: %v", req.Cmd, err))
			continue
		}
		run := func(id int64) {
			result, err := h(reg, p)
			out.reply(id, result, err)
		}
		if blocking[req.Cmd] {
			go run(req.ID)
		} else {
			run(req.ID)
		}
	}
	if err := in.Err(); err != nil {
		log.Printf("stdin: %v", err)
	}
	// stdin closed or quit: the test is done with us.
	reg.closeAll()
}
