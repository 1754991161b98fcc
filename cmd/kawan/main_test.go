package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/config"
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
