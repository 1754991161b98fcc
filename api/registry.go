package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/store"
)

// RegistryModule serves the scheduled registry sources: their public status and the
// admins' decision on a list held because it lost most of its rows.
type RegistryModule struct {
	Sources *agencies.Sources
}

// Register adds the registry source routes.
func (h *RegistryModule) Register(r *Router) {
	r.API(http.MethodGet, "/registry/status", h.status, Public)
	r.API(http.MethodPost, "/admin/registry/sources/:id/apply", h.apply, Roles(kawan.RoleAdmin))
	r.API(http.MethodPost, "/admin/registry/sources/:id/discard", h.discard, Roles(kawan.RoleAdmin))
}

// registryStatus is the body of GET /v1/registry/status.
type registryStatus struct {
	IntervalSeconds int64                   `json:"interval_seconds"`
	Total           int                     `json:"total"`
	Sources         []agencies.SourceStatus `json:"sources"`
	// Imports is the last import of each list, scheduled or uploaded.
	Imports []store.ImportRecord `json:"imports"`
}

func (h *RegistryModule) status(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	list, err := h.Sources.Status(ctx)
	if err != nil {
		return err
	}
	imports, err := h.Sources.Imports(ctx)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, registryStatus{IntervalSeconds: int64(h.Sources.Interval().Seconds()), Total: len(list), Sources: list, Imports: imports})
}

func (h *RegistryModule) apply(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	rep, err := h.Sources.ApplyHeld(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

func (h *RegistryModule) discard(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	if err := h.Sources.DiscardHeld(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
