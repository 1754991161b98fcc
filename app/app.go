// Package app wires Kawan together from a Config: the store, the search index, the
// remittance engine, the domain services and the HTTP server, plus the background jobs.
// cmd/kawan and the end-to-end tests both build the product through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/channels"
	"github.com/kawan-labs/kawan/complaints"
	"github.com/kawan-labs/kawan/complaints/paper"
	"github.com/kawan-labs/kawan/config"
	"github.com/kawan-labs/kawan/frontend"
	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/help"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/reviews"
	"github.com/kawan-labs/kawan/rpw"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/stats"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/textbot"
)

// Version is the build's version string.
var Version = "dev"

// App is the running product.
type App struct {
	Config *config.Config
	Log    *slog.Logger
	Store  *store.Store
	Search search.Index
	Server *api.Server

	// Domain services, for the frontend, subcommands and end-to-end tests. Each area adds its
	// field below its marker.
	// ---- fx service field: keep this marker ----
	// FX is the remittance comparison engine: Compare, Corridors, Providers, Status, History, DailyCosts.
	FX *fx.Service
	// Survey is the World Bank's Remittance Prices Worldwide survey (`kawan import rpw`):
	// the dated reference shown beside live quotes.
	Survey *rpw.Service

	// ---- agencies service fields: keep this marker ----
	// Agencies is the agency registry (search, profiles, licence checks, imports); its
	// search index is Search.
	Agencies *agencies.Service
	// Registry fetches the regulators' lists of KAWAN_REGISTRY_SOURCES on a schedule
	// (none configured: it does nothing and its status is empty).
	Registry *agencies.Sources
	// Follows lets accounts follow agencies and serves each agency's changes (its history).
	Follows *agencies.Follows

	// ---- auth service field: keep this marker ----
	// Auth is accounts, sessions, fingerprints and rate limits; AuthAPI its routes (and the
	// request limiter and fingerprint function other modules use).
	Auth    *auth.Service
	AuthAPI *api.AuthModule

	// ---- reviews service field: keep this marker ----
	// Reviews submits, reads, syncs and scores reviews; ReviewIndex is its search index.
	Reviews     *reviews.Service
	ReviewIndex search.ReviewIndex

	// ---- moderation service field: keep this marker ----
	// Screener screens every new review (Assess before the insert, Record after);
	// Moderation runs the moderator queue and the lifecycle.
	Screener   *moderation.Screener
	Moderation *moderation.Service

	// ---- stats and help service fields: keep this marker ----
	// Help is the help directory and the rights pages; Stats the open-data statistics.
	Help  *help.Service
	Stats *stats.Service

	// ---- text channels fields: keep this marker ----
	// Text is the text conversation engine behind the SMS, WhatsApp, Telegram, Viber and
	// gateway channels; TextSessions its sessions, short links and follows; TextOutbox the
	// outbound Viber client (nil when Viber is off); TextNotify what the follow notifier uses.
	Text         *textbot.Engine
	TextSessions *store.TextSessions
	TextOutbox   *channels.Outbox
	TextNotify   textbot.Notify
	textModule   *api.ChannelsModule
	// ---- complaints service field: keep this marker ----
	// Complaints files complaints, runs their cases with partner organisations and
	// publishes outcomes per agency.
	Complaints *complaints.Service
	// PaperReviews imports partners' paper and phone reviews from CSV.
	PaperReviews *paper.Importer

	// jobs are background loops started by Run (feed refresh, search reconciler, clean-up).
	// Each must return when its context is cancelled.
	jobs []func(ctx context.Context)
	// closers run in reverse order on Close.
	closers []func(ctx context.Context) error
}

