package integration

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestList: table, json and quiet formats list every container in --root.
func TestList(t *testing.T) {
	t.Parallel()
	root := testutil.Root(t)
	b1 := testutil.NewBundle(t, "sleep", "100")
	b2 := testutil.NewBundle(t, "sleep", "100")
	testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", b1.Dir, b1.ID))
	testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", b2.Dir, b2.ID))
	pids := map[string]int{
		b1.ID: testutil.State(t, root, b1.ID).Pid,
		b2.ID: testutil.State(t, root, b2.ID).Pid,
	}
	bundles := map[string]string{b1.ID: b1.Dir, b2.ID: b2.Dir}

	t.Run("table", func(t *testing.T) {
		out := lines(testutil.MustOK(t, testutil.Hull(t, root, "list")).Stdout)
		if len(out) != 3 {
			t.Fatalf("want header + 2 rows, got %q", out)
		}
		if got := strings.Fields(out[0]); !slices.Equal(got, []string{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}) {
			t.Errorf("header %q", out[0])
		}
		for _, row := range out[1:] {
			f := strings.Fields(row)
			if len(f) < 5 {
				t.Errorf("short row %q", row)
				continue
			}
			id := f[0]
			if _, ok := pids[id]; !ok {
				t.Errorf("row for unknown id %q", row)
				continue
			}
			if f[1] != strconv.Itoa(pids[id]) || f[2] != "created" || f[3] != bundles[id] {
				t.Errorf("row %q: want pid %d, status created, bundle %s", row, pids[id], bundles[id])
			}
		}
	})
	for _, flag := range []string{"--format=json", "-f", "--format"} {
		t.Run("json"+flag, func(t *testing.T) {
			args := []string{"list", flag}
			if !strings.Contains(flag, "=") {
				args = append(args, "json")
			}
			r := testutil.MustOK(t, testutil.Hull(t, root, args...))
			var got []testutil.StateJSON
			if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
				t.Fatalf("list json: %v: %q", err, r.Stdout)
			}
			if len(got) != 2 {
				t.Fatalf("want 2 entries: %q", r.Stdout)
			}
			for _, s := range got {
				if pids[s.ID] != s.Pid || s.Status != "created" || s.Bundle != bundles[s.ID] {
					t.Errorf("entry %+v: want pid %d, created, bundle %s", s, pids[s.ID], bundles[s.ID])
				}
			}
		})
	}
	t.Run("quiet", func(t *testing.T) {
		got := lines(testutil.MustOK(t, testutil.Hull(t, root, "list", "-q")).Stdout)
		slices.Sort(got)
		want := []string{b1.ID, b2.ID}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("list -q = %q, want %q", got, want)
		}
	})
}

// TestListEmpty: an empty --root lists nothing (and is not an error).
func TestListEmpty(t *testing.T) {
	t.Parallel()
	root := testutil.Root(t)
	if got := lines(testutil.MustOK(t, testutil.Hull(t, root, "list", "--quiet")).Stdout); len(got) != 0 {
		t.Errorf("list -q of empty root = %q", got)
	}
}

// TestPs: ps -f json is an array of pids including the init.
func TestPs(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sh", "-c", "sleep 100 & exec sleep 101")
	root := testutil.Root(t)
	s := startDetached(t, root, b)
	// The shell forks its background child after start returns: poll.
	var pids []int
	for deadline := time.Now().Add(10 * time.Second); ; {
		r := testutil.MustOK(t, testutil.Hull(t, root, "ps", "-f", "json", b.ID))
		pids = nil
		if err := json.Unmarshal([]byte(r.Stdout), &pids); err != nil {
			t.Fatalf("ps json %q: %v", r.Stdout, err)
		}
		if len(pids) >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !slices.Contains(pids, s.Pid) {
		t.Errorf("ps pids %v do not contain init %d", pids, s.Pid)
	}
	if len(pids) < 2 {
		t.Errorf("ps pids %v: want init and its background child", pids)
	}
	tbl := testutil.MustOK(t, testutil.Hull(t, root, "ps", b.ID)).Stdout
	if !strings.Contains(tbl, "PID") || !strings.Contains(tbl, strconv.Itoa(s.Pid)) {
		t.Errorf("ps table lacks PID header or init pid %d:\n%s", s.Pid, tbl)
	}
}
