package sim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

// Altinn's error formats, as altinn-authentication writes them: the Altinn
// ProblemDetails library's validation errors, the ASP.NET defaults
// (model-binding "errors", bare NotFound) and plain text. (The business
// codes, AUTH-000NN, belong to the request endpoints.)

// vldError is one AUTH.VLD item of a validation ProblemDetails.
type vldError struct {
	code  string
	path  string
	ext   string // extension key, with Altinn's trailing " : "
	value string // extension value; "" means no extension
}

// The titles of ValidationErrors.cs, word for word (typos included).
var vldTitles = map[string]string{
	"AUTH.VLD-00000": "the org number identifier is not valid ISO6523 identifier",
	"AUTH.VLD-00001": "The system id does not match the format orgnumber_xxxx...",
	"AUTH.VLD-00002": "The system id already exists",
	"AUTH.VLD-00003": "One or more resources specified in rights were not found in Altinn's resource register.",
	"AUTH.VLD-00004": "One of the client id is already tagged with an existing system",
	"AUTH.VLD-00005": "One or more of the redirect urls format is not valid. The valid format is https://xxx.xx",
	"AUTH.VLD-00006": "One or more duplicate rights found",
	"AUTH.VLD-00007": "One or more duplicate access package(s) found",
	"AUTH.VLD-00008": "One or all the accesspackage(s) is not found in altinn's access packages or is not delegable",
	"AUTH.VLD-00009": "One or more resource id is in wrong format. The valid format is urn:altinn:resource",
	"AUTH.VLD-00011": "Request contains duplicate client ids",
	"AUTH.VLD-00012": "The system ID in the request body does not match the system ID in the URL",
	"AUTH.VLD-00013": "System ID cannot have spaces in id (leading, trailing or in between the id)",
	"AUTH.VLD-00017": "One or more resources specified in rights is of resource type which is not delegable.",
	"AUTH.VLD-00018": "Access packages meant for system user for client relations can't be used in combination with the flag isVisible: true",
}

// Error paths (ErrorPathConstant.cs).
const (
	pathSystemID     = "/registersystemrequest/systemid"
	pathVendorID     = "/registersystemrequest/vendor/id"
	pathRights       = "/registersystemrequest/rights/resource"
	pathClientID     = "/registersystemrequest/clientid"
	pathRedirectURLs = "/registersystemrequest/allowedredirecturls"
	pathPackages     = "/registersystemrequest/accesspackages"
)

// w3cTraceID is a W3C traceparent, the shape of ASP.NET's traceId.
func w3cTraceID() string {
	b := make([]byte, 24)
	rand.Read(b)
	return "00-" + hex.EncodeToString(b[:16]) + "-" + hex.EncodeToString(b[16:]) + "-00"
}

func writeProblemJSON(w http.ResponseWriter, status int, body map[string]any) {
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// writeValidation answers 400 with an Altinn validation ProblemDetails.
func writeValidation(w http.ResponseWriter, errs []vldError) {
	items := make([]map[string]any, 0, len(errs))
	for _, e := range errs {
		it := map[string]any{"code": e.code, "title": vldTitles[e.code], "paths": []string{e.path}}
		if e.value != "" {
			it[e.ext] = e.value
		}
		items = append(items, it)
	}
	writeProblemJSON(w, http.StatusBadRequest, map[string]any{
		"type": "urn:altinn:error:STD-00000", "title": "One or more validation errors occurred.",
		"status": http.StatusBadRequest, "code": "STD-00000", "traceId": w3cTraceID(),
		"statusDescription": http.StatusText(http.StatusBadRequest), "validationErrors": items,
	})
}

// writeModelErrors answers like ASP.NET's ValidationProblem: 400 with an
// "errors" dictionary and the RFC type.
func writeModelErrors(w http.ResponseWriter, errs map[string][]string) {
	writeProblemJSON(w, http.StatusBadRequest, map[string]any{
		"type":  "https://tools.ietf.org/html/rfc9110#section-15.5.1",
		"title": "One or more validation errors occurred.", "status": http.StatusBadRequest,
		"errors": errs, "traceId": w3cTraceID(),
	})
}

// writeBareNotFound answers like ASP.NET's NotFound(): an RFC
// ProblemDetails with no Altinn code.
func writeBareNotFound(w http.ResponseWriter) {
	writeProblemJSON(w, http.StatusNotFound, map[string]any{
		"type": "https://tools.ietf.org/html/rfc9110#section-15.5.5", "title": "Not Found",
		"status": http.StatusNotFound, "traceId": w3cTraceID(),
	})
}

// writeText answers like BadRequest("text") and NotFound("text").
func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(text))
}