// New opens everything the configuration names and builds the HTTP server. It does not
// listen or start background jobs; Run does.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &App{Config: cfg, Log: log}
	st, err := store.Open(ctx, store.Options{
		URI: cfg.MongoURI, Database: cfg.MongoDatabase, DataDir: cfg.DataDir,
		Logger: log.With("component", "store"), Monitor: cfg.StoreMonitor,
	})
	if err != nil {
		return nil, err
	}
	a.Store = st
	a.closers = append(a.closers, st.Close)

	idx, err := search.Open(ctx, search.Options{Dir: filepath.Join(cfg.DataDir, "search"), MeiliURL: cfg.MeiliURL, MeiliAPIKey: cfg.MeiliAPIKey})
	if err != nil {
		a.Close(context.Background())
		return nil, err
	}
	a.Search = idx
	a.closers = append(a.closers, func(context.Context) error { return idx.Close() })

	deps := api.Deps{
		Logger:         log.With("component", "api"),
		Ready:          map[string]api.Pinger{"database": st, "search": idx},
		TrustedProxies: cfg.TrustedProxies,
		BodyLimit:      cfg.BodyLimit,
		Version:        Version,
	}
	var modules []api.Module

	// Every service is built once, with what it needs, in dependency order: fx; moderation's
	// screener (it depends on no service) and reviews; moderation's lifecycle (it syncs through
	// reviews); agencies (scored by reviews); accounts (erasure and export reach reviews);
	// help and statistics (fed by fx); the browser pages (they use all of them).
	// ---- fx (remittances) wiring: keep this marker ----
	if err := a.wireFx(ctx, &modules); err != nil {
		a.Close(context.Background())
		return nil, err
	}

	// ---- reviews and ranking wiring: keep this marker ----
	if err := a.wireReviews(ctx, &deps); err != nil {
		a.Close(context.Background())
		return nil, err
	}

	// ---- moderation wiring: keep this marker ----
	a.wireModeration()

	// ---- agencies and search wiring: keep this marker ----
	if err := a.wireAgencies(); err != nil {
		a.Close(context.Background())
		return nil, err
	}

	// ---- auth wiring: keep this marker ----
	if err := a.wireAuth(ctx, &deps); err != nil {
		a.Close(context.Background())
		return nil, err
	}

	// ---- stats and help wiring: keep this marker ----
	a.wireStats()

	// ---- text channels wiring: keep this marker ----
	if err := a.wireText(); err != nil {
		a.Close(context.Background())
		return nil, err
	}
	// ---- complaints wiring: keep this marker ----
	a.wireComplaints(&modules)

	modules = append(modules, &api.AgenciesModule{Svc: a.Agencies}, &api.RegistryModule{Sources: a.Registry},
		&api.FollowsModule{Svc: a.Follows}, a.AuthAPI,
		&api.ReviewsModule{Svc: a.Reviews, Fingerprint: a.AuthAPI.Fingerprint, NetPrefix: a.AuthAPI.NetPrefix, AccountSince: a.Auth.AccountCreated},
		&api.ModerationModule{Svc: a.Moderation}, &api.HelpModule{Svc: a.Help}, &api.StatsModule{Svc: a.Stats},
		a.textModule)

	// ---- frontend wiring (last: it may use every service above): keep this marker ----
	if err := a.wireFrontend(&deps, &modules); err != nil {
		a.Close(context.Background())
		return nil, err
	}

	a.Server = api.New(deps, modules...)

	// Demo data last: the wiring is complete, so demo reviews are screened and counted like
	// any others.
	if cfg.Demo {
		if err := a.loadDemo(ctx); err != nil {
			a.Close(context.Background())
			return nil, err
		}
		a.announceDemoAccounts()
	}
	return a, nil
}

// Run listens on cfg.Addr, starts the background jobs, and serves until ctx is cancelled;
// then it stops accepting, lets in-flight requests finish (up to 10 s) and stops the jobs.
// ready, if not nil, receives the bound address once the listener is up.
func (a *App) Run(ctx context.Context, ready func(addr net.Addr)) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (KAWAN_ADDR): %w", a.Config.Addr, err)
	}
	jobCtx, stopJobs := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, job := range a.jobs {
		wg.Add(1)
		go func() { defer wg.Done(); job(jobCtx) }()
	}
	srv := a.Server.HTTPServer(a.Config.Addr)
	errCh := make(chan error, 1)
	go func() { errCh <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err = <-errCh:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	stopJobs()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// AddJob registers a background loop started by Run.
func (a *App) AddJob(job func(ctx context.Context)) { a.jobs = append(a.jobs, job) }

// Close releases everything New opened, in reverse order.
func (a *App) Close(ctx context.Context) error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i](ctx))
	}
	a.closers = nil
	return errors.Join(errs...)
}

