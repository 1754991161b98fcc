package app

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/store"
)

// redactStored applies the current redaction to reviews stored under an older one, once per
// moderation.RedactionVersion (recorded in meta "redaction"), in the background at start.
func (a *App) redactStored(ctx context.Context) {
	db := a.Store.DB()
	var m struct {
		Version int `bson:"version"`
	}
	if err := store.Meta(ctx, db, "redaction", &m); err != nil && !errors.Is(err, kawan.ErrNotFound) {
		a.Log.Warn("redaction of stored reviews: read its version; next start retries", "err", err)
		return
	}
	if m.Version >= moderation.RedactionVersion {
		return
	}
	n, err := a.Reviews.RedactStored(ctx, moderation.Redact)
	if err != nil {
		a.Log.Warn("redaction of stored reviews failed; next start retries", "rewritten", n, "err", err)
		return
	}
	if err := store.SetMeta(ctx, db, "redaction", bson.D{{Key: "version", Value: moderation.RedactionVersion}}); err != nil {
		a.Log.Warn("redaction of stored reviews: record its version", "err", err)
	}
	a.Log.Info("stored reviews redacted with the current forms of personal data", "rewritten", n, "version", moderation.RedactionVersion)
}
