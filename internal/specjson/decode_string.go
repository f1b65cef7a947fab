package specjson

import (
	"unicode/utf16"
	"unicode/utf8"
)

// stringBytes reads the string whose opening quote is at d.pos and
// returns its unescaped bytes: a sub-slice of the input when the string
// has no escapes and is valid UTF-8, else d.buf (valid until the next
// call).
//
// Syntax is what encoding/json's scanner accepts: no raw bytes below
// 0x20, escapes \" \\ \/ \b \f \n \r \t and \uXXXX only (encoding/json's
// unquote also knows \' but its scanner rejects it first). Unescaping is
// what its unquote does: a \u surrogate pair becomes one rune; a lone or
// mismatched surrogate becomes U+FFFD and the escape after it is read on
// its own; each byte of invalid UTF-8 becomes U+FFFD.
func (d *Decoder) stringBytes() []byte {
	data := d.data
	pos := d.pos + 1 // past the opening quote
	start := pos
	for pos < len(data) {
		c := data[pos]
		if c == '"' {
			d.pos = pos + 1
			return data[start:pos]
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		pos++
	}
	buf := append(d.buf[:0], data[start:pos]...)
	for {
		if pos >= len(data) {
			d.pos = pos
			d.fail("unterminated string")
			return nil
		}
		c := data[pos]
		switch {
		case c == '"':
			d.pos = pos + 1
			d.buf = buf
			return buf
		case c == '\\':
			if pos+1 >= len(data) {
				d.pos = pos
				d.fail("unterminated string escape")
				return nil
			}
			switch e := data[pos+1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r := hex4(data[pos+2:])
				if r < 0 {
					d.pos = pos
					d.fail("invalid \\u escape")
					return nil
				}
				pos += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if len(data)-pos >= 2 && data[pos] == '\\' && data[pos+1] == 'u' {
						r2 = hex4(data[pos+2:])
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						pos += 6
						buf = utf8.AppendRune(buf, dec)
						continue
					}
					r = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, r)
				continue
			default:
				d.pos = pos
				d.fail("invalid escape in string")
				return nil
			}
			pos += 2
		case c < 0x20:
			d.pos = pos
			d.fail("control character in string")
			return nil
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			pos++
		default:
			r, size := utf8.DecodeRune(data[pos:])
			buf = utf8.AppendRune(buf, r) // RuneError for each invalid byte
			pos += size
		}
	}
}

// hex4 decodes four hex digits at the start of b, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
