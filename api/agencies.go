package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
)

// AgenciesModule serves the agency registry: search, profiles, the licence check, and the
// admin create/update and list-import endpoints.
type AgenciesModule struct {
	Svc *agencies.Service
}

// MaxImportBytes bounds an uploaded regulator list.
const MaxImportBytes = agencies.MaxImportBytes

// Register adds the agency routes.
func (h *AgenciesModule) Register(r *Router) {
	r.API(http.MethodGet, "/agencies", h.search, Public)
	r.API(http.MethodGet, "/agencies/:id", h.profile, Public)
	r.API(http.MethodGet, "/agencies/:id/history", h.history, Public)
	r.API(http.MethodGet, "/licences/:regulator/:number", h.licence, Public)
	r.API(http.MethodGet, "/licence-check", h.licenceCheck, Public)
	r.API(http.MethodPost, "/admin/agencies", h.create, Roles(kawan.RoleAdmin))
	r.API(http.MethodPut, "/admin/agencies/:id", h.update, Roles(kawan.RoleAdmin))
	r.API(http.MethodPost, "/admin/agencies/:id/split", h.split, Roles(kawan.RoleAdmin))
	r.API(http.MethodPost, "/admin/agency-imports", h.importList, Roles(kawan.RoleAdmin), WithBodyLimit(MaxImportBytes))
}

// onlyParams refuses unknown query parameters (a typo such as ?orign= must not silently
// return everything) and repeated ones.
func onlyParams(c echo.Context, allowed ...string) error {
	v := &kawan.ValidationError{}
	for name, vals := range c.QueryParams() {
		known := false
		for _, a := range allowed {
			known = known || a == name
		}
		switch {
		case !known:
			v.Add(name, "is not a known query parameter (allowed: %s)", strings.Join(allowed, ", "))
		case len(vals) > 1:
			v.Add(name, "must be given once")
		}
	}
	return v.Err()
}

