package hightouchtest

import "fmt"

// newUUID returns a version-4 UUID from the seeded id RNG, so sequence run
// ids are reproducible under WithRandSeed.
func (e *Emulator) newUUID() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := e.idRNG.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