// wireReviews opens the review index and builds moderation's screener (the decision point
// of every new review; it depends on no other service: representatives' fingerprints come
// from the accounts store) and the reviews service with it, and their background jobs (the
// screener's batched records, the reviews reconciler).
func (a *App) wireReviews(ctx context.Context, deps *api.Deps) error {
	cfg := a.Config
	idx, err := search.OpenReviews(ctx, search.Options{Dir: filepath.Join(cfg.DataDir, "search"), MeiliURL: cfg.MeiliURL, MeiliAPIKey: cfg.MeiliAPIKey})
	if err != nil {
		return err
	}
	a.ReviewIndex = idx
	a.closers = append(a.closers, func(context.Context) error { return idx.Close() })
	deps.Ready["review index"] = idx
	db := a.Store.DB()
	a.Screener = moderation.NewScreener(store.NewModeration(db), store.NewAuditLog(db), moderation.ScreenerOptions{
		Thresholds:      moderation.Thresholds{HoldAt: cfg.ModerationHoldAt, WatchAt: cfg.ModerationWatchAt},
		Representatives: auth.NewRepresentatives(store.NewUsers(db)),
		Logger:          a.Log.With("component", "moderation"),
	})
	a.AddJob(a.Screener.Run)
	a.closers = append(a.closers, a.Screener.Flush)
	ro := reviews.Options{Logger: a.Log.With("component", "reviews"), Screener: a.Screener, ReplyScreener: moderation.ScreenReply,
		Exclude: agencies.Exclusion}
	if !a.Store.Embedded() {
		ro.MaxConcurrentSubmissions = 64 // a real MongoDB takes concurrent writers
	}
	a.Reviews = reviews.New(store.NewReviews(db), idx, ro)
	a.AddJob(func(ctx context.Context) { a.Reviews.Reconcile(ctx, reviews.ReconcileOptions{}) })
	a.AddJob(a.redactStored)
	return nil
}

// wireAgencies builds the agency registry service on the agency index (a.Search), scored
// by the reviews area, its reconciler (re-indexes agencies whose indexed_version is behind,
// which also carries review aggregates into search), the scheduled registry sources
// (KAWAN_REGISTRY_SOURCES) and follows.
func (a *App) wireAgencies() error {
	a.Agencies = agencies.New(store.NewAgencies(a.Store.DB()), a.Search, agencies.Options{Logger: a.Log.With("component", "agencies"),
		Scorer: a.Reviews})
	a.AddJob(func(ctx context.Context) { a.Agencies.Reconcile(ctx, agencies.ReconcileOptions{}) })
	specs := make([]agencies.SourceSpec, 0, len(a.Config.RegistrySources))
	for _, rs := range a.Config.RegistrySources {
		specs = append(specs, agencies.SourceSpec{Profile: rs.Profile, Regulator: rs.Regulator, Location: rs.Location})
	}
	reg, err := agencies.NewSources(a.Agencies, store.NewRegistrySources(a.Store.DB()), agencies.SourcesOptions{
		Specs: specs, Interval: a.Config.RegistryInterval, Logger: a.Log.With("component", "registry")})
	if err != nil {
		return fmt.Errorf("KAWAN_REGISTRY_SOURCES: %w", err)
	}
	a.Registry = reg
	a.Follows = agencies.NewFollows(a.Agencies, store.NewWatches(a.Store.DB()))
	a.AddJob(reg.Run)
	return nil
}

