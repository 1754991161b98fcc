package app

import (
	"context"
	"errors"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/complaints"
	"github.com/kawan-labs/kawan/complaints/paper"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/store"
)

// wireComplaints builds the complaints service (after help, accounts and reviews: partners
// are help-directory entries with partner accounts; a complaint's agency is checked like a
// review's; messages are screened like agency replies) and its background job, which flags
// cases unanswered for 7 days to the moderators.
func (a *App) wireComplaints(modules *[]api.Module) {
	db := a.Store.DB()
	st := store.NewComplaints(db)
	a.Complaints = complaints.New(st, complaints.Options{
		K:            a.Config.StatsK,
		Directory:    a.Help,
		AgencyExists: store.NewReviews(db).AgencyExists,
		CreateAccount: func(ctx context.Context, username, password string, demo bool) (string, error) {
			u, err := a.Auth.CreateUser(ctx, auth.Registration{Username: username, Password: password}, kawan.RolePartner, "", demo)
			if err != nil {
				return "", err
			}
			return u.ID, nil
		},
		Screen:  moderation.ScreenReply,
		Counter: st,
		Audit:   store.NewAuditLog(db),
		Paper:   st,
		Logger:  a.Log.With("component", "complaints"),
	})
	a.AddJob(a.Complaints.Run)
	// Paper reviews go through the reviews service like any other; a published one is
	// verified through moderation's own decision (by this system moderator, in the audit log).
	a.PaperReviews = &paper.Importer{Complaints: a.Complaints, Records: st, Reviews: a.Reviews,
		AgencyExists: store.NewReviews(db).AgencyExists, Log: a.Log.With("component", "paper-reviews"),
		Verify: func(ctx context.Context, reviewID string) error {
			_, err := a.Moderation.Decide(ctx, kawan.Principal{UserID: PaperReviewVerifier, Role: kawan.RoleModerator}, reviewID,
				moderation.Decision{Action: moderation.ActionVerify, Reason: moderation.ReasonMeetsGuidelines})
			return err
		}}
	*modules = append(*modules, &api.ComplaintsModule{Svc: a.Complaints, Paper: a.PaperReviews})
}

// PaperReviewVerifier is the moderator ID the audit log shows for the verification of a
// published paper review (the partner vouches for having collected it).
const PaperReviewVerifier = "system-paper-reviews"

// demoPartners are fictional partner organisations on the sample help directory's
// entries, each with a demo account (password DemoPassword).
var demoPartners = []struct {
	account string
	in      complaints.PartnerInput
}{
	{"demo.partner", complaints.PartnerInput{HelpID: "sample-np-embassy-qa", Countries: []string{"QA"}, Nationalities: []string{"NP"}, Kinds: complaints.Facts}},
	{"demo.shelter", complaints.PartnerInput{HelpID: "sample-qa-workers-shelter", Countries: []string{"QA"},
		Kinds: []string{"wages_unpaid", "documents_withheld", "excessive_hours", "abuse", "debt_bondage"}}},
}

// loadDemoPartners is the complaints area's demo loader: the fictional partners and their
// accounts (after the sample help directory).
func loadDemoPartners(ctx context.Context, a *App) error {
	if a.Complaints == nil || a.Auth == nil {
		return nil
	}
	system := kawan.Principal{UserID: "demo", Role: kawan.RoleAdmin}
	for _, d := range demoPartners {
		p, err := a.Complaints.CreatePartner(ctx, system, d.in)
		if errors.Is(err, kawan.ErrNotFound) {
			continue // the sample directory entry is not there
		}
		if err != nil {
			var ve *kawan.ValidationError
			if errors.As(err, &ve) {
				continue
			}
			return err
		}
		if _, err := a.Complaints.AddPartnerAccount(ctx, system, p.ID, d.account, DemoPassword, true); err != nil && !errors.Is(err, kawan.ErrConflict) {
			return err
		}
	}
	a.Log.Warn("DEMO MODE: fictional partner organisations with demo accounts", "accounts", []string{"demo.partner (partner)", "demo.shelter (partner)"})
	return nil
}
