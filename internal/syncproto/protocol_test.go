package syncproto

import (
	"io"
	"os"
	"testing"
)

func pair(t *testing.T) (*Conn, *Conn) {
	t.Helper()
	a, b, err := Pair()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return NewConn(a), NewConn(b)
}

func TestJSONRoundTrip(t *testing.T) {
	p, c := pair(t)
	type cfg struct{ ID string }
	go p.SendJSON(InitConfig, cfg{ID: "abc"})
	var got cfg
	if err := c.ExpectJSON(InitConfig, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != "abc" {
		t.Fatalf("got %+v", got)
	}
}

func TestLargePayload(t *testing.T) {
	p, c := pair(t)
	big := make([]byte, 3<<20)
	for i := range big {
		big[i] = byte(i)
	}
	go p.Send(Bootstrap, big)
	m, err := c.Expect(Bootstrap)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Payload) != len(big) || m.Payload[12345] != big[12345] {
		t.Fatalf("payload corrupted: %d bytes", len(m.Payload))
	}
}

func TestFilePassing(t *testing.T) {
	p, c := pair(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := p.SendFile(Console, w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	m, err := c.Expect(Console)
	if err != nil {
		t.Fatal(err)
	}
	if m.File == nil {
		t.Fatal("no file received")
	}
	m.File.Write([]byte("through"))
	m.File.Close()
	b, _ := io.ReadAll(r)
	if string(b) != "through" {
		t.Fatalf("read %q through the passed fd", b)
	}
}

func TestErrorAndWrongType(t *testing.T) {
	p, c := pair(t)
	go func() {
		p.Send(Error, []byte("mount proc on /proc: boom"))
		p.Send(Ready, nil)
	}()
	_, err := c.Expect(Ready)
	if !IsChildError(err) || err.Error() != "mount proc on /proc: boom" {
		t.Fatalf("want the child's error, got %v", err)
	}
	if _, err := c.Expect(HooksDone); err == nil || IsChildError(err) {
		t.Fatalf("want a protocol error for Ready vs HooksDone, got %v", err)
	}
}

func TestClosedPeer(t *testing.T) {
	p, c := pair(t)
	p.Close()
	if _, err := c.Recv(); err == nil {
		t.Fatal("Recv on a closed peer succeeded")
	}
}

func TestBootstrapEncoding(t *testing.T) {
	d := BootstrapData{CloneFlags: 0x20000, Joins: []Join{{Type: 0x40000000, Path: "/proc/1/ns/net"}}, Fork: true, TimeOffsets: "boottime 1 0\n"}
	b := d.Encode()
	// clone flags (12) + join (8+4+15) + fork (12) + timens (8+14)
	if want := 12 + 27 + 12 + 22; len(b) != want {
		t.Fatalf("encoded %d bytes, want %d", len(b), want)
	}
}

func FuzzRecv(f *testing.F) {
	f.Add([]byte{6, 0, 0, 0, 2, 0, 0, 0, '{', '}'})
	f.Add([]byte{1, 0, 0, 0, 255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b, err := Pair()
		if err != nil {
			t.Skip(err)
		}
		defer a.Close()
		defer b.Close()
		go func() { a.Write(data); a.Close() }()
		c := NewConn(b)
		for i := 0; i < 4; i++ {
			var v map[string]any
			if _, err := c.Recv(); err != nil {
				return
			}
			_ = v
		}
	})
}
