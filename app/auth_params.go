package app

import "github.com/kawan-labs/kawan/auth"

// PasswordParams, when set before New (end-to-end tests), replaces the production argon2id
// parameters so tests that create many accounts stay fast. Hashes carry their parameters,
// so accounts made with either verify everywhere.
var PasswordParams *auth.Params

func (a *App) passwordParams() auth.Params {
	if PasswordParams != nil {
		return *PasswordParams
	}
	return auth.DefaultParams
}
