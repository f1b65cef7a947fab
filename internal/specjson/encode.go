package specjson

import (
	"encoding/json"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string exactly as encoding/json.Marshal
// writes it: <, > and & escaped as \u003c, \u003e, \u0026 (HTML-safe
// output is Marshal's default), U+2028 and U+2029 escaped, control bytes
// as \b \f \n \r \t or \u00XX, and each byte of invalid UTF-8 as \ufffd.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		// Valid JSON, but JavaScript (JSONP) treats them as line ends.
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendAny encodes an interface{} field (Windows' credentialSpec, the
// only one in the spec) with encoding/json: its dynamic type is unknown
// until run time, and it is absent from Linux configs, so the reflection
// cost is paid only by the configs that use it. A value encoding/json
// cannot encode (a channel, NaN) makes json.Marshal fail as a whole; with
// no error to return, it is written as null.
func appendAny(dst []byte, v any) []byte {
	if v == nil {
		return append(dst, "null"...)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return append(dst, "null"...)
	}
	return append(dst, b...)
}

// decodeAny decodes one value of any type into an interface{} field with
// encoding/json (see appendAny for why).
func (d *Decoder) decodeAny(p *any) {
	raw := d.raw()
	if d.err != nil {
		return
	}
	if err := json.Unmarshal(raw, p); err != nil {
		d.failErr(err)
	}
}
