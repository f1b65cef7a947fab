package state

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestCreateOpenWriteRemove(t *testing.T) {
	s := Store{Root: filepath.Join(t.TempDir(), "root")}
	l, err := s.Create("c1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(&Container{ID: "c1", Pid: 42}); err != nil {
		t.Fatal(err)
	}
	l.Unlock()
	var ee *ErrExist
	if _, err := s.Create("c1"); !errors.As(err, &ee) || err.Error() != `container "c1" already exists` {
		t.Fatalf("duplicate create: %v", err)
	}
	c, l2, err := s.Open("c1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Pid != 42 {
		t.Fatalf("pid %d", c.Pid)
	}
	l2.Unlock()
	ids, _ := s.List()
	if len(ids) != 1 || ids[0] != "c1" {
		t.Fatalf("list %v", ids)
	}
	if err := s.Remove("c1"); err != nil {
		t.Fatal(err)
	}
	var ne *ErrNotExist
	if _, _, err := s.Open("c1"); !errors.As(err, &ne) {
		t.Fatalf("open after remove: %v", err)
	}
	left, _ := os.ReadDir(s.Root)
	if len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

func TestInvalidIDs(t *testing.T) {
	s := Store{Root: t.TempDir()}
	for _, id := range []string{"", ".", "..", "a/b", "../x", "a b", "x\x00"} {
		if _, err := s.Create(id); err == nil {
			t.Errorf("id %q accepted", id)
		}
	}
	if _, err := os.Stat(filepath.Join(s.Root, "x")); err == nil {
		t.Fatal("an invalid id left a directory")
	}
}

func TestWriteIsAtomicUnderConcurrentReads(t *testing.T) {
	s := Store{Root: t.TempDir()}
	l, err := s.Create("c")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	s.Write(&Container{ID: "c", Pid: 1})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			s.Write(&Container{ID: "c", Pid: i, Owner: "someone-with-a-longer-name"})
		}
	}()
	for i := 0; i < 500; i++ {
		if _, err := s.Read("c"); err != nil {
			t.Fatalf("torn read: %v", err)
		}
	}
	close(stop)
	wg.Wait()
	ents, _ := os.ReadDir(s.Dir("c"))
	if len(ents) != 1 {
		t.Fatalf("temp files left: %v", ents)
	}
}

func TestLockSerialises(t *testing.T) {
	s := Store{Root: t.TempDir()}
	l, err := s.Create("c")
	if err != nil {
		t.Fatal(err)
	}
	s.Write(&Container{ID: "c"})
	got := make(chan struct{})
	go func() {
		_, l2, err := s.Open("c")
		if err == nil {
			l2.Unlock()
		}
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("Open did not wait for the held lock")
	default:
	}
	l.Unlock()
	<-got
}
