package selfservice

import (
	"context"
	"time"
)

// Seams for the tests in package selfservice_test.

// SetSleep makes a's retries call f instead of waiting, so that tests see
// the waits without taking them.
func SetSleep(a *API, f func(context.Context, time.Duration) error) { a.sleep = f }

// BaseOf is a's API root.
func BaseOf(a *API) string { return a.base }

// ParseError builds the *Error a call returns for an answer.
func ParseError(method, path string, status int, body []byte) *Error {
	return parseError(method, path, status, body)
}

// FirstBackoff is the wait before the first retry without Retry-After.
const FirstBackoff = firstBackoff
