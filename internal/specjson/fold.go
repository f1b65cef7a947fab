package specjson

import (
	"unicode"
	"unicode/utf8"
)

// foldKey returns key case-folded the way encoding/json folds object keys
// before its second, case-insensitive lookup: ASCII letters upper-cased,
// every other rune mapped to the smallest rune of its Unicode simple-fold
// orbit (so "ſ" (U+017F) matches "S" and the Kelvin sign matches "K").
// The result lives in d.fold until the next call.
func (d *Decoder) foldKey(key []byte) []byte {
	out := d.fold[:0]
	for i := 0; i < len(key); {
		if c := key[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(key[i:])
		out = utf8.AppendRune(out, foldRune(r))
		i += n
	}
	d.fold = out
	return out
}

// foldRune returns the smallest rune equivalent to r under simple case
// folding.
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}
