package sim

import (
	"net/url"
	"strings"
)

// The system register's field rules (altinn-authentication's
// SystemRegisterController and its validation helpers), in Altinn's order.

// checkSystemID is VLD-00013 (spaces; the id is already trimmed, as
// Altinn's TrimStringsActionFilter does), -00001 (the part before the first
// underscore is the vendor's org number) and -00002 (taken, also by a
// deleted system).
func checkSystemID(st *stateData, id, vendorOrgNo string) []vldError {
	var errs []vldError
	if strings.ContainsAny(id, " \t\n\r\u00a0") {
		errs = append(errs, vldError{code: "AUTH.VLD-00013", path: pathSystemID})
	}
	if prefix, _, ok := strings.Cut(id, "_"); !ok || prefix != vendorOrgNo {
		errs = append(errs, vldError{code: "AUTH.VLD-00001", path: pathSystemID})
	}
	if st.Systems[id] != nil {
		errs = append(errs, vldError{code: "AUTH.VLD-00002", path: pathSystemID})
	}
	return errs
}

// checkRedirectURLs is VLD-00005: every URL absolute and https (POST only).
func checkRedirectURLs(urls []string) []vldError {
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || !u.IsAbs() || u.Scheme != "https" || u.Host == "" {
			return []vldError{{code: "AUTH.VLD-00005", path: pathRedirectURLs}}
		}
	}
	return nil
}

// storedURL is a URL as .NET's Uri.ToString writes it: lower-case scheme
// and host, and "/" for an empty path.
func storedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	return u.String()
}

// checkClientIDs is VLD-00011 (duplicates; checked on PUT only) and -00004
// (a client id on another live system). Altinn does not ask Maskinporten
// whether the client exists.
func checkClientIDs(st *stateData, ids []string, self string, dupes bool) []vldError {
	var errs []vldError
	if dupes && hasDuplicates(ids) {
		errs = append(errs, vldError{code: "AUTH.VLD-00011", path: pathClientID})
	}
	for _, id := range ids {
		if sys := st.systemForClient(id); sys != nil && sys.ID != self {
			errs = append(errs, vldError{code: "AUTH.VLD-00004", path: pathClientID})
			break
		}
	}
	return errs
}

// checkRights is VLD-00009 (attribute id), -00003 (unknown resource),
// -00017 (a resource type system users cannot have) and -00006
// (duplicates). The extensions name the offending resource ids.
func checkRights(rights []wireRight) []vldError {
	var badAttr, missing, notDelegable, ids []string
	for _, r := range rights {
		for _, a := range r.Resource {
			ids = append(ids, a.Value)
			typ, known := sampleResources[a.Value]
			switch {
			case a.ID != "urn:altinn:resource":
				badAttr = append(badAttr, a.ID)
			case !known:
				missing = append(missing, a.Value)
			case !delegableResourceTypes[typ]:
				notDelegable = append(notDelegable, a.Value)
			}
		}
	}
	var errs []vldError
	if len(badAttr) > 0 {
		errs = append(errs, vldError{"AUTH.VLD-00009", pathRights, "Invalid Resource Id Details : ", strings.Join(badAttr, ", ")})
	}
	if len(missing) > 0 {
		errs = append(errs, vldError{"AUTH.VLD-00003", pathRights, "ResourceIds Not Found : ", strings.Join(missing, ", ")})
	}
	if len(notDelegable) > 0 {
		errs = append(errs, vldError{"AUTH.VLD-00017", pathRights, "ResourceIds Not Delegable : ", strings.Join(notDelegable, ", ")})
	}
	if hasDuplicates(ids) {
		errs = append(errs, vldError{code: "AUTH.VLD-00006", path: pathRights})
	}
	return errs
}

// checkPackages is VLD-00007 (duplicates), -00008 (unknown, or neither
// assignable nor delegable; a URN needs four colon-separated parts) and
// -00018 (a client-only package on a visible system).
func checkPackages(pkgs []wirePackage, visible bool) []vldError {
	var urns, notFound, notDelegable []string
	clientOnly := false
	for _, p := range pkgs {
		urns = append(urns, p.URN)
		sp, known := samplePackages[strings.ToLower(p.URN)]
		switch {
		case len(strings.Split(p.URN, ":")) < 4 || !known:
			notFound = append(notFound, p.URN)
		case !sp.Assignable && !sp.Delegable:
			notDelegable = append(notDelegable, p.URN)
		case !sp.Assignable:
			clientOnly = true
		}
	}
	var errs []vldError
	if hasDuplicates(urns) {
		errs = append(errs, vldError{code: "AUTH.VLD-00007", path: pathPackages})
	}
	if len(notFound)+len(notDelegable) > 0 {
		var parts []string
		if len(notFound) > 0 {
			parts = append(parts, "Not found: "+strings.Join(notFound, ", "))
		}
		if len(notDelegable) > 0 {
			parts = append(parts, "Not possible to delegate: "+strings.Join(notDelegable, ", "))
		}
		errs = append(errs, vldError{"AUTH.VLD-00008", pathPackages, "Invalid Urn Details : ", strings.Join(parts, " | ")})
	}
	if visible && clientOnly {
		errs = append(errs, vldError{code: "AUTH.VLD-00018", path: pathPackages})
	}
	return errs
}

func hasDuplicates(xs []string) bool {
	seen := make(map[string]bool, len(xs))
	for _, x := range xs {
		if seen[x] {
			return true
		}
		seen[x] = true
	}
	return false
}
