package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
)

// TestJSONSerializerMatchesStdlib: responses encoded by go-json are byte-for-byte what
// encoding/json would write for the shapes Kawan answers with (tags, omitempty, nested
// pointers, maps, MarshalJSON types, times, HTML and invalid UTF-8 in strings).
func TestJSONSerializerMatchesStdlib(t *testing.T) {
	type inner struct {
		Amount decimal.Decimal `json:"amount"`
		Note   string          `json:"note,omitempty"`
	}
	type outer struct {
		ID      string             `json:"id"`
		Text    string             `json:"text"`
		At      time.Time          `json:"at"`
		Ptr     *inner             `json:"ptr"`
		Nil     *inner             `json:"nil,omitempty"`
		List    []inner            `json:"list"`
		Empty   []string           `json:"empty"`
		Map     map[string]float64 `json:"map"`
		Any     any                `json:"any"`
		Money   kawan.Money        `json:"money"`
		private int
	}
	v := outer{ID: "a", Text: "<script>alert(1)</script> & \u2028 \xff ok ५००", At: time.Date(2026, 11, 29, 1, 2, 3, 4000, time.UTC),
		Ptr: &inner{Amount: decimal.RequireFromString("12.50")}, List: []inner{{Amount: decimal.New(-1, -3), Note: "x"}},
		Empty: []string{}, Map: map[string]float64{"b": 1.5, "a": 2}, Any: map[string]any{"k": []any{1, "two", nil}},
		Money: kawan.Money{Amount: "100.00", Currency: "PHP"}}
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
	if err := (jsonSerializer{}).Serialize(c, v, ""); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body.Bytes(), want) {
		t.Errorf("go-json wrote\n%s\nencoding/json writes\n%s", rec.Body.Bytes(), want)
	}
}
