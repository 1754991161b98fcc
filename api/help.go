package api

import (
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/help"
)

// HelpModule serves the help directory (search by country and need, admin edits) and the
// "know your rights" pages.
type HelpModule struct {
	Svc *help.Service
}

// Register adds the help and rights routes.
func (h *HelpModule) Register(r *Router) {
	r.API(http.MethodGet, "/help", h.search, Public)
	r.API(http.MethodPut, "/help", h.importFile, Roles(kawan.RoleAdmin), WithBodyLimit(help.MaxFileBytes))
	r.API(http.MethodGet, "/help/:id", h.get, Public)
	r.API(http.MethodPut, "/help/:id", h.put, Roles(kawan.RoleAdmin))
	r.API(http.MethodDelete, "/help/:id", h.delete, Roles(kawan.RoleAdmin))
	r.API(http.MethodGet, "/rights", h.rightsList, Public)
	r.API(http.MethodGet, "/rights/:destination", h.rights, Public)
}

func (h *HelpModule) search(c echo.Context) error {
	if err := queryParams(c, "country", "nationality", "need", "kind", "lang", "q", "page", "per_page"); err != nil {
		return err
	}
	v := &kawan.ValidationError{}
	q := help.Query{Country: c.QueryParam("country"), Nationality: c.QueryParam("nationality"), Need: c.QueryParam("need"),
		Kind: c.QueryParam("kind"), Lang: c.QueryParam("lang"), Q: c.QueryParam("q"),
		Page: intParam(v, c, "page"), PerPage: intParam(v, c, "per_page")}
	if err := v.Err(); err != nil {
		return err
	}
	p, err := h.Svc.Search(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (h *HelpModule) get(c echo.Context) error {
	e, err := h.Svc.Entry(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, e)
}

func (h *HelpModule) put(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var e help.Entry
	if err := DecodeJSON(c, &e); err != nil {
		return err
	}
	if !e.UpdatedAt.IsZero() {
		return kawan.Invalid("updated_at", "is set by the server")
	}
	out, created, err := h.Svc.Put(c.Request().Context(), p, c.Param("id"), e)
	if err != nil {
		return err
	}
	if created {
		return c.JSON(http.StatusCreated, out)
	}
	return c.JSON(http.StatusOK, out)
}

func (h *HelpModule) delete(c echo.Context) error {
	if err := h.Svc.Delete(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *HelpModule) importFile(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return kawan.Invalid("Content-Type", "must be application/json")
	}
	data, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return jsonError(err)
	}
	created, replaced, err := h.Svc.Import(c.Request().Context(), p, data)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"created": created, "replaced": replaced})
}

func (h *HelpModule) rightsList(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": h.Svc.RightsPages()})
}

func (h *HelpModule) rights(c echo.Context) error {
	if err := queryParams(c, "lang"); err != nil {
		return err
	}
	p, err := h.Svc.Rights(c.Param("destination"), c.QueryParam("lang"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}