// wireFrontend builds the browser pages from whichever services are wired above and
// makes API errors on browser routes render as HTML pages in the visitor's language.
func (a *App) wireFrontend(deps *api.Deps, modules *[]api.Module) error {
	f, err := frontend.New(frontend.Options{
		Logger:      a.Log.With("component", "frontend"),
		Demo:        a.Config.Demo,
		Reviews:     a.Reviews,
		Agencies:    a.Agencies,
		Auth:        a.Auth,
		Moderation:  a.Moderation,
		Help:        a.Help,
		FX:          a.FX,
		Survey:      a.Survey,
		Registry:    a.Registry,
		Stats:       a.Stats,
		Follows:     a.Follows,
		TextFollows: a.TextSessions,
		Complaints:  a.Complaints,
		Paper:       a.PaperReviews,
		BaseURL:     a.Config.BaseURL,
	})
	if err != nil {
		return err
	}
	deps.HTMLErrors = f.HTMLError
	*modules = append(*modules, f)
	return nil
}

// wireModeration builds moderation's review lifecycle (queue, decisions, flags, appeals),
// which syncs reviews after every transition, and its audit recovery job.
func (a *App) wireModeration() {
	cfg := a.Config
	a.Moderation = moderation.New(store.NewModeration(a.Store.DB()), store.NewAuditLog(a.Store.DB()), a.Reviews, moderation.Options{
		Thresholds:    moderation.Thresholds{HoldAt: cfg.ModerationHoldAt, WatchAt: cfg.ModerationWatchAt},
		FlagThreshold: cfg.ModerationFlags,
		QueueCache:    cfg.ModerationQueueCache,
		Logger:        a.Log.With("component", "moderation"),
	})
	a.AddJob(a.Moderation.RunAuditRecovery)
}

// wireAuth builds the accounts service (signing keys and fingerprint secret from the
// environment or the data directory), its routes, the token verifier and the rate
// limiter every route passes through, and its background job (revocation sync, key
// rotation, clean-up). Erasure detaches or removes the account's reviews, votes, flags and
// moderation state (store.PersonalData) and re-syncs the reviews; the export includes them.
func (a *App) wireAuth(ctx context.Context, deps *api.Deps) error {
	cfg := a.Config
	db := a.Store.DB()
	pd := store.NewPersonalData(db)
	svc, err := auth.New(store.NewUsers(db), auth.Options{
		DataDir: cfg.DataDir, JWTKeys: cfg.JWTKeys, FingerprintKey: cfg.FingerprintKey,
		Logger: a.Log.With("component", "auth"), Audit: store.NewAuditLog(db),
		AgencyExists: store.NewReviews(db).AgencyExists,
		Params:       a.passwordParams(),
		// No e-mail or SMS sender exists yet: reset links are written to files under the
		// data directory (the development outbox; see docs/auth.md).
		Outbox:       auth.FileOutbox{Dir: filepath.Join(cfg.DataDir, "outbox"), Log: a.Log.With("component", "auth").Info},
		BaseURL:      cfg.BaseURL,
		ReviewEraser: &reviewEraser{pd: pd, syncer: a.Reviews, log: a.Log, complaints: store.NewComplaints(db)},
		Exports: []auth.ExportSource{{Func: func(ctx context.Context, userID string) (any, error) { return pd.Export(ctx, userID) }},
			{Name: "complaints", Func: func(ctx context.Context, userID string) (any, error) {
				cs, err := store.NewComplaints(db).CasesOfOwner(ctx, userID, complaints.MaxList)
				return complaints.OwnExport(cs), err
			}}},
	})
	if err != nil {
		return err
	}
	if err := svc.SyncRevocations(ctx); err != nil {
		return err
	}
	a.Auth = svc
	a.AuthAPI = &api.AuthModule{Svc: svc}
	deps.Tokens = svc
	deps.Limiter = a.AuthAPI
	a.AddJob(svc.Run)
	return nil
}

