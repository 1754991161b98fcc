package app

import "context"

// demoHelp loads the sample help directory shipped in the repo (fictional entries, each
// marked sample).
func demoHelp(ctx context.Context, a *App) error {
	_, err := a.Help.Seed(ctx)
	return err
}
