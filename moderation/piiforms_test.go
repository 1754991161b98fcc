package moderation

import (
	"encoding/json"
	"os"
	"testing"
)

// PIIForm is one case of testdata/pii_forms.json: a text with personal data in one form and
// the pieces that must be gone once it is redacted.
type PIIForm struct {
	Form string   `json:"form"`
	Text string   `json:"text"`
	Gone []string `json:"gone"`
}

// LoadPIIForms reads testdata/pii_forms.json (for this package's tests and moderation_test's).
func LoadPIIForms(t testing.TB) []PIIForm {
	t.Helper()
	b, err := os.ReadFile("testdata/pii_forms.json")
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Cases []PIIForm `json:"cases"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	return set.Cases
}
