package specjson

// The exported reading methods let hand-written decoders handle small
// hull structs that embed a spec. They follow one pattern:
//
//	d := specjson.NewDecoder(data)
//	err := d.ReadObject(func(key []byte) error {
//		switch string(key) {
//		case "id":
//			if d.ReadNull() { // encoding/json leaves a field alone on null
//				return nil
//			}
//			id, err = d.ReadString()
//			return err
//		case "spec":
//			return specjson.DecodeSpec(d, &spec)
//		}
//		return d.Skip()
//	})
//	if err == nil {
//		err = d.Finish()
//	}
//
// The Read methods fail on null; call ReadNull first where null is
// allowed. Errors are *Error (or an error a callback returned) and stick.

// ReadNull consumes a null if one comes next and reports whether it did.
func (d *Decoder) ReadNull() bool {
	return d.null()
}

// ReadObject reads an object, calling fn with each key (unescaped, valid
// until fn reads the value). fn must consume the value (Read*, Skip,
// Decode*). A null object calls fn never and is not an error.
func (d *Decoder) ReadObject(fn func(key []byte) error) error {
	if !d.open('{') {
		return d.err
	}
	for i := 0; d.more('}', i); i++ {
		k := d.key()
		if d.err != nil {
			break
		}
		if err := fn(k); err != nil {
			d.failErr(err)
		}
	}
	return d.err
}

// ReadArray reads an array, calling fn once per element; fn must consume
// it. A null array is not an error.
func (d *Decoder) ReadArray(fn func() error) error {
	if !d.open('[') {
		return d.err
	}
	for i := 0; d.more(']', i); i++ {
		if err := fn(); err != nil {
			d.failErr(err)
		}
	}
	return d.err
}

// ReadString reads a string, unescaped as encoding/json does.
func (d *Decoder) ReadString() (string, error) {
	if d.err == nil && d.peek() == 'n' {
		d.fail("expected string, found null")
	}
	s, _ := d.str()
	return s, d.err
}

// ReadInt reads an integer that fits in an int64 (no fraction or
// exponent, as encoding/json requires for integer fields).
func (d *Decoder) ReadInt() (int64, error) {
	if d.err == nil && d.peek() == 'n' {
		d.fail("expected integer, found null")
	}
	n, _ := d.int(64)
	return n, d.err
}

// ReadUint reads a non-negative integer that fits in a uint64.
func (d *Decoder) ReadUint() (uint64, error) {
	if d.err == nil && d.peek() == 'n' {
		d.fail("expected integer, found null")
	}
	n, _ := d.uint(64)
	return n, d.err
}

// ReadBool reads true or false.
func (d *Decoder) ReadBool() (bool, error) {
	if d.err == nil && d.peek() == 'n' {
		d.fail("expected boolean, found null")
	}
	b, _ := d.boolean()
	return b, d.err
}

// ReadRaw reads one value of any type and returns its bytes (a
// sub-slice of the input), syntax checked; for fields to hand to
// encoding/json.
func (d *Decoder) ReadRaw() ([]byte, error) {
	raw := d.raw()
	return raw, d.err
}

// Skip reads and discards one value of any type, checking its syntax.
func (d *Decoder) Skip() error {
	d.skip()
	return d.err
}

// Finish checks that nothing but whitespace follows the value read.
func (d *Decoder) Finish() error {
	d.finish()
	return d.err
}
