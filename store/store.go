// Package store is Kawan's system of record: it connects to MongoDB (or starts the
// embedded FerretDB), applies the ordered, versioned set-up steps, and hands out the
// repositories. It uses only what both MongoDB and FerretDB v1 support: single-document
// atomic updates, no transactions, no change streams, money as decimal strings.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/kawan-labs/kawan"
)

// Options says where the database is.
type Options struct {
	// URI of a MongoDB deployment; empty starts an embedded FerretDB in DataDir.
	URI string
	// Database name.
	Database string
	// DataDir holds the embedded FerretDB's SQLite files (under DataDir/db).
	DataDir string
	// Logger for store events; nil discards.
	Logger *slog.Logger
	// Monitor, when set, observes every database command (tests count operations with it).
	Monitor *event.CommandMonitor
}

// Store owns the database connection (and the embedded server, when there is one).
type Store struct {
	client   *mongo.Client
	db       *mongo.Database
	embedded *Embedded
	log      *slog.Logger
}

// Open connects, checks the server answers, and runs the set-up steps (indexes and data
// migrations) that have not run yet. It is safe to call from several processes at once.
func Open(ctx context.Context, o Options) (*Store, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{log: log}
	uri := o.URI
	if uri == "" {
		e, err := StartEmbedded(o.DataDir+"/db", slog.New(quietHandler{log.Handler(), slog.LevelError}).With("component", "ferretdb"))
		if err != nil {
			return nil, err
		}
		s.embedded = e
		uri = e.URI()
	} else if _, err := connstring.ParseAndValidate(uri); err != nil {
		return nil, fmt.Errorf("store: MONGODB_URI: %v", redactURIError(err))
	}
	if err := s.connect(ctx, uri, o.Database, o.Monitor); err != nil {
		s.Close(context.Background())
		return nil, err
	}
	if err := Migrate(ctx, s.db, log); err != nil {
		s.Close(context.Background())
		return nil, err
	}
	return s, nil
}

// Connect opens a Store on an existing database without starting anything (tests, tools).
func Connect(ctx context.Context, uri, database string) (*Store, error) {
	s := &Store{log: slog.New(slog.DiscardHandler)}
	if err := s.connect(ctx, uri, database, nil); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) connect(ctx context.Context, uri, database string, monitor *event.CommandMonitor) error {
	opts := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(5 * time.Second).
		SetConnectTimeout(5 * time.Second).
		SetTimeout(10 * time.Second).
		SetAppName("kawan")
	if monitor != nil {
		opts.SetMonitor(monitor)
	}
	c, err := mongo.Connect(opts)
	if err != nil {
		return fmt.Errorf("store: connect: %v", redactURIError(err))
	}
	s.client = c
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := c.Ping(pctx, readpref.Primary()); err != nil {
		return fmt.Errorf("store: database not reachable: %w", err)
	}
	s.db = c.Database(database)
	return nil
}

// DB returns the database handle repositories are built on.
func (s *Store) DB() *mongo.Database { return s.db }

// Client returns the underlying client.
func (s *Store) Client() *mongo.Client { return s.client }

// Embedded reports whether this store runs the in-process FerretDB.
func (s *Store) Embedded() bool { return s.embedded != nil }

// Ping checks the database answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("store: ping: %w", kawan.ErrUnavailable)
	}
	return nil
}

// Close disconnects and stops the embedded server (if any), waiting for it to flush.
func (s *Store) Close(ctx context.Context) error {
	var errs []error
	if s.client != nil {
		errs = append(errs, s.client.Disconnect(ctx))
	}
	if s.embedded != nil {
		errs = append(errs, s.embedded.Stop(10*time.Second))
	}
	return errors.Join(errs...)
}

// redactURIError drops anything that could echo credentials from a URI parse error.
func redactURIError(err error) string {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}

// Unavailable wraps a driver error that means the database could not be reached
// (server selection, network, timeouts) as kawan.ErrUnavailable, so the API answers 503
// with Retry-After instead of 500. Other errors pass through unchanged.
func Unavailable(err error) error {
	if u, ok := unavailable(err); ok {
		return u
	}
	return err
}

// unavailable reports whether err means the database could not be reached, and if so
// returns it wrapped. Callers must use the bool, never compare errors with ==: driver
// errors such as the pool-cleared error hold slices and panic when compared.
func unavailable(err error) (error, bool) {
	if err == nil {
		return nil, false
	}
	var pool driver.RetryablePoolError
	if mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, new(topology.ServerSelectionError)) || errors.Is(err, mongo.ErrClientDisconnected) ||
		errors.Is(err, topology.ErrTopologyClosed) || (errors.As(err, &pool) && pool.Retryable()) ||
		transientServerError(err) {
		return &kawan.RetryAfterError{Err: fmt.Errorf("%w: %v", kawan.ErrUnavailable, err), Seconds: 2}, true
	}
	return err, false
}

// transientCodes are server error codes that mean "not now" rather than "never": a
// shutting-down server, a replica-set election, a primary that stepped down, a network
// failure between mongos and a shard. Seen during restarts and failovers; retrying later works.
var transientCodes = []int{
	6,     // HostUnreachable
	7,     // HostNotFound
	89,    // NetworkTimeout
	91,    // ShutdownInProgress
	189,   // PrimarySteppedDown
	262,   // ExceededTimeLimit
	9001,  // SocketException
	10107, // NotWritablePrimary
	11600, // InterruptedAtShutdown
	11602, // InterruptedDueToReplStateChange
	13435, // NotPrimaryNoSecondaryOk
	13436, // NotPrimaryOrSecondary
}

// ferretShutdownMessages are the texts of FerretDB's InternalError replies while it stops.
var ferretShutdownMessages = []string{"context canceled", "database is closed", "sql: connection is already closed"}

func transientServerError(err error) bool {
	var se mongo.ServerError
	if !errors.As(err, &se) {
		return false
	}
	if se.HasErrorLabel("RetryableWriteError") || se.HasErrorLabel("TransientTransactionError") {
		return true
	}
	for _, c := range transientCodes {
		if se.HasErrorCode(c) {
			return true
		}
	}
	// FerretDB answers an operation cut short by its own shutdown with InternalError (1)
	// and the Go error text, not with ShutdownInProgress. A server-side "context canceled"
	// cannot be the client's own cancellation (that never reaches the server as a reply).
	for _, msg := range ferretShutdownMessages {
		if se.HasErrorCodeWithMessage(1, msg) {
			return true
		}
	}
	return false
}
