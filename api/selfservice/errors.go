package selfservice

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/systembruker/systembruker/internal/redact"
)

// Error is a refusal from the self-service API. Error() is one line for
// humans, Hint() the next step, Verbose() the raw answer for --verbose. None
// of them ever holds a token.
type Error struct {
	Status        int
	CorrelationID string       // Digdir's correlation_id, for support requests
	Fields        []FieldError // Field is "" for a message about the whole request
	Method, Path  string       // the request, relative to the API base
	Body          []byte       // the raw answer, JWTs redacted
}

// FieldError is one entry of the answer's errors[].
type FieldError struct {
	Field   string // fieldIdentifier, e.g. "scopes"
	Message string
}

func (e *Error) Error() string {
	var msgs []string
	for _, f := range e.Fields {
		if f.Field != "" {
			msgs = append(msgs, f.Field+": "+f.Message)
		} else {
			msgs = append(msgs, f.Message)
		}
	}
	if len(msgs) > 0 {
		return "self-service API: " + strings.Join(msgs, "; ")
	}
	s := fmt.Sprintf("self-service API: %s %s: HTTP %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if len(strings.TrimSpace(string(e.Body))) > 0 && !json.Valid(e.Body) {
		s += " (the answer was not JSON)"
	}
	return s
}

// Hint is the next step for the user, or "".
func (e *Error) Hint() string {
	switch {
	case e.Status == http.StatusUnauthorized:
		return "the admin token was refused: is the admin client's key registered and are its idporten:dcr.* scopes granted? check `systembruker admin set`"
	case e.Status == http.StatusForbidden:
		return "the admin client may not do this: it needs idporten:dcr.write (create/update/delete, keys) or idporten:dcr.read (reads)"
	case e.NotFound() && strings.HasPrefix(e.Path, "/clients/"):
		return "check the client id with `systembruker client list`: clients of other organisations or of the other environment are not visible"
	case e.Status == http.StatusTooManyRequests || e.Status >= 500:
		h := "Digdir's self-service API is busy or down: try again in a few minutes"
		if e.CorrelationID != "" {
			h += "; if it persists, give servicedesk@digdir.no the correlation id " + e.CorrelationID
		}
		return h
	case len(e.Fields) == 0 && len(e.Body) > 0:
		return "run again with --verbose to see Digdir's full answer"
	}
	return ""
}

// Verbose is the request line and the raw answer.
func (e *Error) Verbose() string {
	s := fmt.Sprintf("%s %s → HTTP %d", e.Method, e.Path, e.Status)
	if e.CorrelationID != "" {
		s += " (correlation id " + e.CorrelationID + ")"
	}
	if len(e.Body) > 0 {
		s += "\n" + string(e.Body)
	}
	return s
}

// NotFound reports whether the API said 404: an unknown client, or one
// that belongs to another organisation.
func (e *Error) NotFound() bool { return e.Status == http.StatusNotFound }

// parseError builds an Error from a non-2xx answer. It never fails: a body
// that is not the self-service error JSON still gives Status and Body.
func parseError(method, path string, status int, body []byte) *Error {
	body = redact.JWTs(body) // an echoed token must not reach a log through Body
	e := &Error{Status: status, Method: method, Path: path, Body: body}
	var wire struct {
		CorrelationID string `json:"correlation_id"`
		Errors        []struct {
			ErrorMessage    string `json:"errorMessage"`
			IsFieldError    bool   `json:"isFieldError"`
			FieldIdentifier string `json:"fieldIdentifier"`
		} `json:"errors"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
		Message          string `json:"message"` // plain Spring error bodies
	}
	if json.Unmarshal(body, &wire) != nil {
		return e
	}
	e.CorrelationID = wire.CorrelationID
	for _, x := range wire.Errors {
		f := FieldError{Message: strings.TrimSpace(x.ErrorMessage)}
		if x.IsFieldError {
			f.Field = x.FieldIdentifier
		}
		if f.Message != "" {
			e.Fields = append(e.Fields, f)
		}
	}
	if len(e.Fields) == 0 {
		// Digdir joins messages with ", " and leaves one in front.
		for _, m := range []string{wire.ErrorDescription, wire.Message, wire.Error} {
			if m = strings.Trim(m, " ,"); m != "" {
				e.Fields = []FieldError{{Message: m}}
				break
			}
		}
	}
	return e
}
