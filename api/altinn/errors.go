package altinn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/systembruker/systembruker/internal/redact"
)

// Error is a refusal from an Altinn platform API. Altinn answers in three
// formats, and all of them end up here:
//   - ProblemDetails with a business code (AUTH-000NN) and extension members
//     flattened into the top level (e.g. "NotFoundPackages");
//   - validation ProblemDetails (code STD-00000) whose validationErrors
//     items carry AUTH.VLD-000NN codes, paths and their own extensions;
//   - plain ASP.NET answers: an "errors" dictionary (model binding), a bare
//     ProblemDetails, plain text, or an empty body (401, 403).
//
// It never holds a token: the body is kept with JWTs redacted.
type Error struct {
	Method, Path string
	Status       int
	Code         string // AUTH-000NN or STD-00000; "" for the plain formats
	Title        string
	Text         string // a plain-text body, first line
	// Fields are the validation items: AUTH.VLD codes, or the "errors"
	// dictionary of an ASP.NET model-binding failure (no code).
	Fields []FieldError
	// Extensions are the top-level extension members, e.g. NotFoundPackages.
	Extensions map[string]string
	TraceID    string
	Body       []byte
}

// FieldError is one validation item.
type FieldError struct {
	Code  string   // AUTH.VLD-000NN; "" for a model-binding error
	Title string   // Altinn's exact message
	Paths []string // e.g. /registersystemrequest/systemid, or a JSON field name
	// Details are the item's extension members with their keys trimmed
	// (Altinn's keys end in " : ", as in "Invalid Urn Details : ").
	Details map[string]string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.summary())
	for _, f := range e.Fields {
		b.WriteString("\n  • ")
		b.WriteString(f.Explain())
	}
	return b.String()
}

// summary is the first line: what Altinn refused and, for a business code,
// what the code means.
func (e *Error) summary() string {
	status := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	switch {
	case len(e.Fields) > 0:
		n := "1 problem"
		if len(e.Fields) > 1 {
			n = fmt.Sprintf("%d problems", len(e.Fields))
		}
		return fmt.Sprintf("Altinn refused the request (%s, %s):", status, n)
	case e.Code != "":
		s := fmt.Sprintf("Altinn refused the request: %s (%s, %s)", e.Title, e.Code, status)
		if x, ok := problems[e.Code]; ok {
			s += ". " + x.what
		}
		for _, k := range sortedKeys(e.Extensions) {
			s += fmt.Sprintf(" [%s: %s]", k, e.Extensions[k])
		}
		return s
	case e.Status == http.StatusUnauthorized:
		return "Altinn refused the token (HTTP 401): it is missing, expired, from another environment, or has no consumer claim"
	case e.Status == http.StatusForbidden:
		return "Altinn refused the request (HTTP 403): the token lacks the scope this API needs, or what you asked for belongs to another organisation"
	case e.Text != "":
		return fmt.Sprintf("Altinn refused the request: %s (%s)", e.Text, status)
	case e.Title != "":
		return fmt.Sprintf("Altinn refused the request: %s (%s)", e.Title, status)
	case e.Status >= 500:
		return fmt.Sprintf("Altinn is having trouble (%s)", status)
	}
	return fmt.Sprintf("Altinn refused the request (%s)", status)
}

// Hint is the user's next step.
func (e *Error) Hint() string {
	if x, ok := problems[e.Code]; ok && len(e.Fields) == 0 {
		return x.fix
	}
	switch {
	case len(e.Fields) > 0:
		return "fix the fields named above and try again; nothing was changed in Altinn"
	case e.Status == http.StatusUnauthorized:
		return "get a fresh token, and check that Maskinporten and Altinn are the same environment (test with TT02, prod with prod)"
	case e.Status == http.StatusForbidden:
		return "check that the Maskinporten client has the Altinn scope for this API (`systembruker client scopes`), and that the id is one of your organisation's"
	case e.Status >= 500:
		return "try again in a few minutes; run with --verbose to see Altinn's answer"
	}
	return "run again with --verbose to see Altinn's full answer"
}

// Verbose is Altinn's raw answer (JWTs redacted).
func (e *Error) Verbose() string {
	body := string(bytes.TrimSpace(e.Body))
	if body == "" {
		body = "(empty body)"
	}
	return fmt.Sprintf("Altinn answered %s %s with HTTP %d:\n%s", e.Method, e.Path, e.Status, body)
}

// HasCode reports whether the error or one of its fields carries code
// (AUTH-000NN or AUTH.VLD-000NN).
func (e *Error) HasCode(code string) bool {
	if e.Code == code {
		return true
	}
	for _, f := range e.Fields {
		if f.Code == code {
			return true
		}
	}
	return false
}

// ParseError builds an Error from a non-2xx answer. It never fails: a body
// in none of the known formats still gives Status, Text and Body.
func ParseError(method, path string, status int, body []byte) *Error {
	body = redact.JWTs(body)
	e := &Error{Method: method, Path: path, Status: status, Body: body}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return e
	}
	var top map[string]json.RawMessage
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &top) != nil {
		e.Text = firstLine(string(trimmed))
		return e
	}
	e.Code = str(top, "code")
	e.Title = str(top, "title")
	e.TraceID = str(top, "traceId")
	var items []map[string]json.RawMessage
	if json.Unmarshal(top["validationErrors"], &items) == nil {
		for _, it := range items {
			e.Fields = append(e.Fields, parseItem(it))
		}
	}
	var binding map[string][]string
	if json.Unmarshal(top["errors"], &binding) == nil {
		for _, k := range sortedKeys(binding) {
			e.Fields = append(e.Fields, FieldError{Title: strings.Join(binding[k], " "), Paths: []string{k}})
		}
	}
	for k, v := range top {
		if !problemMembers[k] {
			if e.Extensions == nil {
				e.Extensions = map[string]string{}
			}
			e.Extensions[strings.TrimRight(k, " :")] = text(v)
		}
	}
	return e
}

// problemMembers are the standard ProblemDetails members; anything else at
// the top level is an extension.
var problemMembers = map[string]bool{
	"type": true, "title": true, "status": true, "detail": true, "instance": true, "code": true,
	"traceId": true, "statusDescription": true, "validationErrors": true, "errors": true, "source": true,
}

func parseItem(it map[string]json.RawMessage) FieldError {
	f := FieldError{Code: str(it, "code"), Title: str(it, "title")}
	json.Unmarshal(it["paths"], &f.Paths)
	for k, v := range it {
		switch k {
		case "code", "title", "paths", "detail":
			continue
		}
		if f.Details == nil {
			f.Details = map[string]string{}
		}
		f.Details[strings.TrimRight(k, " :")] = text(v)
	}
	return f
}

func str(m map[string]json.RawMessage, k string) string {
	var s string
	json.Unmarshal(m[k], &s)
	return s
}

// text is a JSON value as text: a string unquoted, anything else as JSON.
func text(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
