package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
)

// The environment variables LoadKeys reads. The worker, the starter and the
// codec server all read the same ones.
const (
	// EnvKeys holds the key list: id=base64key entries separated by commas
	// or newlines.
	EnvKeys = "HIGHTOUCH_CODEC_KEYS"
	// EnvKeysFile names a file holding the key list (one entry a line;
	// blank lines and lines starting with # are ignored).
	EnvKeysFile = "HIGHTOUCH_CODEC_KEYS_FILE"
	// EnvKeyID names the key new payloads are encrypted with. It may be
	// left unset when the list holds a single key.
	EnvKeyID = "HIGHTOUCH_CODEC_KEY_ID"
)

// KeySize is the size of an AES-256 key in bytes.
const KeySize = 32

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Keys is a key ring: the key new payloads are encrypted with, and every key
// whose payloads can still be read. It never prints its keys.
type Keys struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewKeys builds a key ring from raw 32-byte keys by id. current names the
// key new payloads use; it may be empty when there is only one key.
func NewKeys(current string, keys map[string][]byte) (*Keys, error) {
	if len(keys) == 0 {
		return nil, errors.New("codec: no keys")
	}
	k := &Keys{aeads: make(map[string]cipher.AEAD, len(keys))}
	for id, raw := range keys {
		if !keyIDPattern.MatchString(id) {
			return nil, fmt.Errorf("codec: key id %q: use 1 to 64 letters, digits, '.', '_' or '-'", id)
		}
		if len(raw) != KeySize {
			return nil, fmt.Errorf("codec: key %q is %d bytes; AES-256 needs %d (make one with: openssl rand -base64 32)", id, len(raw), KeySize)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("codec: key %q: %w", id, err)
		}
		// The nonce is random and travels with the ciphertext.
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("codec: key %q: %w", id, err)
		}
		k.aeads[id] = aead
	}
	switch {
	case current != "":
		if _, ok := k.aeads[current]; !ok {
			if !printableID(current) {
				// Most likely a key (or an entry) put where its id belongs.
				return nil, fmt.Errorf("codec: %s must name one of the keys (%s), not hold a key", EnvKeyID, strings.Join(k.IDs(), ", "))
			}
			return nil, fmt.Errorf("codec: the current key %q is not among the keys (%s)", current, strings.Join(k.IDs(), ", "))
		}
		k.current = current
	case len(k.aeads) == 1:
		k.current = k.IDs()[0]
	default:
		return nil, fmt.Errorf("codec: %d keys (%s) and none named current; set %s", len(k.aeads), strings.Join(k.IDs(), ", "), EnvKeyID)
	}
	return k, nil
}

// ParseKeys reads a key list, "id=base64key" entries separated by commas or
// newlines (blank lines and lines starting with # are skipped), each key 32
// bytes in standard or URL-safe base64. current is as for NewKeys. Errors
// name entries by position: an entry written the wrong way round must not
// put its key in a log.
func ParseKeys(list, current string) (*Keys, error) {
	keys := map[string][]byte{}
	position := map[string]int{}
	n := 0
	for _, line := range strings.Split(list, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, entry := range strings.Split(line, ",") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			n++
			id, b64, ok := strings.Cut(entry, "=")
			id = strings.TrimSpace(id)
			if !ok || id == "" {
				return nil, fmt.Errorf("codec: key entry %d has no id; write id=base64key", n)
			}
			if !keyIDPattern.MatchString(id) {
				return nil, fmt.Errorf("codec: key entry %d: the id must be 1 to 64 letters, digits, '.', '_' or '-'", n)
			}
			if first, dup := position[id]; dup {
				return nil, fmt.Errorf("codec: key entries %d and %d have the same id", first, n)
			}
			raw, err := decodeKey(strings.TrimSpace(b64))
			if err != nil {
				return nil, fmt.Errorf("codec: key entry %d: the key is not base64", n)
			}
			if len(raw) != KeySize {
				return nil, fmt.Errorf("codec: key entry %d: the key is %d bytes; AES-256 needs %d (make one with: openssl rand -base64 32)", n, len(raw), KeySize)
			}
			keys[id], position[id] = raw, n
		}
	}
	if n == 0 {
		return nil, errors.New("codec: the key list is empty")
	}
	return NewKeys(strings.TrimSpace(current), keys)
}

// looksLikeKeys tells a key list or a lone key from a file's path.
func looksLikeKeys(s string) bool {
	if strings.ContainsAny(s, "=,\n") {
		return true
	}
	raw, err := decodeKey(s)
	return err == nil && len(raw) == KeySize
}

// printableID tells a name that may be quoted in an error from a key: it has
// the form of an id and does not decode to a key.
func printableID(s string) bool {
	if !keyIDPattern.MatchString(s) {
		return false
	}
	raw, err := decodeKey(s)
	return err != nil || len(raw) != KeySize
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil {
			return raw, nil
		}
	}
	return nil, errors.New("not base64")
}

// LoadKeys reads the key ring from EnvKeys or the file named by EnvKeysFile,
// and the current key from EnvKeyID. It returns nil and no error when
// neither list is set: payload encryption is off.
func LoadKeys(getenv func(string) string) (*Keys, error) {
	list, file, current := strings.TrimSpace(getenv(EnvKeys)), strings.TrimSpace(getenv(EnvKeysFile)), strings.TrimSpace(getenv(EnvKeyID))
	switch {
	case list != "" && file != "":
		return nil, fmt.Errorf("codec: set %s or %s, not both", EnvKeys, EnvKeysFile)
	case list == "" && file == "":
		if current != "" {
			return nil, fmt.Errorf("codec: %s is set but there are no keys; set %s or %s", EnvKeyID, EnvKeys, EnvKeysFile)
		}
		return nil, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			if looksLikeKeys(file) {
				// A key or a key list given where the file's path
				// belongs: the path must not be quoted.
				return nil, fmt.Errorf("codec: %s must name a file; it seems to hold keys (put the list in %s)", EnvKeysFile, EnvKeys)
			}
			return nil, fmt.Errorf("codec: reading the key file named by %s: %w", EnvKeysFile, err)
		}
		keys, err := ParseKeys(string(b), current)
		if err != nil {
			return nil, fmt.Errorf("%w (in %s)", err, file)
		}
		return keys, nil
	}
	keys, err := ParseKeys(list, current)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, EnvKeys)
	}
	return keys, nil
}

// Current is the id of the key new payloads are encrypted with.
func (k *Keys) Current() string { return k.current }

// IDs are the ids of every key, sorted.
func (k *Keys) IDs() []string {
	ids := make([]string, 0, len(k.aeads))
	for id := range k.aeads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// String names the keys, never their bytes.
func (k *Keys) String() string {
	if k == nil {
		return "off"
	}
	return fmt.Sprintf("AES-256-GCM, current key %q, readable keys %s", k.current, strings.Join(k.IDs(), ", "))
}

// GoString keeps %#v from printing the expanded keys.
func (k *Keys) GoString() string { return "codec.Keys{" + k.String() + "}" }
