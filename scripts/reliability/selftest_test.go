package reliability_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/store/storetest"
)

const vulnerableSpec = `openapi: 3.1.0
info: {title: vulnerable, version: "1"}
paths:
  /v1/things:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, maxLength: 100}
                tags: {type: object, properties: {colour: {type: string}}}
      responses: {"201": {description: stored}}
  /v1/things/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
`

// vulnerable is a module with the bugs the hostile table exists to catch: a lenient
// decoder that stores anything (operators, invalid UTF-8, unknown fields) and a path
// parameter that panics.
type vulnerable struct {
	s interface{ Insert(any) error }
}

type insertFunc func(any) error

func (f insertFunc) Insert(v any) error { return f(v) }

func (v vulnerable) Register(r *api.Router) {
	r.API(http.MethodPost, "/things", func(c echo.Context) error {
		b, _ := io.ReadAll(c.Request().Body)
		var doc map[string]any
		if json.Unmarshal(b, &doc) != nil {
			return kawan.Invalid("body", "not JSON")
		}
		if err := v.s.Insert(doc); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, doc)
	}, api.Public)
	r.API(http.MethodGet, "/things/:id", func(c echo.Context) error {
		if strings.Contains(c.Param("id"), "..") {
			panic("traversal")
		}
		return c.JSON(http.StatusOK, map[string]string{"id": c.Param("id")})
	}, api.Public)
}

// TestHostileTableCatchesVulnerabilities proves the hostile table is not vacuous: run
// against a deliberately vulnerable server it reports the 500, the accepted operator
// injection and invalid UTF-8, and the changed collection.
func TestHostileTableCatchesVulnerabilities(t *testing.T) {
	st := storetest.New(t)
	coll := st.DB().Collection("things")
	ins := insertFunc(func(v any) error {
		_, err := coll.InsertOne(t.Context(), v)
		return err
	})
	srv := api.New(api.Deps{}, vulnerable{s: ins})
	e := bareEnv(t, srv, []byte(vulnerableSpec), st.DB(), 64<<10)
	if _, err := coll.InsertOne(t.Context(), bson.D{{Key: "_id", Value: "seed"}}); err != nil {
		t.Fatal(err)
	}
	r := runHostile(t, e)
	want := map[string]bool{"5xx": false, "want a 4xx refusal": false, "operator injection": false, "invalid UTF-8": false}
	for _, f := range r.failures {
		for k := range want {
			if strings.Contains(f, k) {
				want[k] = true
			}
		}
	}
	for k, found := range want {
		if !found {
			t.Errorf("the hostile table missed %q on a vulnerable server; failures:\n%s", k, strings.Join(r.failures, "\n"))
		}
	}
	if len(r.changed) == 0 || !strings.Contains(strings.Join(r.changed, " "), "things") {
		t.Errorf("the fingerprint missed the writes of refused-must-be requests: %v", r.changed)
	}
	t.Logf("vulnerable server: %d failures found, changed: %v\n%s", len(r.failures), r.changed, strings.Join(r.failures, "\n"))
}