func (h *AgenciesModule) search(c echo.Context) error {
	if err := onlyParams(c, "q", "origin", "destination", "sector", "standing", "licence_status", "min_rating", "sort", "page", "per_page"); err != nil {
		return err
	}
	qs := c.QueryParams()
	v := &kawan.ValidationError{}
	num := func(name string) int {
		s := qs.Get(name)
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			v.Add(name, "must be a whole number of 1 or more")
			return 1
		}
		return n
	}
	q := agencies.SearchQuery{Q: qs.Get("q"), Origin: qs.Get("origin"), Destination: qs.Get("destination"), Sector: qs.Get("sector"),
		Standing: qs.Get("standing"), LicenceStatus: qs.Get("licence_status"), MinRating: qs.Get("min_rating"), Sort: qs.Get("sort"),
		Page: num("page"), PerPage: num("per_page")}
	if err := v.Err(); err != nil {
		return err
	}
	res, err := h.Svc.Search(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (h *AgenciesModule) profile(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	p, err := h.Svc.Profile(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// licenceNotFound is the 404 of the licence check; its message is the warning to the worker.
type licenceNotFound struct{ warning string }

func (e licenceNotFound) Error() string { return e.warning }
func (e licenceNotFound) Unwrap() error { return kawan.ErrNotFound }

func (h *AgenciesModule) licence(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	// Licence numbers contain slashes (Nepal: "1234/070/71"); clients send them escaped.
	number, err := url.PathUnescape(c.Param("number"))
	if err != nil {
		return kawan.Invalid("number", "must be a URL-escaped licence number")
	}
	res, err := h.Svc.CheckLicence(c.Request().Context(), c.Param("regulator"), number)
	if err != nil {
		return err
	}
	if !res.Found {
		// The warning has no ": " so publicDetail keeps it whole.
		return licenceNotFound{strings.ReplaceAll(res.Warning, ": ", " - ")}
	}
	return c.JSON(http.StatusOK, res)
}

// agencyHistory is the body of GET /v1/agencies/{id}/history.
type agencyHistory struct {
	AgencyID string              `json:"agency_id"`
	Events   []kawan.AgencyEvent `json:"events"`
}

func (h *AgenciesModule) history(c echo.Context) error {
	if err := onlyParams(c, "limit"); err != nil {
		return err
	}
	limit := 100
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return kawan.Invalid("limit", "must be a whole number from 1 to 1000")
		}
		limit = n
	}
	evs, err := h.Svc.History(c.Request().Context(), c.Param("id"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, agencyHistory{AgencyID: c.Param("id"), Events: evs})
}

// licenceCheck is the query form of the licence check: regulator may be empty (any), number
// is a licence number or, for a regulator without numbers, the agency's name. Nothing found
// is a 200 with found=false, the warning and the lists searched.
func (h *AgenciesModule) licenceCheck(c echo.Context) error {
	if err := onlyParams(c, "regulator", "number"); err != nil {
		return err
	}
	res, err := h.Svc.CheckLicence(c.Request().Context(), c.QueryParam("regulator"), c.QueryParam("number"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// agencySplit is the body of POST /v1/admin/agencies/{id}/split.
type agencySplit struct {
	Agency agencies.Profile `json:"agency"`
	Split  agencies.Profile `json:"split"`
}

func (h *AgenciesModule) split(c echo.Context) error {
	var in agencies.SplitInput
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, b, err := h.Svc.Split(ctx, c.Param("id"), in)
	if err != nil {
		return err
	}
	pa, err := h.Svc.Profile(ctx, a.ID)
	if err != nil {
		return err
	}
	pb, err := h.Svc.Profile(ctx, b.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, agencySplit{Agency: pa, Split: pb})
}

func (h *AgenciesModule) create(c echo.Context) error {
	var in agencies.AgencyInput
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	a, err := h.Svc.Create(c.Request().Context(), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/agencies/"+a.ID)
	p, err := h.Svc.Profile(c.Request().Context(), a.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (h *AgenciesModule) update(c echo.Context) error {
	var in agencies.AgencyInput
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	a, err := h.Svc.Update(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	p, err := h.Svc.Profile(c.Request().Context(), a.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// importList imports an uploaded regulator list (the body: CSV as exported from the
// regulator's spreadsheet, or JSON for profiles that read it) with ?profile=, optionally ?dry_run=true, ?retrieved_at=YYYY-MM-DD
// (when the list was downloaded; default today) and ?encoding=.
func (h *AgenciesModule) importList(c echo.Context) error {
	if err := onlyParams(c, "profile", "dry_run", "retrieved_at", "encoding"); err != nil {
		return err
	}
	qs := c.QueryParams()
	v := &kawan.ValidationError{}
	opts := agencies.ImportOptions{ParseOptions: agencies.ParseOptions{Encoding: qs.Get("encoding")}}
	if qs.Get("profile") == "" {
		v.Add("profile", "is required: one of %s", strings.Join(agencies.ProfileNames(), ", "))
	}
	switch qs.Get("dry_run") {
	case "", "false":
	case "true":
		opts.DryRun = true
	default:
		v.Add("dry_run", "must be true or false")
	}
	if s := qs.Get("retrieved_at"); s != "" {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			v.Add("retrieved_at", "must be a date YYYY-MM-DD: when the list was downloaded from the regulator")
		} else if t.After(time.Now().Add(24 * time.Hour)) {
			v.Add("retrieved_at", "is in the future")
		}
		opts.RetrievedAt = t
	}
	if err := v.Err(); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(c.Request().Body, MaxImportBytes+1))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe) || len(data) > MaxImportBytes:
		return fmt.Errorf("api: upload larger than %d MB: %w", MaxImportBytes>>20, kawan.ErrTooLarge)
	case err != nil:
		return kawan.Invalid("file", "the upload could not be read completely; send it again")
	case len(data) == 0:
		return kawan.Invalid("file", "the request body is empty: send the list as CSV (Content-Type: text/csv) or, for ph-dmw and np-dofe, JSON")
	}
	rep, err := h.Svc.Import(c.Request().Context(), qs.Get("profile"), data, opts)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}
