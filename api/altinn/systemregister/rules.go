package systemregister

import (
	"fmt"
	"net/url"
	"strings"
)

// The field rules Altinn applies (altinn-api.md §2.1), checked before
// anything is sent so that a mistake is named without a round trip. What
// only Altinn knows (whether a resource or package exists, whether an id or
// client id is taken) is left to Altinn.

// PackagePrefix starts every access-package URN.
const PackagePrefix = "urn:altinn:accesspackage:"

// VendorID is the vendor's ISO 6523 id, "0192:<orgno>".
func VendorID(orgNo string) string { return "0192:" + orgNo }

// DefaultID is an id of the form Altinn requires, {orgno}_{name}: the name
// in lower case with its spaces made dashes ("Smart Regnskap" →
// 314248295_smart-regnskap).
func DefaultID(orgNo, name string) string {
	return orgNo + "_" + strings.Join(strings.Fields(strings.ToLower(name)), "-")
}

// CheckID checks an id for the vendor orgNo (AUTH.VLD-00013 and -00001).
func CheckID(id, orgNo string) error {
	if strings.ContainsFunc(id, isSpace) {
		return fmt.Errorf("system id %q contains a space: Altinn refuses spaces anywhere in the id", id)
	}
	name, ok := strings.CutPrefix(id, orgNo+"_")
	if !ok || name == "" {
		return fmt.Errorf("system id %q must be %s_<name>: the vendor's own organisation number, an underscore and a name", id, orgNo)
	}
	return nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' }

// NormalizeRedirectURL checks that raw is an absolute https URL
// (AUTH.VLD-00005) and returns it as Altinn stores it (.NET Uri.ToString:
// an empty path becomes "/", scheme and host lower case), so that what is
// sent compares equal with what is read back.
func NormalizeRedirectURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "", fmt.Errorf("redirect URL %q is not an absolute URL: write it as https://host/path", raw)
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return "", fmt.Errorf("redirect URL %q must use https", raw)
	}
	u.Scheme = "https"
	u.Host = strings.ToLower(u.Host)
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// CheckPackageURN checks the shape Altinn requires of a package URN: at
// least four colon-separated parts (the catalogue decides whether it exists).
func CheckPackageURN(urn string) error {
	if !strings.HasPrefix(urn, PackagePrefix) || len(urn) == len(PackagePrefix) {
		return fmt.Errorf("access package %q must be a URN like %sskattegrunnlag", urn, PackagePrefix)
	}
	return nil
}

// RightFor is the right that grants resource id.
func RightFor(resourceID string) Right {
	return Right{Resource: []ResourceAttr{{ID: ResourceAttrID, Value: resourceID}}}
}

// ResourceIDs lists the resource ids of rights, in order.
func ResourceIDs(rights []Right) []string {
	var out []string
	for _, r := range rights {
		for _, a := range r.Resource {
			out = append(out, a.Value)
		}
	}
	return out
}

// URNs lists the URNs of pkgs, in order.
func URNs(pkgs []AccessPackage) []string {
	out := make([]string, 0, len(pkgs))
	for _, p := range pkgs {
		out = append(out, p.URN)
	}
	return out
}

// Visible is the effective isVisible: Altinn's default is true.
func (s *System) Visible() bool { return s.IsVisible == nil || *s.IsVisible }
