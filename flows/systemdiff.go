package flows

import (
	"slices"
	"strconv"

	"github.com/systembruker/systembruker/api/altinn/systemregister"
)

// DiffSystems lists, field by field in the system file's words, what
// changes from have to want. Lists are compared as sets: Altinn keeps their
// order, but order means nothing to it. A have without isVisible (a system
// not yet registered) shows visible as new.
func DiffSystems(have, want *systemregister.System) []Change {
	var out []Change
	for _, lang := range []string{"nb", "nn", "en"} {
		out = appendValue(out, "name."+lang, have.Name[lang], want.Name[lang])
	}
	for _, lang := range []string{"nb", "nn", "en"} {
		out = appendValue(out, "description."+lang, have.Description[lang], want.Description[lang])
	}
	if have.IsVisible == nil || have.Visible() != want.Visible() {
		c := Change{Field: "visible", New: strconv.FormatBool(want.Visible())}
		if have.IsVisible != nil {
			c.Old = strconv.FormatBool(have.Visible())
		}
		out = append(out, c)
	}
	out = appendSet(out, "client_ids", have.ClientIDs, want.ClientIDs)
	out = appendSet(out, "redirect_urls", have.AllowedRedirectURLs, want.AllowedRedirectURLs)
	out = appendSet(out, "access_packages", systemregister.URNs(have.AccessPackages), systemregister.URNs(want.AccessPackages))
	out = appendSet(out, "resources", systemregister.ResourceIDs(have.Rights), systemregister.ResourceIDs(want.Rights))
	return out
}

func appendValue(out []Change, field, old, new string) []Change {
	if old == new {
		return out
	}
	return append(out, Change{Field: field, Old: old, New: new})
}

func appendSet(out []Change, field string, old, new []string) []Change {
	var added, removed []string
	for _, x := range new {
		if !slices.Contains(old, x) && !slices.Contains(added, x) {
			added = append(added, x)
		}
	}
	for _, x := range old {
		if !slices.Contains(new, x) && !slices.Contains(removed, x) {
			removed = append(removed, x)
		}
	}
	if len(added)+len(removed) == 0 {
		return out
	}
	return append(out, Change{Field: field, Added: added, Removed: removed})
}
