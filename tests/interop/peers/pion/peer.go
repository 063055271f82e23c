// Peer connections and data channels, named by small integers so that the
// test can refer to them in requests and recognise them in events.
package main

import (
	"encoding/base64"
	"fmt"
	"log"
	"os"
	"strings"
	"sync"

	"github.com/pion/ice/v2"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v3"
	"github.com/pion/webrtc/v3/pkg/media"
)

type iceServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username"`
	Credential string   `json:"credential"`
}

// pcConfig mirrors RTCConfiguration, plus the SettingEngine knobs that
// tests need to pin down Pion's behaviour in a network namespace.
type pcConfig struct {
	ICEServers         []iceServer `json:"ice_servers"`
	ICETransportPolicy string      `json:"ice_transport_policy"`
	BundlePolicy       string      `json:"bundle_policy"`

	IncludeLoopback bool     `json:"include_loopback"`
	MDNS            string   `json:"mdns"` // "disabled" (default), "query", "gather"
	Interfaces      []string `json:"interfaces"`
	NetworkTypes    []string `json:"network_types"`
	PortMin         uint16   `json:"port_min"`
	PortMax         uint16   `json:"port_max"`

	// Echo makes every channel the remote peer opens send each message
	// straight back: the far side of a data-channel echo test.
	Echo bool `json:"echo"`
}

type peer struct {
	id   int64
	pc   *webrtc.PeerConnection
	echo bool
	// Media tracks added with add_track, kept so a later request can feed
	// them samples.
	tracks []*webrtc.TrackLocalStaticSample

	// RTP received on remote tracks, per SSRC and payload type: what a
	// media test reads with media_counts.
	rtpMu sync.Mutex
	rtpIn map[rtpKey]*rtpCount
}

type rtpKey struct {
	ssrc uint32
	pt   uint8
}

type rtpCount struct {
	Kind     string `json:"kind"`
	MimeType string `json:"mime_type"`
	SSRC     uint32 `json:"ssrc"`
	PT       uint8  `json:"payload_type"`
	Packets  int64  `json:"packets"`
	Bytes    int64  `json:"bytes"` // RTP payload
}

func (p *peer) countRTP(t *webrtc.TrackRemote, ssrc uint32, pt uint8, payload int) {
	p.rtpMu.Lock()
	defer p.rtpMu.Unlock()
	if p.rtpIn == nil {
		p.rtpIn = map[rtpKey]*rtpCount{}
	}
	k := rtpKey{ssrc, pt}
	c := p.rtpIn[k]
	if c == nil {
		c = &rtpCount{Kind: t.Kind().String(), MimeType: t.Codec().MimeType, SSRC: ssrc, PT: pt}
		p.rtpIn[k] = c
	}
	c.Packets++
	c.Bytes += int64(payload)
}

func (p *peer) rtpCounts() []rtpCount {
	p.rtpMu.Lock()
	defer p.rtpMu.Unlock()
	out := make([]rtpCount, 0, len(p.rtpIn))
	for _, c := range p.rtpIn {
		out = append(out, *c)
	}
	return out
}

type channel struct {
	id   int64
	pc   int64
	dc   *webrtc.DataChannel
	mu   sync.Mutex
	echo bool
}

type registry struct {
	out      *emitter
	mu       sync.Mutex
	nextID   int64
	peers    map[int64]*peer
	channels map[int64]*channel
}

func newRegistry(out *emitter) *registry {
	return &registry{out: out, peers: map[int64]*peer{}, channels: map[int64]*channel{}}
}

func (r *registry) allocID() int64 {
	r.nextID++
	return r.nextID
}

func (r *registry) peer(id int64) (*peer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.peers[id]
	if !ok {
		return nil, fmt.Errorf("no peer connection %d", id)
	}
	return p, nil
}

func (r *registry) channel(id int64) (*channel, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.channels[id]
	if !ok {
		return nil, fmt.Errorf("no data channel %d", id)
	}
	return c, nil
}

func settingEngine(cfg *pcConfig) (webrtc.SettingEngine, error) {
	var se webrtc.SettingEngine
	// Pion's default logger writes to stdout, which carries our protocol.
	lf := logging.NewDefaultLoggerFactory()
	lf.Writer = os.Stderr
	se.LoggerFactory = lf

	se.SetIncludeLoopbackCandidate(cfg.IncludeLoopback)
	switch cfg.MDNS {
	case "", "disabled":
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	case "query":
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeQueryOnly)
	case "gather":
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeQueryAndGather)
	default:
		return se, fmt.Errorf("mdns: unknown mode %q", cfg.MDNS)
	}
	if len(cfg.Interfaces) > 0 {
		allowed := map[string]bool{}
		for _, name := range cfg.Interfaces {
			allowed[name] = true
		}
		se.SetInterfaceFilter(func(name string) bool { return allowed[name] })
	}
	if len(cfg.NetworkTypes) > 0 {
		var types []webrtc.NetworkType
		for _, s := range cfg.NetworkTypes {
			t, err := webrtc.NewNetworkType(s)
			if err != nil {
				return se, err
			}
			types = append(types, t)
		}
		se.SetNetworkTypes(types)
	}
	if cfg.PortMin != 0 || cfg.PortMax != 0 {
		if err := se.SetEphemeralUDPPortRange(cfg.PortMin, cfg.PortMax); err != nil {
			return se, err
		}
	}
	return se, nil
}

