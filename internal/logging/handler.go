package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

// field is one resolved key/value pair, key already prefixed by its groups.
type field struct {
	key string
	val any
}

// handler is a slog.Handler writing logrus-shaped lines.
type handler struct {
	mu     *sync.Mutex
	w      io.Writer
	json   bool
	level  slog.Leveler
	fields []field
	prefix string // open groups, "a.b."
}

// NewHandler returns a handler writing logrus-compatible lines in format
// "text" (or "") or "json" to w, dropping records below level.
func NewHandler(w io.Writer, format string, level slog.Leveler) (slog.Handler, error) {
	h := &handler{mu: &sync.Mutex{}, w: w, level: level}
	switch format {
	case "", "text":
	case "json":
		h.json = true
	default:
		return nil, fmt.Errorf("unknown log format %q (want text or json)", format)
	}
	return h, nil
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.fields = append([]field(nil), h.fields...)
	for _, a := range as {
		c.fields = appendAttr(c.fields, h.prefix, a)
	}
	return &c
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.prefix = h.prefix + name + "."
	return &c
}

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	fields := append([]field(nil), h.fields...)
	r.Attrs(func(a slog.Attr) bool {
		fields = appendAttr(fields, h.prefix, a)
		return true
	})
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	// logrus renames user fields that clash with its own keys.
	for i := range fields {
		switch fields[i].key {
		case "time", "level", "msg":
			fields[i].key = "fields." + fields[i].key
		}
	}
	var line []byte
	if h.json {
		line = formatJSON(t, r.Level, r.Message, fields)
	} else {
		line = formatText(t, r.Level, r.Message, fields)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	// One Write per line: with O_APPEND the kernel keeps lines whole.
	_, err := h.w.Write(line)
	return err
}

// appendAttr flattens a into fields, joining group names with dots as
// logrus users conventionally do.
func appendAttr(fields []field, prefix string, a slog.Attr) []field {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return fields
	}
	if a.Value.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range a.Value.Group() {
			fields = appendAttr(fields, p, g)
		}
		return fields
	}
	return append(fields, field{key: prefix + a.Key, val: plain(a.Value)})
}

// plain converts a slog value to what logrus would have stored in its Fields
// map; errors become their message, as logrus does.
func plain(v slog.Value) any {
	switch v.Kind() {
	case slog.KindString:
		return v.String()
	case slog.KindInt64:
		return v.Int64()
	case slog.KindUint64:
		return v.Uint64()
	case slog.KindFloat64:
		return v.Float64()
	case slog.KindBool:
		return v.Bool()
	case slog.KindDuration:
		return v.Duration()
	case slog.KindTime:
		return v.Time()
	default:
		if err, ok := v.Any().(error); ok {
			return err.Error()
		}
		return v.Any()
	}
}

// formatJSON writes logrus's JSONFormatter shape: one object with sorted
// keys, HTML-escaped strings, RFC3339 local time, trailing newline.
func formatJSON(t time.Time, l slog.Level, msg string, fields []field) []byte {
	data := make(map[string]any, len(fields)+3)
	for _, f := range fields {
		if _, err := json.Marshal(f.val); err != nil {
			data[f.key] = fmt.Sprint(f.val)
			continue
		}
		data[f.key] = f.val
	}
	data["time"] = t.Format(time.RFC3339)
	data["level"] = levelName(l)
	data["msg"] = msg
	var b bytes.Buffer
	// encoding/json sorts map keys and escapes <, > and & like logrus.
	if err := json.NewEncoder(&b).Encode(data); err != nil {
		return []byte(fmt.Sprintf("{\"level\":\"error\",\"msg\":%q,\"time\":%q}\n",
			"failed to encode log line: "+err.Error(), t.Format(time.RFC3339)))
	}
	return b.Bytes()
}

// formatText writes logrus's TextFormatter shape for non-terminal output:
// time, level and msg first, then the other keys sorted.
func formatText(t time.Time, l slog.Level, msg string, fields []field) []byte {
	var b strings.Builder
	writeKV(&b, "time", t.Format(time.RFC3339))
	writeKV(&b, "level", levelName(l))
	writeKV(&b, "msg", msg)
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].key < fields[j].key })
	for _, f := range fields {
		s, ok := f.val.(string)
		if !ok {
			s = fmt.Sprint(f.val)
		}
		writeKV(&b, f.key, s)
	}
	b.WriteByte('\n')
	return []byte(b.String())
}

func writeKV(b *strings.Builder, k, v string) {
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(k)
	b.WriteByte('=')
	if needsQuoting(v) {
		fmt.Fprintf(b, "%q", v)
	} else {
		b.WriteString(v)
	}
}

// needsQuoting follows logrus: values made only of letters, digits and
// -._/@^+ are written bare, everything else Go-quoted.
func needsQuoting(s string) bool {
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.ContainsRune("-._/@^+", c)
		if !ok {
			return true
		}
	}
	return false
}
