package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/moderation"
)

// ModerationModule serves moderation: user flags and author appeals, the moderator queue
// with claims, decisions and history, and the public transparency report.
type ModerationModule struct {
	Svc *moderation.Service
}

var moderators = Roles(kawan.RoleModerator, kawan.RoleAdmin)

// Register adds the moderation routes.
func (h *ModerationModule) Register(r *Router) {
	r.API(http.MethodPost, "/reviews/:id/flags", h.flag, AnyUser)
	r.API(http.MethodPost, "/reviews/:id/appeal", h.appeal, AnyUser)
	r.API(http.MethodGet, "/moderation/queue", h.queue, moderators)
	r.API(http.MethodGet, "/moderation/reviews/:id", h.item, moderators)
	r.API(http.MethodGet, "/moderation/reviews/:id/history", h.history, moderators)
	r.API(http.MethodPost, "/moderation/reviews/:id/claim", h.claim, moderators)
	r.API(http.MethodDelete, "/moderation/reviews/:id/claim", h.release, moderators)
	r.API(http.MethodPost, "/moderation/reviews/:id/decision", h.decide, moderators)
	r.API(http.MethodGet, "/moderation/replies", h.replies, moderators)
	r.API(http.MethodPost, "/moderation/reviews/:id/reply/decision", h.decideReply, moderators)
	r.API(http.MethodGet, "/transparency", h.transparency, Public)
}

func (h *ModerationModule) flag(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var in struct {
		Reason string `json:"reason"`
		Note   string `json:"note"`
	}
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	res, err := h.Svc.Flag(c.Request().Context(), p, c.Param("id"), moderation.FlagReason(in.Reason), in.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

func (h *ModerationModule) appeal(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var in struct {
		Note string `json:"note"`
	}
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	res, err := h.Svc.Appeal(c.Request().Context(), p, c.Param("id"), in.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

func (h *ModerationModule) queue(c echo.Context) error {
	if err := queryParams(c, "kind", "page", "per_page"); err != nil {
		return err
	}
	v := &kawan.ValidationError{}
	q := moderation.QueueQuery{Kind: c.QueryParam("kind"), Page: intParam(v, c, "page"), PerPage: intParam(v, c, "per_page")}
	if err := v.Err(); err != nil {
		return err
	}
	p, _ := PrincipalFrom(c)
	page, err := h.Svc.Queue(c.Request().Context(), p, q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (h *ModerationModule) item(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	d, err := h.Svc.Item(c.Request().Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (h *ModerationModule) history(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	es, err := h.Svc.History(c.Request().Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": es, "total": len(es)})
}

func (h *ModerationModule) claim(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	cl, err := h.Svc.Claim(c.Request().Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cl)
}

func (h *ModerationModule) release(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	if err := h.Svc.Release(c.Request().Context(), p, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *ModerationModule) decide(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var in struct {
		Action string `json:"action"`
		Reason string `json:"reason"`
		Note   string `json:"note"`
	}
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	res, err := h.Svc.Decide(c.Request().Context(), p, c.Param("id"),
		moderation.Decision{Action: moderation.Action(in.Action), Reason: moderation.Reason(in.Reason), Note: in.Note})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (h *ModerationModule) replies(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	p, _ := PrincipalFrom(c)
	items, err := h.Svc.HeldReplies(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "total": len(items)})
}

func (h *ModerationModule) decideReply(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var in struct {
		Action string `json:"action"`
		Reason string `json:"reason"`
		Note   string `json:"note"`
	}
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	res, err := h.Svc.DecideReply(c.Request().Context(), p, c.Param("id"),
		moderation.Decision{Action: moderation.Action(in.Action), Reason: moderation.Reason(in.Reason), Note: in.Note})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (h *ModerationModule) transparency(c echo.Context) error {
	if err := queryParams(c, "from", "to"); err != nil {
		return err
	}
	rep, err := h.Svc.Transparency(c.Request().Context(), c.QueryParam("from"), c.QueryParam("to"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, rep)
}
