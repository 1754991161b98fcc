package sjson

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// Kawan patch 4: documents decode as before (a round trip of every type, nested), and values
// with anything after them are still refused.
func TestKawanUnmarshalExact(t *testing.T) {
	inner := must.NotFail(types.NewDocument("s", "héllo \"q\" \\ \u00e9", "n", int64(-7), "b", true))
	arr := must.NotFail(types.NewArray("x", int32(3), 2.5, must.NotFail(types.NewDocument("k", "v")), must.NotFail(types.NewArray())))
	d := must.NotFail(types.NewDocument(
		"_id", "agency-1", "name", "Himalaya Manpower", "version", int64(12), "i32", int32(-1), "f", 0.1,
		"when", time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC), "nil", types.Null, "inner", inner, "arr", arr,
		"empty", must.NotFail(types.NewDocument()), "bin", types.Binary{B: []byte{0, 1, 2}, Subtype: types.BinaryGeneric},
		"oid", types.ObjectID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, "ts", types.Timestamp(42),
	))
	raw, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Marshal(got)
	if err != nil || !bytes.Equal(raw, again) {
		t.Fatalf("round trip differs:\n%s\n%s\n%v", raw, again, err)
	}
	for _, bad := range [][]byte{append(bytes.Clone(raw), ' '), append(bytes.Clone(raw), '\n'), append(bytes.Clone(raw), "{}"...), raw[:len(raw)-1], nil} {
		if _, err := Unmarshal(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	var s stringType
	if err := s.UnmarshalJSON([]byte(`"a" `)); err == nil {
		t.Error("string with trailing space accepted")
	}
	if err := s.UnmarshalJSON([]byte(`"a\u00e9"`)); err != nil || string(s) != "aé" {
		t.Errorf("string: %q %v", s, err)
	}
	var m map[string]json.RawMessage
	if err := unmarshalExact([]byte(`{"a":1} x`), &m); err == nil {
		t.Error("trailing data accepted")
	}
}