// wireStats builds the help directory and the open-data statistics. The statistics read
// published reviews, agency sanctions and complaint cases (their counting fields only)
// straight from the store, convert with the live fx
// mid-market rates, and record the remittance cost history from fx's quotes.
func (a *App) wireStats() {
	a.Help = help.New(store.NewHelpEntries(a.Store.DB()), help.Options{})
	src := store.NewStatsSource(a.Store.DB())
	a.Stats = stats.New(src, src, nil, nil, stats.Options{K: a.Config.StatsK, Refresh: a.Config.StatsRefresh,
		Logger: a.Log.With("component", "stats"), FX: a.FX.Snapshot, Costs: store.NewRemittanceCosts(a.Store.DB()), Complaints: src})
	a.AddJob(a.Stats.Run)
}

// wireFx builds the remittance engine on the configured feeds (KAWAN_FEEDS; unset: the
// bundled fictional demo feeds), loads them once (from the database's last accepted copies,
// then from the sources), and starts the refresher as a background job.
func (a *App) wireFx(ctx context.Context, modules *[]api.Module) error {
	svc, err := fx.New(fx.Options{
		Sources:  a.Config.Feeds,
		Interval: a.Config.FeedInterval,
		// KAWAN_FX_MAX_DEVIATION: the default and per-corridor bounds from mid.
		MaxDeviation:         a.Config.FXBounds.Default,
		CorridorMaxDeviation: a.Config.FXBounds.Corridors,
		Store:                store.NewFX(a.Store.DB()),
		Logger:               a.Log.With("component", "fx"),
	})
	if err != nil {
		return err
	}
	if err := svc.Start(ctx); err != nil {
		return err
	}
	a.FX = svc
	a.Survey = rpw.New(rpw.Options{Store: store.NewRPW(a.Store.DB()), Logger: a.Log.With("component", "rpw")})
	*modules = append(*modules, &api.FXModule{Svc: svc, Survey: a.Survey})
	a.AddJob(svc.Run)
	return nil
}

// wireText builds the text conversation engine on the agencies, fx and help services (the
// sender's number keyed by the accounts' contact HMAC), the channel routes (each off until
// its secret is set), the outbound Viber client, the follow notifier and the session sweep.
func (a *App) wireText() error {
	cfg := a.Config
	ts := store.NewTextSessions(a.Store.DB())
	newest := func(ctx context.Context, id string, limit int) (string, error) {
		evs, err := a.Agencies.History(ctx, id, limit)
		if err != nil || len(evs) == 0 {
			return "", err
		}
		return evs[0].ID, nil
	}
	log := a.Log.With("component", "text")
	eng, err := textbot.New(textbot.Options{Licences: a.Agencies, Quotes: a.FX, Help: a.Help, Sessions: ts, History: newest,
		Hash: a.Auth.ContactHash, BaseURL: cfg.BaseURL, Every: cfg.TextRateEvery, Burst: cfg.TextRateBurst, Log: log})
	if err != nil {
		return err
	}
	a.Text, a.TextSessions = eng, ts
	mod := &api.ChannelsModule{Engine: eng, Seen: ts.FirstSeen, Link: ts.Link, BaseURL: cfg.BaseURL, TwilioToken: cfg.TwilioAuthToken,
		TelegramSecret: cfg.TelegramSecret, ViberToken: cfg.ViberToken, Gateways: cfg.TextGateways, Log: log}
	send := map[string]func(to, text string) bool{}
	if cfg.ViberToken != "" {
		box := channels.NewOutbox(&channels.Viber{URL: cfg.ViberAPIURL, Token: cfg.ViberToken}, channels.OutboxOptions{Log: log})
		a.TextOutbox, mod.Viber = box, box
		send["viber"] = box.Enqueue
		a.AddJob(box.Run)
	}
	a.textModule = mod
	a.TextNotify = textbot.Notify{Follows: ts, History: a.Agencies.History, Send: send}
	if len(send) > 0 {
		a.AddJob(func(ctx context.Context) { eng.RunNotifier(ctx, a.TextNotify, time.Minute) })
	}
	a.AddJob(func(ctx context.Context) {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				if _, err := ts.Sweep(ctx, now); err != nil {
					log.Warn("text session sweep", "err", err)
				}
			}
		}
	})
	return nil
}
