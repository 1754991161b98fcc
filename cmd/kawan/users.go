package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/store"
)

// runUsers manages accounts without the API, so a fresh install can get its first admin:
//
//	kawan users create --role admin --username ana < password.txt
//
// The password is read from the first line of standard input (never from a flag, which
// would land in shell history and the process list) and must pass the password policy.
func runUsers(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"usage: kawan users create --role ROLE --username NAME [--agency ID] (password on stdin)"}
	}
	fs := flag.NewFlagSet("users create", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	role := fs.String("role", "worker", "role: worker, agency_rep, moderator or admin")
	username := fs.String("username", "", "username (3-32 letters, digits, . _ -)")
	agency := fs.String("agency", "", "agency ID (agency_rep only)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	if *username == "" {
		return usageError{"--username is required"}
	}
	if e.stdin == nil {
		return usageError{"the password is read from standard input"}
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, auth.MaxPasswordBytes+2)).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("read password from stdin: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return usageError{"no password on standard input"}
	}
	st, err := store.Open(ctx, store.Options{URI: e.cfg.MongoURI, Database: e.cfg.MongoDatabase, DataDir: e.cfg.DataDir, Logger: e.log})
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	svc, err := auth.New(store.NewUsers(st.DB()), auth.Options{DataDir: e.cfg.DataDir, JWTKeys: e.cfg.JWTKeys,
		FingerprintKey: e.cfg.FingerprintKey, Logger: e.log, Audit: store.NewAuditLog(st.DB())})
	if err != nil {
		return err
	}
	u, err := svc.CreateUser(ctx, auth.Registration{Username: *username, Password: password}, kawan.Role(*role), *agency, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created %s account %q (id %s)\n", u.Role, u.Username, u.ID)
	return nil
}
