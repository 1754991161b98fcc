package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

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
const MaxImportBytes = 32 << 20

// Register adds the agency routes.
func (h *AgenciesModule) Register(r *Router) {
	r.API(http.MethodGet, "/agencies", h.search, Public)
	r.API(http.MethodGet, "/agencies/:id", h.profile, Public)
	r.API(http.MethodGet, "/licences/:regulator/:number", h.licence, Public)
	r.API(http.MethodPost, "/admin/agencies", h.create, Roles(kawan.RoleAdmin))
	r.API(http.MethodPut, "/admin/agencies/:id", h.update, Roles(kawan.RoleAdmin))
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
