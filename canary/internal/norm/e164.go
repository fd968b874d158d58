package norm

import (
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// CanonicalE164 reports, without libphonenumber's parser, whether s is already
// the E.164 form that NormalizePhone(s, "") would return, for the countries
// whose parsing rules are simple enough to restate here: the number must not
// begin with a trunk prefix that the parser would strip (or, for Australia, a
// carrier code). It answers false when unsure; callers then parse. A fuzz test
// holds it to libphonenumber's answer.
//
// Registries check every seed's number on Add, and Parse costs tens of
// microseconds, so a million seeds would take half a minute without it.
func CanonicalE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	var cc int
	var national string
	switch {
	case s[1] == '1':
		cc, national = 1, s[2:]
		if national[0] == '0' || national[0] == '1' { // NANP area codes start 2-9; "1" is the trunk prefix
			return false
		}
	case s[1:3] == "44", s[1:3] == "34", s[1:3] == "33", s[1:3] == "49", s[1:3] == "31", s[1:3] == "61":
		cc, _ = strconv.Atoi(s[1:3])
		national = s[3:]
		if national[0] == '0' || cc == 61 && national[0] == '1' { // trunk prefix; Australian carrier codes (183x)
			return false
		}
	case s[1:4] == "353":
		cc, national = 353, s[4:]
		if national[0] == '0' {
			return false
		}
	default:
		return false
	}
	nn, err := strconv.ParseUint(national, 10, 64)
	if err != nil {
		return false
	}
	cc32 := int32(cc)
	return phonenumbers.IsPossibleNumber(&phonenumbers.PhoneNumber{CountryCode: &cc32, NationalNumber: &nn})
}
