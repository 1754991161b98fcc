package app

import (
	"context"
	"time"

	"github.com/kawan-labs/kawan/agencies"
)

// DemoAgencyCount is how many fictional agencies a first start loads.
const DemoAgencyCount = 200

// loadDemoAgencies loads the fictional agency registry: names end in "(Demo)", licence
// numbers start with "DEMO-", every record is marked fictional (see agencies.DemoAgencies).
func loadDemoAgencies(ctx context.Context, a *App) error {
	_, err := a.Agencies.LoadDemo(ctx, agencies.DemoAgencies(DemoAgencyCount, 2026, time.Now()))
	return err
}
