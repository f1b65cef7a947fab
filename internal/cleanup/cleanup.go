// Package cleanup rolls back multi-step set-up on failure (the pattern of
// gVisor runsc's cleanup.Make / Release): register an undo after each step
// that succeeded; on success Release, else Clean runs them newest first.
package cleanup

// Stack is a list of undo functions.
type Stack struct{ fns []func() }

// Add registers an undo for the step that just succeeded.
func (s *Stack) Add(f func()) { s.fns = append(s.fns, f) }

// Release forgets every undo: the set-up as a whole succeeded.
func (s *Stack) Release() { s.fns = nil }

// Clean runs the undos newest first and forgets them.
func (s *Stack) Clean() {
	for i := len(s.fns) - 1; i >= 0; i-- {
		s.fns[i]()
	}
	s.fns = nil
}