func configuration(cfg *pcConfig) (webrtc.Configuration, error) {
	var c webrtc.Configuration
	for _, s := range cfg.ICEServers {
		srv := webrtc.ICEServer{URLs: s.URLs, Username: s.Username}
		if s.Credential != "" {
			srv.Credential = s.Credential
			srv.CredentialType = webrtc.ICECredentialTypePassword
		}
		c.ICEServers = append(c.ICEServers, srv)
	}
	switch cfg.ICETransportPolicy {
	case "", "all":
		c.ICETransportPolicy = webrtc.ICETransportPolicyAll
	case "relay":
		c.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	default:
		return c, fmt.Errorf("ice_transport_policy: unknown value %q", cfg.ICETransportPolicy)
	}
	switch cfg.BundlePolicy {
	case "":
	case "balanced":
		c.BundlePolicy = webrtc.BundlePolicyBalanced
	case "max-compat":
		c.BundlePolicy = webrtc.BundlePolicyMaxCompat
	case "max-bundle":
		c.BundlePolicy = webrtc.BundlePolicyMaxBundle
	default:
		return c, fmt.Errorf("bundle_policy: unknown value %q", cfg.BundlePolicy)
	}
	return c, nil
}

func (r *registry) createPeer(cfg *pcConfig) (*peer, error) {
	se, err := settingEngine(cfg)
	if err != nil {
		return nil, err
	}
	conf, err := configuration(cfg)
	if err != nil {
		return nil, err
	}
	var me webrtc.MediaEngine
	if err := me.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(&me))
	pc, err := api.NewPeerConnection(conf)
	if err != nil {
		return nil, err
	}

	r.mu.Lock()
	p := &peer{id: r.allocID(), pc: pc, echo: cfg.Echo}
	r.peers[p.id] = p
	r.mu.Unlock()
	r.watchPeer(p)
	return p, nil
}

// watchPeer turns every Pion callback into an event on stdout.
func (r *registry) watchPeer(p *peer) {
	ev := func(name string, fields map[string]interface{}) {
		fields["pc"] = p.id
		r.out.event(name, fields)
	}
	p.pc.OnSignalingStateChange(func(s webrtc.SignalingState) {
		ev("signaling_state", map[string]interface{}{"state": s.String()})
	})
	p.pc.OnICEGatheringStateChange(func(s webrtc.ICEGathererState) {
		ev("ice_gathering_state", map[string]interface{}{"state": s.String()})
	})
	p.pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		ev("ice_connection_state", map[string]interface{}{"state": s.String()})
	})
	p.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		ev("connection_state", map[string]interface{}{"state": s.String()})
	})
	p.pc.OnNegotiationNeeded(func() {
		ev("negotiation_needed", map[string]interface{}{})
	})
	p.pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			// W3C's end-of-candidates: an empty candidate.
			ev("ice_candidate", map[string]interface{}{"candidate": ""})
			return
		}
		init := c.ToJSON()
		fields := map[string]interface{}{"candidate": init.Candidate}
		if init.SDPMid != nil {
			fields["sdp_mid"] = *init.SDPMid
		}
		if init.SDPMLineIndex != nil {
			fields["sdp_mline_index"] = *init.SDPMLineIndex
		}
		ev("ice_candidate", fields)
	})
	p.pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		c := r.addChannel(p, dc, p.echo)
		ev("data_channel", channelInfo(c))
	})
	p.pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		ev("track", map[string]interface{}{
			"kind":      t.Kind().String(),
			"id":        t.ID(),
			"stream_id": t.StreamID(),
			"mime_type": t.Codec().MimeType,
		})
		// Drain the track so that Pion's buffers never fill; count what
		// arrived so a media test can see that packets flow.
		go func() {
			packets := 0
			for {
				pkt, _, err := t.ReadRTP()
				if err != nil {
					ev("track_ended", map[string]interface{}{"id": t.ID(), "packets": packets})
					return
				}
				p.countRTP(t, pkt.SSRC, pkt.PayloadType, len(pkt.Payload))
				packets++
				if packets == 1 {
					ev("track_rtp", map[string]interface{}{"id": t.ID()})
				}
			}
		}()
	})
}

