// Package orgno validates Norwegian organisation numbers (organisasjonsnummer)
// and formats them the way Maskinporten and Altinn expect.
package orgno

import (
	"fmt"
	"strings"
)

// ICD is the ISO 6523 prefix that Maskinporten and Altinn put before a
// Norwegian organisation number.
const ICD = "0192"

// Authority is the ISO 6523 authority named next to an ICD-prefixed org number.
const Authority = "iso6523-actorid-upis"

var weights = [8]int{3, 2, 7, 6, 5, 4, 3, 2}

// Validate reports whether s is a nine-digit organisation number with a
// correct mod-11 check digit. The error says what is wrong in words a user can
// act on.
func Validate(s string) error {
	if len(s) != 9 {
		return fmt.Errorf("organisation number %q must be exactly 9 digits", s)
	}
	sum := 0
	for i := 0; i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			return fmt.Errorf("organisation number %q must contain digits only", s)
		}
		if i < 8 {
			sum += int(s[i]-'0') * weights[i]
		}
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	if check == 10 || check != int(s[8]-'0') {
		return fmt.Errorf("organisation number %s has a wrong check digit: check it against Enhetsregisteret (brreg.no)", s)
	}
	return nil
}

// Normalize strips spaces and an optional "0192:" prefix, then validates.
// Users paste numbers as "314 240 979" or "0192:314240979"; both are fine.
func Normalize(s string) (string, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	s = strings.TrimPrefix(s, ICD+":")
	return s, Validate(s)
}

// Prefixed returns "0192:<orgno>".
func Prefixed(orgno string) string { return ICD + ":" + orgno }
