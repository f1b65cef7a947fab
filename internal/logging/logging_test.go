package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fixedTime stamps records deterministically.
var fixedTime = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func logOne(t *testing.T, format string, level slog.Level, msg string, attrs ...slog.Attr) string {
	t.Helper()
	var buf bytes.Buffer
	h, err := NewHandler(&buf, format, slog.LevelDebug)
	if err != nil {
		t.Fatal(err)
	}
	r := slog.NewRecord(fixedTime, level, msg, 0)
	r.AddAttrs(attrs...)
	if err := h.Handle(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestJSONLineShape(t *testing.T) {
	tests := []struct {
		level slog.Level
		msg   string
		attrs []slog.Attr
		want  string
	}{
		{slog.LevelInfo, "container started", nil,
			`{"level":"info","msg":"container started","time":"2026-11-26T12:00:00Z"}` + "\n"},
		{slog.LevelDebug, "d", nil, `{"level":"debug","msg":"d","time":"2026-11-26T12:00:00Z"}` + "\n"},
		{slog.LevelWarn, "w", nil, `{"level":"warning","msg":"w","time":"2026-11-26T12:00:00Z"}` + "\n"},
		{slog.LevelError, "e", nil, `{"level":"error","msg":"e","time":"2026-11-26T12:00:00Z"}` + "\n"},
		{LevelFatal, "f", nil, `{"level":"fatal","msg":"f","time":"2026-11-26T12:00:00Z"}` + "\n"},
		// logrus sorts keys, escapes HTML and renames clashing fields.
		{slog.LevelError, "a <b> & c", []slog.Attr{slog.Int("pid", 7), slog.String("msg", "dup"),
			slog.Any("error", errors.New("boom")), slog.Bool("ok", false)},
			`{"error":"boom","fields.msg":"dup","level":"error","msg":"a \u003cb\u003e \u0026 c","ok":false,"pid":7,"time":"2026-11-26T12:00:00Z"}` + "\n"},
		{slog.LevelInfo, "g", []slog.Attr{slog.Group("req", slog.String("id", "x"), slog.Group("", slog.Int("n", 1)))},
			`{"level":"info","msg":"g","req.id":"x","req.n":1,"time":"2026-11-26T12:00:00Z"}` + "\n"},
	}
	for _, tc := range tests {
		got := logOne(t, "json", tc.level, tc.msg, tc.attrs...)
		if got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(got), &m); err != nil {
			t.Errorf("line is not JSON: %v", err)
		}
		if m["msg"] != tc.msg {
			t.Errorf("msg round trip = %q, want %q", m["msg"], tc.msg)
		}
	}
}

func TestTextLineShape(t *testing.T) {
	tests := []struct {
		level slog.Level
		msg   string
		attrs []slog.Attr
		want  string
	}{
		{slog.LevelInfo, "container started", nil, `time="2026-11-26T12:00:00Z" level=info msg="container started"` + "\n"},
		{slog.LevelWarn, "simple", nil, `time="2026-11-26T12:00:00Z" level=warning msg=simple` + "\n"},
		{slog.LevelError, "", nil, `time="2026-11-26T12:00:00Z" level=error msg=` + "\n"},
		{LevelFatal, `say "hi"`, []slog.Attr{slog.Int("pid", 7), slog.String("a", "x y"), slog.String("path", "/run/hull/c1")},
			`time="2026-11-26T12:00:00Z" level=fatal msg="say \"hi\"" a="x y" path=/run/hull/c1 pid=7` + "\n"},
	}
	for _, tc := range tests {
		if got := logOne(t, "text", tc.level, tc.msg, tc.attrs...); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
	if got := logOne(t, "", slog.LevelInfo, "x"); !strings.Contains(got, "level=info msg=x") {
		t.Errorf("empty format is not text: %q", got)
	}
}

func TestLocalTimeZone(t *testing.T) {
	loc := time.FixedZone("X", 2*3600)
	var buf bytes.Buffer
	h, _ := NewHandler(&buf, "json", slog.LevelInfo)
	r := slog.NewRecord(fixedTime.In(loc), slog.LevelInfo, "m", 0)
	h.Handle(t.Context(), r)
	if !strings.Contains(buf.String(), `"time":"2026-11-26T14:00:00+02:00"`) {
		t.Errorf("time not RFC3339 in the record's zone: %s", buf.String())
	}
}

func TestSetupFileDebugAndClose(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log.json")
	// Appends, like runc: the shim may have written before us.
	if err := os.WriteFile(p, []byte("{\"level\":\"info\",\"msg\":\"earlier\",\"time\":\"x\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, debug := range []bool{false, true} {
		log, c, err := Setup(p, "json", debug)
		if err != nil {
			t.Fatal(err)
		}
		log.Debug("dbg", "debug", debug)
		log.With("id", "c1").WithGroup("g").Info("hello", "k", "v")
		log.Log(t.Context(), LevelFatal, "bye")
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	timeRE := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$`)
	var msgs []string
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		msgs = append(msgs, m["level"].(string)+":"+m["msg"].(string))
		if m["msg"] == "hello" && (m["id"] != "c1" || m["g.k"] != "v") {
			t.Errorf("attrs lost: %s", l)
		}
		if m["msg"] != "earlier" && !timeRE.MatchString(m["time"].(string)) {
			t.Errorf("time %q is not RFC3339", m["time"])
		}
	}
	want := "info:earlier info:hello fatal:bye debug:dbg info:hello fatal:bye"
	if got := strings.Join(msgs, " "); got != want {
		t.Errorf("lines = %s\nwant    %s", got, want)
	}
}

func TestSetupErrors(t *testing.T) {
	if _, _, err := Setup("", "xml", false); err == nil || !strings.Contains(err.Error(), `unknown log format "xml"`) {
		t.Errorf("bad format: %v", err)
	}
	if _, _, err := Setup(filepath.Join(t.TempDir(), "no", "dir", "log"), "json", false); err == nil ||
		!strings.Contains(err.Error(), "open log file") {
		t.Errorf("bad path: %v", err)
	}
	log, c, err := Setup("", "text", false)
	if err != nil || log == nil {
		t.Fatalf("stderr logger: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("closing the stderr logger: %v", err)
	}
	if log.Enabled(t.Context(), slog.LevelDebug) {
		t.Error("debug enabled without debug")
	}
}

func TestUnencodableValueFallsBack(t *testing.T) {
	got := logOne(t, "json", slog.LevelInfo, "m", slog.Any("ch", make(chan int)))
	var m map[string]any
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		t.Fatalf("line %q: %v", got, err)
	}
	if _, ok := m["ch"].(string); !ok {
		t.Errorf("unencodable value not stringified: %s", got)
	}
}

func TestConcurrentLinesStayWhole(t *testing.T) {
	var buf bytes.Buffer
	h, _ := NewHandler(&buf, "json", slog.LevelInfo)
	log := slog.New(h)
	done := make(chan struct{})
	for i := 0; i < 8; i++ {
		go func() {
			for j := 0; j < 100; j++ {
				log.Info(strings.Repeat("x", 200), "j", j)
			}
			done <- struct{}{}
		}()
	}
	for i := 0; i < 8; i++ {
		<-done
	}
	for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if !json.Valid([]byte(l)) {
			t.Fatalf("torn line %q", l)
		}
	}
}
