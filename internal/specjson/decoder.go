package specjson

import (
	"fmt"
)

// maxDepth is encoding/json's nesting limit: its scanner rejects the
// 10001st open object or array, so an input it refuses must fail here too.
const maxDepth = 10000

// Error is a decode failure. It carries no encoding/json type information;
// Unmarshal* replace it with encoding/json's own error.
type Error struct {
	Offset int // byte offset in the input where decoding stopped
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("specjson: offset %d: %s", e.Offset, e.Msg)
}

// Decoder reads one JSON document from a byte slice. It validates the
// syntax of everything it reads, including values it skips. The first
// error sticks: later reads return zero values and Err reports it.
type Decoder struct {
	data  []byte
	pos   int
	depth int
	err   error
	buf   []byte // unescaped string or key; reused
	fold  []byte // case-folded key; reused
}

// NewDecoder returns a Decoder reading data.
func NewDecoder(data []byte) *Decoder {
	return &Decoder{data: data}
}

// Err returns the first error met, or nil.
func (d *Decoder) Err() error { return d.err }

// Offset returns the position of the next unread byte.
func (d *Decoder) Offset() int { return d.pos }

func (d *Decoder) fail(msg string) {
	if d.err == nil {
		d.err = &Error{Offset: d.pos, Msg: msg}
	}
}

// failErr records err as the decoder's error unless one is already set.
func (d *Decoder) failErr(err error) {
	if d.err == nil {
		d.err = err
	}
}

// peek skips JSON whitespace and returns the next byte, or 0 at the end
// of the input (0 is never valid JSON outside a string, so callers treat it
// as an error like any other unexpected byte).
func (d *Decoder) peek() byte {
	for d.pos < len(d.data) {
		switch c := d.data[d.pos]; c {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return c
		}
	}
	return 0
}

// literal consumes the keyword lit (true, false, null) at d.pos.
func (d *Decoder) literal(lit string) {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		d.fail("invalid literal")
		return
	}
	d.pos += len(lit)
}

// null consumes a null if one comes next and reports whether it did.
func (d *Decoder) null() bool {
	if d.err != nil || d.peek() != 'n' {
		return false
	}
	d.literal("null")
	return d.err == nil
}

// open consumes the opening bracket c, or a null (false, no error), or
// fails on anything else.
func (d *Decoder) open(c byte) bool {
	if d.err != nil {
		return false
	}
	switch d.peek() {
	case c:
		d.pos++
		d.depth++
		if d.depth > maxDepth {
			d.fail("exceeded max depth")
			return false
		}
		return true
	case 'n':
		d.literal("null")
		return false
	default:
		d.fail("unexpected value")
		return false
	}
}

// more is the loop condition over the members of an object (closer '}')
// or the elements of an array (closer ']') whose opening bracket open
// consumed; i counts the members seen so far. It consumes the separating
// comma, or the closing bracket and then reports false.
func (d *Decoder) more(closer byte, i int) bool {
	if d.err != nil {
		return false
	}
	c := d.peek()
	if c == closer {
		d.pos++
		d.depth--
		return false
	}
	if i == 0 {
		return true
	}
	if c != ',' {
		d.fail("expected comma or closing bracket")
		return false
	}
	d.pos++
	return true
}

// key reads an object key and the colon after it. The returned bytes are
// unescaped and valid until the next key or string is read.
func (d *Decoder) key() []byte {
	if d.err != nil {
		return nil
	}
	if d.peek() != '"' {
		d.fail("expected object key")
		return nil
	}
	k := d.stringBytes()
	if d.err != nil {
		return nil
	}
	if d.peek() != ':' {
		d.fail("expected colon after object key")
		return nil
	}
	d.pos++
	return k
}

// str reads a string; ok is false for null (field left unchanged) or
// an error.
func (d *Decoder) str() (s string, ok bool) {
	if d.err != nil {
		return "", false
	}
	switch d.peek() {
	case '"':
		b := d.stringBytes()
		if d.err != nil {
			return "", false
		}
		return string(b), true
	case 'n':
		d.literal("null")
	default:
		d.fail("expected string")
	}
	return "", false
}

// boolean reads true or false; ok is false for null or an error.
func (d *Decoder) boolean() (v bool, ok bool) {
	if d.err != nil {
		return false, false
	}
	switch d.peek() {
	case 't':
		d.literal("true")
		return true, d.err == nil
	case 'f':
		d.literal("false")
		return false, d.err == nil
	case 'n':
		d.literal("null")
	default:
		d.fail("expected boolean")
	}
	return false, false
}

// skip reads and discards one value of any type, checking its syntax.
func (d *Decoder) skip() {
	if d.err != nil {
		return
	}
	switch c := d.peek(); {
	case c == '{':
		if !d.open('{') {
			return
		}
		for i := 0; d.more('}', i); i++ {
			d.key()
			d.skip()
		}
	case c == '[':
		if !d.open('[') {
			return
		}
		for i := 0; d.more(']', i); i++ {
			d.skip()
		}
	case c == '"':
		d.stringBytes()
	case c == 't':
		d.literal("true")
	case c == 'f':
		d.literal("false")
	case c == 'n':
		d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		d.number()
	default:
		d.fail("invalid character looking for a value")
	}
}

// raw reads one value and returns its bytes, syntax checked.
func (d *Decoder) raw() []byte {
	if d.err != nil {
		return nil
	}
	d.peek()
	start := d.pos
	d.skip()
	if d.err != nil {
		return nil
	}
	return d.data[start:d.pos]
}

// finish checks that only whitespace follows the document.
func (d *Decoder) finish() {
	if d.err != nil {
		return
	}
	d.peek()
	if d.pos != len(d.data) {
		d.fail("invalid character after top-level value")
	}
}