func (r *registry) addChannel(p *peer, dc *webrtc.DataChannel, echo bool) *channel {
	r.mu.Lock()
	c := &channel{id: r.allocID(), pc: p.id, dc: dc, echo: echo}
	r.channels[c.id] = c
	r.mu.Unlock()

	ev := func(name string, fields map[string]interface{}) {
		fields["pc"] = p.id
		fields["dc"] = c.id
		r.out.event(name, fields)
	}
	dc.OnOpen(func() { ev("dc_open", channelInfo(c)) })
	dc.OnClose(func() { ev("dc_close", map[string]interface{}{}) })
	dc.OnError(func(err error) { ev("dc_error", map[string]interface{}{"error": err.Error()}) })
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		fields := map[string]interface{}{}
		if m.IsString {
			fields["text"] = string(m.Data)
		} else {
			fields["binary"] = base64.StdEncoding.EncodeToString(m.Data)
		}
		ev("dc_message", fields)

		c.mu.Lock()
		echo := c.echo
		c.mu.Unlock()
		if !echo {
			return
		}
		var err error
		if m.IsString {
			err = dc.SendText(string(m.Data))
		} else {
			err = dc.Send(m.Data)
		}
		if err != nil {
			ev("dc_error", map[string]interface{}{"error": "echo: " + err.Error()})
		}
	})
	return c
}

func channelInfo(c *channel) map[string]interface{} {
	info := map[string]interface{}{
		"dc":          c.id,
		"label":       c.dc.Label(),
		"protocol":    c.dc.Protocol(),
		"ordered":     c.dc.Ordered(),
		"negotiated":  c.dc.Negotiated(),
		"ready_state": c.dc.ReadyState().String(),
	}
	if id := c.dc.ID(); id != nil {
		info["id"] = *id
	}
	if v := c.dc.MaxRetransmits(); v != nil {
		info["max_retransmits"] = *v
	}
	if v := c.dc.MaxPacketLifeTime(); v != nil {
		info["max_packet_life_time"] = *v
	}
	return info
}

// addTrack adds a local audio (Opus) or video (VP8) track, so that offers
// carry media sections the way an application's would.
// mimeType overrides the video codec (webrtc.MimeTypeH264).
func (p *peer) addTrack(kind, streamID, mimeType string) (*webrtc.RTPTransceiver, error) {
	var mime string
	switch kind {
	case "audio":
		mime = webrtc.MimeTypeOpus
	case "video":
		mime = webrtc.MimeTypeVP8
		if mimeType != "" {
			mime = mimeType
		}
	default:
		return nil, fmt.Errorf("kind: %q is neither audio nor video", kind)
	}
	if streamID == "" {
		streamID = "pion-stream"
	}
	track, err := webrtc.NewTrackLocalStaticSample(
		webrtc.RTPCodecCapability{MimeType: mime}, fmt.Sprintf("pion-%s-%d", kind, len(p.tracks)), streamID)
	if err != nil {
		return nil, err
	}
	sender, err := p.pc.AddTrack(track)
	if err != nil {
		return nil, err
	}
	p.tracks = append(p.tracks, track)
	for _, t := range p.pc.GetTransceivers() {
		if t.Sender() == sender {
			return t, nil
		}
	}
	return nil, fmt.Errorf("the transceiver of the new track is missing")
}

// writeSample feeds a local track opaque payload bytes as one media sample;
// a receiver sees RTP packets even though no real codec produced them.
func (p *peer) writeSample(index int, payload []byte, durationMS int64) error {
	if index < 0 || index >= len(p.tracks) {
		return fmt.Errorf("no local track %d", index)
	}
	return p.tracks[index].WriteSample(media.Sample{Data: payload, Duration: msDuration(durationMS)})
}

func (r *registry) closeAll() {
	r.mu.Lock()
	peers := make([]*peer, 0, len(r.peers))
	for _, p := range r.peers {
		peers = append(peers, p)
	}
	r.mu.Unlock()
	for _, p := range peers {
		if err := p.pc.Close(); err != nil {
			log.Printf("closing peer connection %d: %v", p.id, err)
		}
	}
}

// preferCodec puts the codecs of mimeType first on every transceiver of
// kind (W3C setCodecPreferences), RTX left out: payload types are zeroed
// so that each is the one negotiated, which an answer must use.
func (p *peer) preferCodec(kind, mimeType string) (int, error) {
	n := 0
	for _, t := range p.pc.GetTransceivers() {
		if t.Kind().String() != kind || t.Sender() == nil {
			continue
		}
		var first, rest []webrtc.RTPCodecParameters
		for _, c := range t.Sender().GetParameters().Codecs {
			c.PayloadType = 0
			switch {
			case strings.EqualFold(c.MimeType, "video/rtx"):
			case strings.EqualFold(c.MimeType, mimeType):
				first = append(first, c)
			default:
				rest = append(rest, c)
			}
		}
		if len(first) == 0 {
			return 0, fmt.Errorf("%s: not a codec of this Pion", mimeType)
		}
		if err := t.SetCodecPreferences(append(first, rest...)); err != nil {
			return 0, err
		}
		n++
	}
	if n == 0 {
		return 0, fmt.Errorf("no %s transceiver with a sender", kind)
	}
	return n, nil
}
