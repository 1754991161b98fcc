package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// HTTPTokens signs simulated workers in through the public API: it registers an account
// per user (POST /v1/auth/register) and logs it in (POST /v1/auth/login), building both
// bodies from openapi.yaml. Moderators cannot be created over the API; pass
// ModeratorTokens for them.
type HTTPTokens struct {
	BaseURL string
	// ModeratorTokens are used for role "moderator" (e.g. from `kawan users create`).
	ModeratorTokens []string
	// ForwardedFor gives each account its own X-Forwarded-For address (198.19.0.0/16),
	// so per-client registration limits do not throttle set-up; the server must trust loopback.
	ForwardedFor bool

	once   sync.Once
	cat    *Catalog
	err    error
	prefix string
	hc     http.Client
}

// Token implements TokenSource.
func (h *HTTPTokens) Token(ctx context.Context, role string, i int) (string, error) {
	if role != "worker" {
		if role == "moderator" && len(h.ModeratorTokens) > 0 {
			return h.ModeratorTokens[i%len(h.ModeratorTokens)], nil
		}
		return "", fmt.Errorf("loadgen: %s accounts cannot be created through the API", role)
	}
	h.once.Do(func() {
		h.hc.Timeout = 60 * time.Second
		h.prefix = fmt.Sprintf("load%06x", rand.Uint32()&0xffffff)
		var spec []byte
		spec, h.err = h.get(ctx, "/openapi.yaml")
		if h.err == nil {
			h.cat, h.err = LoadCatalog(spec)
		}
	})
	if h.err != nil {
		return "", h.err
	}
	reg, login := h.cat.Get(http.MethodPost, "/v1/auth/register"), h.cat.Get(http.MethodPost, "/v1/auth/login")
	if reg == nil || login == nil {
		return "", errors.New("loadgen: no register/login routes in openapi.yaml yet")
	}
	user := fmt.Sprintf("%s_w%d", h.prefix, i)
	over := map[string]any{"username": user, "password": "load test passphrase " + user + " fictional"}
	xff := ""
	if h.ForwardedFor {
		xff = fmt.Sprintf("198.19.%d.%d", (i/250)%256, i%250+1)
	}
	r := rand.New(rand.NewPCG(uint64(i), 1))
	st, _, err := h.post(ctx, reg.Path, (&Sampler{R: r, Overrides: over}).Sample(reg.Body, ""), xff)
	if err != nil {
		return "", err
	}
	if st/100 != 2 && st != http.StatusConflict {
		return "", fmt.Errorf("loadgen: register %s: status %d", user, st)
	}
	st, body, err := h.post(ctx, login.Path, (&Sampler{R: r, Overrides: over}).Sample(login.Body, ""), xff)
	if err != nil {
		return "", err
	}
	if st != http.StatusOK {
		return "", fmt.Errorf("loadgen: login %s: status %d", user, st)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("loadgen: login %s: no access_token in the answer", user)
	}
	return tok.AccessToken, nil
}

func (h *HTTPTokens) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.BaseURL+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := h.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	return io.ReadAll(io.LimitReader(res.Body, 16<<20))
}

// post sends JSON, waiting out 429/503 answers (honouring Retry-After) up to 5 tries.
func (h *HTTPTokens) post(ctx context.Context, path string, body any, xff string) (int, []byte, error) {
	b, _ := json.Marshal(body)
	for try := 0; ; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.BaseURL+path, bytes.NewReader(b))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		res, err := h.hc.Do(req)
		if err != nil {
			return 0, nil, err
		}
		data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if (res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable) && try < 5 {
			wait, _ := strconv.Atoi(res.Header.Get("Retry-After"))
			select {
			case <-time.After(time.Duration(min(max(wait, 1), 10)) * time.Second):
			case <-ctx.Done():
				return 0, nil, ctx.Err()
			}
			continue
		}
		return res.StatusCode, data, nil
	}
}

// DefaultTokens is the token source the load tool uses: accounts registered through the
// API. db (may be nil) is the server's database, for in-process helpers added by areas
// that can mint tokens directly.
func DefaultTokens(baseURL string, db any, moderatorTokens []string, forwardedFor bool) TokenSource {
	return &HTTPTokens{BaseURL: baseURL, ModeratorTokens: moderatorTokens, ForwardedFor: forwardedFor}
}
