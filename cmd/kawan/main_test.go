package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/config"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestHelpListsEveryVariable(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--help"}, func(string) string { return "" }, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, o := range config.Options {
		if !strings.Contains(out.String(), o.Name) {
			t.Errorf("--help lacks %s", o.Name)
		}
	}
}

func TestBadConfigExits2WithOneLine(t *testing.T) {
	var out, errb bytes.Buffer
	env := map[string]string{"MONGODB_URI": "not a uri"}
	code := run(nil, func(k string) string { return env[k] }, nil, &out, &errb)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if lines := strings.Count(strings.TrimSpace(errb.String()), "\n"); lines != 0 || !strings.Contains(errb.String(), "MONGODB_URI") {
		t.Fatalf("want one line naming MONGODB_URI, got %q", errb.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"frobnicate"}, func(string) string { return "" }, nil, &out, &errb); code != 2 {
		t.Fatalf("exit %d", code)
	}
}

func TestUsersCreateAdmin(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"KAWAN_DATA_DIR": dir, "MONGODB_URI": storetest.EmbeddedURI(t), "MONGODB_DATABASE": "cli_users_test", "KAWAN_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	var out, errb bytes.Buffer
	code := run([]string{"users", "create", "--role", "admin", "--username", "First.Admin"}, getenv,
		strings.NewReader("a long and fine admin passphrase\n"), &out, &errb)
	if code != 0 || !strings.Contains(out.String(), `admin account "first.admin"`) {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	if strings.Contains(out.String()+errb.String(), "passphrase") {
		t.Fatal("the password was echoed")
	}
	// the same name again is refused, and a weak password is refused
	out.Reset()
	errb.Reset()
	if code := run([]string{"users", "create", "--role", "admin", "--username", "first.admin"}, getenv,
		strings.NewReader("another long fine passphrase\n"), &out, &errb); code != 1 {
		t.Fatalf("duplicate: exit %d", code)
	}
	if code := run([]string{"users", "create", "--role", "admin", "--username", "second.admin"}, getenv,
		strings.NewReader("password1\n"), &out, &errb); code != 1 || !strings.Contains(errb.String(), "password") {
		t.Fatalf("weak password: exit %d %s", code, errb.String())
	}
	if code := run([]string{"users", "create", "--role", "root", "--username", "x.admin"}, getenv,
		strings.NewReader("a long and fine admin passphrase\n"), &out, &errb); code != 1 {
		t.Fatalf("bad role: exit %d", code)
	}
	if code := run([]string{"users", "create", "--username", "y.admin"}, getenv, strings.NewReader(""), &out, &errb); code != 2 {
		t.Fatalf("no password: exit %d", code)
	}
}
