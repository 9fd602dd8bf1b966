package selfservice

import (
	"bytes"
	"encoding/json"
	"maps"
	"time"
)

// object is a JSON object's members as received. Types that go back to
// Digdir after a read (Client on PUT, JWK on a key-set POST) keep it, so
// that members this package does not model are sent back unchanged.
type object map[string]json.RawMessage

// merge lays the typed fields (a struct type without JSON methods, whose
// tags have no omitempty) over the members as received:
//   - a member the program did not change keeps its received bytes;
//   - a changed member gets its new value;
//   - a zero value is sent only for a member that was received, so values
//     built locally stay minimal and received zeros survive a round trip;
//   - null is never sent.
func merge[T any](fields T, received object) (object, error) {
	now, err := members(fields)
	if err != nil {
		return nil, err
	}
	var was object
	if received != nil {
		// What the typed fields looked like right after decoding: equal
		// means unchanged, so the original bytes are kept.
		var orig T
		b, err := json.Marshal(received)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &orig); err != nil {
			return nil, err
		}
		if was, err = members(orig); err != nil {
			return nil, err
		}
	}
	out := maps.Clone(received)
	if out == nil {
		out = object{}
	}
	for k, v := range now {
		_, got := received[k]
		switch {
		case got && bytes.Equal(v, was[k]):
			// unchanged: keep the received bytes
		case string(v) == "null":
			delete(out, k)
		case got || !isZeroJSON(v):
			out[k] = v
		}
	}
	return out, nil
}

func members(v any) (object, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m object
	err = json.Unmarshal(b, &m)
	return m, err
}

func isZeroJSON(v json.RawMessage) bool {
	switch string(v) {
	case `""`, `0`, `false`, `null`, `[]`, `{}`:
		return true
	}
	return false
}

// parseTime reads a Digdir timestamp ("2021-09-15T10:20:43.354+02:00").
// Timestamps are informational, so one in an unexpected form gives the zero
// time rather than failing the whole answer.
func parseTime(raw json.RawMessage) time.Time {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
