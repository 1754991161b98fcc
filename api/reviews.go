package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/reviews"
)

// ReviewsModule serves reviews: submission, listing and full-text search (from the search
// index), agency replies, helpful votes, and each agency's ratings summary and score.
type ReviewsModule struct {
	Svc *reviews.Service
	// Fingerprint, when set, gives the keyed client fingerprint (auth) stored with a review
	// for moderation's fraud signals; never the raw address.
	Fingerprint func(c echo.Context) string
	// NetPrefix, when set, gives the keyed fingerprint of the request's network prefix
	// (auth), which survives a browser change; never the raw address.
	NetPrefix func(c echo.Context) string
	// AccountSince, when set, gives when the author's account was created (auth), for
	// moderation's new-account signal.
	AccountSince func(ctx context.Context, userID string) time.Time
}

// Register adds the review routes.
func (h *ReviewsModule) Register(r *Router) {
	r.API(http.MethodPost, "/agencies/:id/reviews", h.submit, Roles(kawan.RoleWorker))
	r.API(http.MethodGet, "/agencies/:id/reviews", h.listForAgency, Public)
	r.API(http.MethodGet, "/agencies/:id/ratings", h.ratings, Public)
	r.API(http.MethodGet, "/reviews", h.search, Public)
	r.API(http.MethodGet, "/reviews/:id", h.get, Public)
	r.API(http.MethodPost, "/reviews/:id/reply", h.reply, Roles(kawan.RoleAgencyRep))
	r.API(http.MethodPost, "/reviews/:id/votes", h.vote, AnyUser)
	r.API(http.MethodGet, "/rankings/agencies", h.topRated, Public)
	r.API(http.MethodGet, "/me/reviews", h.mine, AnyUser)
}

// mine lists the caller's own reviews with their status and appeal state.
func (h *ReviewsModule) mine(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	rs, err := h.Svc.Mine(c.Request().Context(), p.UserID)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"reviews": rs, "total": len(rs)})
}

func (h *ReviewsModule) submit(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var in reviews.Submission
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	author := reviews.Author{UserID: p.UserID}
	if h.Fingerprint != nil {
		author.ClientFP = h.Fingerprint(c)
	}
	if h.NetPrefix != nil {
		author.NetFP = h.NetPrefix(c)
	}
	if author.Since = p.Since; author.Since.IsZero() && h.AccountSince != nil {
		// A token signed before tokens carried the account's creation time.
		author.Since = h.AccountSince(c.Request().Context(), p.UserID)
	}
	res, err := h.Svc.Submit(c.Request().Context(), c.Param("id"), author, in, c.Request().Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	if res.Replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/reviews/"+res.ID)
	return c.JSON(http.StatusCreated, res)
}

func (h *ReviewsModule) listForAgency(c echo.Context) error {
	q, err := listQuery(c, "sort", "lang", "page", "per_page")
	if err != nil {
		return err
	}
	q.AgencyID = c.Param("id")
	page, err := h.Svc.List(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (h *ReviewsModule) search(c echo.Context) error {
	q, err := listQuery(c, "q", "origin", "destination", "sort", "lang", "page", "per_page")
	if err != nil {
		return err
	}
	page, err := h.Svc.List(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// listQuery reads the allowed query parameters (queryParams refuses others and repeats).
func listQuery(c echo.Context, allowed ...string) (reviews.ListQuery, error) {
	if err := queryParams(c, allowed...); err != nil {
		return reviews.ListQuery{}, err
	}
	qs := c.QueryParams()
	v := &kawan.ValidationError{}
	q := reviews.ListQuery{Q: qs.Get("q"), Origin: qs.Get("origin"), Destination: qs.Get("destination"),
		Sort: qs.Get("sort"), Lang: qs.Get("lang"), Page: intParam(v, c, "page"), PerPage: intParam(v, c, "per_page")}
	return q, v.Err()
}

func (h *ReviewsModule) get(c echo.Context) error {
	d, err := h.Svc.Review(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (h *ReviewsModule) ratings(c echo.Context) error {
	s, err := h.Svc.Ratings(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s)
}

func (h *ReviewsModule) reply(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var in struct {
		Text string `json:"text"`
		Lang string `json:"lang"`
	}
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	res, err := h.Svc.Reply(c.Request().Context(), p, c.Param("id"), in.Text, in.Lang)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

func (h *ReviewsModule) vote(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	n, err := h.Svc.Vote(c.Request().Context(), c.Param("id"), p.UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]int{"helpful_count": n})
}

func (h *ReviewsModule) topRated(c echo.Context) error {
	if err := queryParams(c, "limit"); err != nil {
		return err
	}
	limit := 20
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return kawan.Invalid("limit", "must be a whole number from 1 to 100")
		}
		limit = n
	}
	top, err := h.Svc.TopRated(c.Request().Context(), limit)
	if err != nil {
		return err
	}
	type item struct {
		AgencyID string `json:"agency_id"`
		Rank     int    `json:"rank"`
		Score    any    `json:"score"`
	}
	out := make([]item, len(top))
	for i := range top {
		out[i] = item{AgencyID: top[i].AgencyID, Rank: i + 1, Score: top[i]}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out, "total": len(out)})
}
