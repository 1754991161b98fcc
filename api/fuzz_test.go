package api_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
)

// FuzzDecodeJSON feeds arbitrary bodies to the strict request decoder every handler uses:
// it must never panic, and every refusal must map to a 4xx problem (400 or 413), never a 500.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"name":"a","count":1,"tags":["x"],"money":{"amount":"1.00","currency":"PHP"}}`,
		`{"name":{"$gt":""}}`, `{"count":1e309}`, `{"name":"a\ud800"}`, "{\"name\":\"\xff\"}",
		strings.Repeat("[", 10001), `{"name":"a"}{"name":"b"}`, ``, `null`, `[]`, `"x"`,
		"\xef\xbb\xbf{}", `{"money":{"amount":1}}`, `{"tags":null}`, `{"Name":"case"}`,
	} {
		f.Add([]byte(seed), "application/json")
	}
	f.Add([]byte(`a=1`), "application/x-www-form-urlencoded")
	e := echo.New()
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/x", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		c := e.NewContext(req, rec)
		c.Request().Body = http.MaxBytesReader(rec, c.Request().Body, 64<<10)
		var v struct {
			Name  string   `json:"name"`
			Count int      `json:"count"`
			Tags  []string `json:"tags"`
			Money *struct {
				Amount   string `json:"amount"`
				Currency string `json:"currency"`
			} `json:"money"`
		}
		err := api.DecodeJSON(c, &v)
		if err == nil {
			return
		}
		p, fault := api.ProblemFor(err)
		if fault || (p.Status != http.StatusBadRequest && p.Status != http.StatusRequestEntityTooLarge) {
			t.Fatalf("decode error %v became a %d problem", err, p.Status)
		}
		var ve *kawan.ValidationError
		if p.Status == http.StatusBadRequest && (!errorsAs(err, &ve) || len(ve.Fields) == 0 || ve.Fields[0].Field == "") {
			t.Fatalf("a 400 must name the field: %v", err)
		}
	})
}

func errorsAs(err error, ve **kawan.ValidationError) bool { return errors.As(err, ve) }
