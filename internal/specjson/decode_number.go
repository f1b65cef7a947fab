package specjson

import "math"

// number reads a JSON number at d.pos (RFC 8259 grammar, as encoding/json's
// scanner checks it) and returns its bytes and whether it has neither a
// fraction nor an exponent.
func (d *Decoder) number() (lit []byte, integral bool) {
	data := d.data
	start := d.pos
	pos := start
	if pos < len(data) && data[pos] == '-' {
		pos++
	}
	switch {
	case pos < len(data) && data[pos] == '0':
		pos++
	case pos < len(data) && data[pos] >= '1' && data[pos] <= '9':
		for pos < len(data) && data[pos] >= '0' && data[pos] <= '9' {
			pos++
		}
	default:
		d.pos = pos
		d.fail("invalid number")
		return nil, false
	}
	integral = true
	if pos < len(data) && data[pos] == '.' {
		integral = false
		pos++
		if pos >= len(data) || data[pos] < '0' || data[pos] > '9' {
			d.pos = pos
			d.fail("invalid number fraction")
			return nil, false
		}
		for pos < len(data) && data[pos] >= '0' && data[pos] <= '9' {
			pos++
		}
	}
	if pos < len(data) && (data[pos] == 'e' || data[pos] == 'E') {
		integral = false
		pos++
		if pos < len(data) && (data[pos] == '+' || data[pos] == '-') {
			pos++
		}
		if pos >= len(data) || data[pos] < '0' || data[pos] > '9' {
			d.pos = pos
			d.fail("invalid number exponent")
			return nil, false
		}
		for pos < len(data) && data[pos] >= '0' && data[pos] <= '9' {
			pos++
		}
	}
	d.pos = pos
	return data[start:pos], integral
}

// numberStart reads the start of a value that should be a number: ok is
// false for null (field left unchanged) or an error.
func (d *Decoder) numberStart() (lit []byte, integral, ok bool) {
	if d.err != nil {
		return nil, false, false
	}
	switch c := d.peek(); {
	case c == '-' || (c >= '0' && c <= '9'):
		lit, integral = d.number()
		return lit, integral, d.err == nil
	case c == 'n':
		d.literal("null")
	default:
		d.fail("expected number")
	}
	return nil, false, false
}

// magnitude parses the digits of an integral literal (sign stripped)
// and reports false on uint64 overflow.
func magnitude(digits []byte) (uint64, bool) {
	var u uint64
	for _, c := range digits {
		digit := uint64(c - '0')
		if u > math.MaxUint64/10 || u*10 > math.MaxUint64-digit {
			return 0, false
		}
		u = u*10 + digit
	}
	return u, true
}

// int reads a signed integer that must fit in bits bits. Like
// encoding/json (strconv.ParseInt then an overflow check) it fails on a
// fraction or exponent even when the value is whole (1.0, 1e2).
func (d *Decoder) int(bits int) (int64, bool) {
	lit, integral, ok := d.numberStart()
	if !ok {
		return 0, false
	}
	if !integral {
		d.fail("number is not an integer")
		return 0, false
	}
	neg := lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	u, ok := magnitude(lit)
	limit := uint64(1) << (bits - 1) // |min|; max is limit-1
	if !ok || (neg && u > limit) || (!neg && u >= limit) {
		d.fail("integer out of range")
		return 0, false
	}
	if neg {
		return -int64(u), true // wraps to itself at math.MinInt64, as wanted
	}
	return int64(u), true
}

// uint reads an unsigned integer that must fit in bits bits. Like
// strconv.ParseUint it refuses any sign, even "-0".
func (d *Decoder) uint(bits int) (uint64, bool) {
	lit, integral, ok := d.numberStart()
	if !ok {
		return 0, false
	}
	if !integral || lit[0] == '-' {
		d.fail("number is not an unsigned integer")
		return 0, false
	}
	u, ok := magnitude(lit)
	if !ok || (bits < 64 && u >= uint64(1)<<bits) {
		d.fail("integer out of range")
		return 0, false
	}
	return u, true
}
