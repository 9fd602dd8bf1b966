package sim

import "strings"

// The simulator re-implements the org-number rules instead of importing the
// project's orgno package, so that a bug there cannot hide behind a matching
// bug here.

const (
	icd              = "0192"                 // ISO 6523 code for Norwegian org numbers
	iso6523Authority = "iso6523-actorid-upis" // authority named next to "0192:<orgno>"
)

var orgNoWeights = [8]int{3, 2, 7, 6, 5, 4, 3, 2}

// validOrgNo reports whether s is a nine-digit organisation number with a
// correct mod-11 check digit.
func validOrgNo(s string) bool {
	if len(s) != 9 {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		if i < 8 {
			sum += int(s[i]-'0') * orgNoWeights[i]
		}
	}
	check := (11 - sum%11) % 11
	return check != 10 && check == int(s[8]-'0')
}

// prefixedOrgNo returns "0192:<orgno>", the form used in consumer and
// systemuser_org claims.
func prefixedOrgNo(orgNo string) string { return icd + ":" + orgNo }

// parsePrefixedOrgNo parses "0192:<orgno>" and reports whether it is well
// formed with a valid org number.
func parsePrefixedOrgNo(id string) (string, bool) {
	orgNo, ok := strings.CutPrefix(id, icd+":")
	return orgNo, ok && validOrgNo(orgNo)
}
