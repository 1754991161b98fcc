package app

import (
	"bytes"
	"context"

	"github.com/kawan-labs/kawan/rpw"
	"github.com/kawan-labs/kawan/rpw/demodata"
)

// loadDemoSurvey imports the FICTIONAL survey for the demo corridors (rpw/demodata), marked
// fictional, so /send and GET /v1/corridors/{corridor}/survey show the survey layer working.
func loadDemoSurvey(ctx context.Context, a *App) error {
	p, err := rpw.ReadCSV(bytes.NewReader(demodata.CSV), int64(len(demodata.CSV)), "rpw/demodata/rpw_demo_fictional.csv", rpw.ReadOptions{})
	if err != nil {
		return err
	}
	rep, err := a.Survey.Import(ctx, p, rpw.ImportOptions{Fictional: true})
	if err != nil {
		return err
	}
	a.Log.Info("fictional World Bank-style survey loaded", "summary", rep.Summary())
	return nil
}
