// Command kawan runs the Kawan marketplace: `kawan` (or `kawan serve`) starts the whole
// product; other subcommands import data, rebuild the search index and manage users.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/config"
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what every subcommand gets: configuration, logger and standard streams.
type env struct {
	cfg    *config.Config
	log    *slog.Logger
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// usageError makes main exit 2 (bad invocation or configuration).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func commands() map[string]command {
	return map[string]command{
		"serve": {"start the whole product (the default)", runServe},
		// ---- subcommands: keep this marker; one line per subcommand ----
		"import":  {"import regulators' lists (kawan import agencies --profile NAME FILE) or the World Bank's remittance price survey (kawan import rpw FILE)", runImport},
		"reindex": {"rebuild the agency search index from the database", runReindex},
		"users":   {"manage accounts: users create --role admin --username NAME (password on stdin)", runUsers},
		"stats":   {"write a release of the open data (a CSV per table, catalogue.json): kawan stats --dir DIR", runOpenData},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") || name == "help" {
		fmt.Fprint(stdout, usage())
		return 0
	}
	cmd, ok := commands()[name]
	if !ok {
		fmt.Fprintf(stderr, "kawan: unknown command %q; run 'kawan --help'\n", name)
		return 2
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "kawan: %v\n", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = cmd.run(ctx, &env{cfg: cfg, log: log, stdin: stdin, stdout: stdout, stderr: stderr}, args)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "kawan %s: %v\n", name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "kawan %s: %s\n", name, oneLine(err.Error()))
		return 1
	}
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return s
}

func usage() string {
	var b strings.Builder
	b.WriteString("Kawan: compare recruitment agencies and remittance providers, for migrant workers.\n\n")
	b.WriteString("Usage: kawan [command] [flags]\n\nCommands:\n")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nRun 'kawan COMMAND --help' for a command's flags.\n\n")
	b.WriteString(config.Usage())
	return b.String()
}

func runServe(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Sprintf("serve takes no arguments, got %q", args)}
	}
	start := time.Now()
	a, err := app.New(ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := a.Close(cctx); err != nil {
			e.log.Warn("shutdown", "err", err)
		}
	}()
	err = a.Run(ctx, func(addr net.Addr) {
		where := "an embedded FerretDB in " + e.cfg.DataDir
		if e.cfg.MongoURI != "" {
			where = "MongoDB"
		}
		e.log.Info("kawan is ready", "url", "http://"+addr.String()+"/", "database", where,
			"startup", time.Since(start).Round(time.Millisecond))
		fmt.Fprintf(e.stdout, "Kawan is running: open http://%s/ (Ctrl+C to stop)\n", addr)
	})
	if err != nil {
		return err
	}
	e.log.Info("kawan stopped cleanly")
	return nil
}
