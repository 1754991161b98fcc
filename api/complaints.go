package api

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/complaints"
	"github.com/kawan-labs/kawan/complaints/paper"
)

// CaseSecretHeader carries a case's secret for a complaint filed without an account.
const CaseSecretHeader = "Kawan-Case-Secret"

// ComplaintsModule serves complaints, their cases and the partner organisations.
type ComplaintsModule struct {
	Svc *complaints.Service
	// Paper imports partners' paper reviews (nil: the route answers 503).
	Paper *paper.Importer
}

// MaxComplaintBody is the body limit of a new complaint: above the largest valid one, so
// a 1 MB text is answered 400 naming text (not 413).
const MaxComplaintBody = 2 << 20

// Register adds the complaint routes. A case's routes are public: the service admits the
// worker (by account or the case's secret), the partner it is referred to and moderators,
// and refuses everyone else (agency representatives always).
func (h *ComplaintsModule) Register(r *Router) {
	admins := Roles(kawan.RoleAdmin)
	r.API(http.MethodGet, "/partners", h.partners, Public)
	r.API(http.MethodGet, "/admin/partners", h.allPartners, admins)
	r.API(http.MethodPost, "/admin/partners", h.createPartner, admins)
	r.API(http.MethodPost, "/admin/partners/:id/accounts", h.partnerAccount, admins)
	r.API(http.MethodPost, "/complaints", h.file, Public, WithBodyLimit(MaxComplaintBody))
	r.API(http.MethodGet, "/complaints/:code", h.get, Public)
	r.API(http.MethodDelete, "/complaints/:code", h.erase, Public)
	r.API(http.MethodPost, "/complaints/:code/transitions", h.transition, Public)
	r.API(http.MethodPost, "/complaints/:code/messages", h.message, Public)
	r.API(http.MethodGet, "/me/complaints", h.mine, Roles(kawan.RoleWorker))
	r.API(http.MethodGet, "/partner/cases", h.partnerCases, Roles(kawan.RolePartner))
	r.API(http.MethodPost, "/partner/paper-reviews", h.importPaper, Roles(kawan.RolePartner), WithBodyLimit(paper.MaxBytes))
	r.API(http.MethodGet, "/moderation/complaints", h.forModerators, Roles(kawan.RoleModerator, kawan.RoleAdmin))
	r.API(http.MethodPost, "/moderation/complaints/:code/messages/:id", h.decideMessage, Roles(kawan.RoleModerator, kawan.RoleAdmin))
	r.API(http.MethodGet, "/agencies/:id/complaint-outcomes", h.outcomes, Public)
}

func caller(c echo.Context) complaints.Caller {
	out := complaints.Caller{Secret: c.Request().Header.Get(CaseSecretHeader)}
	if p, ok := PrincipalFrom(c); ok {
		out.P = &p
	}
	return out
}

func (h *ComplaintsModule) partners(c echo.Context) error {
	if err := queryParams(c, "country", "nationality", "kind"); err != nil {
		return err
	}
	ps, err := h.Svc.Partners(c.Request().Context(), c.QueryParam("country"), c.QueryParam("nationality"), c.QueryParam("kind"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"total": len(ps), "items": ps})
}

func (h *ComplaintsModule) allPartners(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	ps, err := h.Svc.AllPartners(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"total": len(ps), "items": ps})
}

func (h *ComplaintsModule) createPartner(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var in complaints.PartnerInput
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	out, err := h.Svc.CreatePartner(c.Request().Context(), p, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

type partnerAccountInput struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (h *ComplaintsModule) partnerAccount(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var in partnerAccountInput
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	uid, err := h.Svc.AddPartnerAccount(c.Request().Context(), p, c.Param("id"), in.Username, in.Password, false)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]string{"user_id": uid, "partner_id": c.Param("id")})
}

func (h *ComplaintsModule) file(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	var in complaints.Complaint
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	out, err := h.Svc.File(c.Request().Context(), caller(c).P, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, out)
}

func (h *ComplaintsModule) get(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	v, err := h.Svc.Get(c.Request().Context(), caller(c), c.Param("code"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, v)
}

func (h *ComplaintsModule) erase(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	if err := h.Svc.Erase(c.Request().Context(), caller(c), c.Param("code")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *ComplaintsModule) transition(c echo.Context) error {
	var in complaints.Transition
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	v, err := h.Svc.Transition(c.Request().Context(), caller(c), c.Param("code"), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, v)
}

type messageInput struct {
	Text string `json:"text"`
}

func (h *ComplaintsModule) message(c echo.Context) error {
	var in messageInput
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	v, err := h.Svc.Message(c.Request().Context(), caller(c), c.Param("code"), in.Text)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, v)
}

func (h *ComplaintsModule) mine(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	p, _ := PrincipalFrom(c)
	list, err := h.Svc.Mine(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"total": len(list), "items": list})
}

func (h *ComplaintsModule) partnerCases(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	p, _ := PrincipalFrom(c)
	org, err := h.Svc.PartnerOf(c.Request().Context(), p)
	if err != nil {
		return err
	}
	list, err := h.Svc.PartnerCases(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"partner": org, "total": len(list), "items": list})
}

func (h *ComplaintsModule) forModerators(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	list, err := h.Svc.ForModerators(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"total": len(list), "items": list})
}

func (h *ComplaintsModule) decideMessage(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	var in complaints.MessageDecisionInput
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	p, _ := PrincipalFrom(c)
	v, err := h.Svc.DecideMessage(c.Request().Context(), p, c.Param("code"), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, v)
}

func (h *ComplaintsModule) outcomes(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	out, err := h.Svc.Outcomes(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (h *ComplaintsModule) importPaper(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	if h.Paper == nil {
		return fmt.Errorf("api: paper reviews are not wired: %w", kawan.ErrUnavailable)
	}
	ct := strings.ToLower(c.Request().Header.Get(echo.HeaderContentType))
	if !strings.HasPrefix(ct, "text/csv") {
		return kawan.Invalid("Content-Type", "must be text/csv (the layout is in docs/complaints.md)")
	}
	data, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return jsonError(err)
	}
	p, _ := PrincipalFrom(c)
	out, err := h.Paper.Import(c.Request().Context(), p, data)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"imported": len(out), "items": out})
}
