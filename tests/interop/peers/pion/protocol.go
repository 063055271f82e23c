// The wire protocol between a test and this peer: one JSON object per line.
//
// The test writes requests on stdin:
//
//	{"id": 7, "cmd": "create_offer", "args": {"pc": 1}}
//
// (the arguments apart from the envelope, so that a data channel's "id" is
// an argument like any other) and gets exactly one reply per request on
// stdout, matched by "id":
//
//	{"id": 7, "ok": true, "result": {...}}
//	{"id": 7, "ok": false, "error": "why"}
//
// Events arrive on stdout at any time, without "id":
//
//	{"event": "ice_candidate", "pc": 1, "candidate": "...", ...}
//
// Logs (ours and Pion's) go to stderr, so stdout carries nothing else.
package main

import (
	"encoding/json"
	"io"
	"sync"
)

type request struct {
	ID   int64           `json:"id"`
	Cmd  string          `json:"cmd"`
	Args json.RawMessage `json:"args"`
}

type reply struct {
	ID     int64       `json:"id"`
	OK     bool        `json:"ok"`
	Result interface{} `json:"result,omitempty"`
	Error  string      `json:"error,omitempty"`
}

// emitter serialises every line written to stdout: replies come from the
// command loop, events from Pion's callback goroutines.
type emitter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func newEmitter(w io.Writer) *emitter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &emitter{enc: enc}
}

func (e *emitter) write(v interface{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	// An encoding error means stdout is gone: the test has exited and
	// there is nobody left to tell.
	_ = e.enc.Encode(v)
}

func (e *emitter) reply(id int64, result interface{}, err error) {
	if err != nil {
		e.write(reply{ID: id, OK: false, Error: err.Error()})
		return
	}
	e.write(reply{ID: id, OK: true, Result: result})
}

// event sends an unsolicited notification; fields are merged into the
// object next to "event".
func (e *emitter) event(name string, fields map[string]interface{}) {
	obj := map[string]interface{}{"event": name}
	for k, v := range fields {
		obj[k] = v
	}
	e.write(obj)
}
