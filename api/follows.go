package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan/agencies"
)

// FollowsModule lets signed-in accounts follow agencies and read their changes.
type FollowsModule struct {
	Svc *agencies.Follows
}

// Register adds the follow routes.
func (h *FollowsModule) Register(r *Router) {
	r.API(http.MethodPut, "/agencies/:id/follow", h.follow, AnyUser)
	r.API(http.MethodDelete, "/agencies/:id/follow", h.unfollow, AnyUser)
	r.API(http.MethodGet, "/me/follows", h.mine, AnyUser)
}

func (h *FollowsModule) follow(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	p, _ := PrincipalFrom(c)
	if err := h.Svc.Follow(c.Request().Context(), p.UserID, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *FollowsModule) unfollow(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	p, _ := PrincipalFrom(c)
	if err := h.Svc.Unfollow(c.Request().Context(), p.UserID, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// followList is the body of GET /v1/me/follows.
type followList struct {
	Total   int                       `json:"total"`
	Follows []agencies.FollowedAgency `json:"follows"`
}

func (h *FollowsModule) mine(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	p, _ := PrincipalFrom(c)
	list, err := h.Svc.Followed(c.Request().Context(), p.UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, followList{Total: len(list), Follows: list})
}
