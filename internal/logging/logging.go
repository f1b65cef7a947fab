// Package logging builds hull's process logger. Its output copies logrus's
// formatters byte for byte, because containerd (runc shim) and conmon parse
// the runtime's --log file expecting runc's lines.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"os"
)

// LevelFatal is the level of the last line hull writes before exiting with an
// error; logrus calls it "fatal" and containerd shows such lines to users.
const LevelFatal = slog.Level(12)

// Setup returns the logger for --log path (stderr when empty) in --log-format
// format ("text" or "json", "" meaning text). debug enables debug lines. The
// Closer closes the log file; for stderr it does nothing.
func Setup(path, format string, debug bool) (*slog.Logger, io.Closer, error) {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	var (
		w      io.Writer = os.Stderr
		closer io.Closer = nopCloser{}
	)
	if path != "" {
		// O_APPEND keeps each line whole when the shim, hull and hull's
		// re-executed children write the same file.
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("open log file %s: %w", path, err)
		}
		w, closer = f, f
	}
	h, err := NewHandler(w, format, level)
	if err != nil {
		closer.Close()
		return nil, nil, err
	}
	return slog.New(h), closer, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// levelName maps slog levels onto logrus's level names.
func levelName(l slog.Level) string {
	switch {
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warning"
	case l < LevelFatal:
		return "error"
	default:
		return "fatal"
	}
}
