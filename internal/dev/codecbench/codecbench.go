// Package codecbench measures what payload encryption costs one workflow:
// every payload of a recorded HightouchSync history is written and read
// once (ToPayload and FromPayload) with the default data converter and with
// the encrypting one, and the history is sized both ways. The report
// (cmd/report) prints the result; BenchmarkWorkflowPayloads runs
// the same work under go test -bench.
package codecbench

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"golang.org/x/mod/semver"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
)

// History is the recorded workflow measured, relative to the module root
// and a release's directory of histories.
const History = "sync-success.json"

// LatestHistory is History as the newest release under root recorded it
// (workflows/testdata/histories/v<release>).
func LatestHistory(root string) (string, error) {
	dirs, err := filepath.Glob(filepath.Join(root, "workflows", "testdata", "histories", "v*"))
	if err != nil {
		return "", err
	}
	dirs = slices.DeleteFunc(dirs, func(d string) bool { return !semver.IsValid(filepath.Base(d)) })
	if len(dirs) == 0 {
		return "", fmt.Errorf("no recorded histories under %s", root)
	}
	slices.SortFunc(dirs, func(a, b string) int { return semver.Compare(filepath.Base(a), filepath.Base(b)) })
	return filepath.Join(dirs[len(dirs)-1], History), nil
}

// Workload is the payloads of one workflow and the two converters.
type Workload struct {
	history   *historypb.History
	payloads  []*commonpb.Payload
	values    []any // each payload decoded, as the workflow code holds it
	plain     converter.DataConverter
	encrypted converter.DataConverter
}

// Load reads a history (JSON, as `temporal workflow show --output json`
// writes it) and prepares both converters, with a fresh random key.
func Load(path string) (*Workload, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	key := make([]byte, codec.KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	keys, err := codec.NewKeys("bench", map[string][]byte{"bench": key})
	if err != nil {
		return nil, err
	}
	w := &Workload{history: h, plain: converter.GetDefaultDataConverter(), encrypted: codec.NewDataConverter(keys)}
	w.payloads = payloadsOf(h)
	if len(w.payloads) == 0 {
		return nil, fmt.Errorf("%s holds no payloads", path)
	}
	for _, p := range w.payloads {
		var v any
		if err := w.plain.FromPayload(p, &v); err != nil {
			return nil, fmt.Errorf("%s: decoding a payload: %w", path, err)
		}
		w.values = append(w.values, v)
	}
	return w, nil
}

// RoundTrip writes and reads every payload once with dc, as the workflow's
// writers and readers do between them.
func (w *Workload) RoundTrip(dc converter.DataConverter) error {
	for _, v := range w.values {
		p, err := dc.ToPayload(v)
		if err != nil {
			return err
		}
		var back any
		if err := dc.FromPayload(p, &back); err != nil {
			return err
		}
	}
	return nil
}

// Result is the cost of one workflow's payloads, plain and encrypted.
type Result struct {
	Payloads                           int
	PlainPayloadBytes, EncPayloadBytes int // the payloads as stored
	PlainHistoryBytes, EncHistoryBytes int // the whole history
	PlainNs, EncNs                     float64
	// Faithful: every encrypted payload decrypts to its value and holds
	// none of the plain payload's bytes.
	Faithful bool
}

// CPURatio is how many times the CPU of writing and reading the payloads
// encryption costs.
func (r Result) CPURatio() float64 { return r.EncNs / r.PlainNs }

// Plain is the SDK's default data converter.
func (w *Workload) Plain() converter.DataConverter { return w.plain }

// Encrypted is the converter the worker uses with encryption on.
func (w *Workload) Encrypted() converter.DataConverter { return w.encrypted }

// Sizes sizes the payloads and the history both ways, and checks that each
// encrypted payload decrypts to its value and holds none of its bytes.
func (w *Workload) Sizes() (Result, error) {
	r := Result{Payloads: len(w.payloads), PlainHistoryBytes: proto.Size(w.history), Faithful: true}
	enc := proto.Clone(w.history).(*historypb.History)
	for i, p := range payloadsOf(enc) {
		ep, err := w.encrypted.ToPayload(w.values[i])
		if err != nil {
			return r, err
		}
		var back any
		err = w.encrypted.FromPayload(ep, &back)
		r.Faithful = r.Faithful && err == nil && reflect.DeepEqual(back, w.values[i]) &&
			(len(w.payloads[i].Data) < 8 || !bytes.Contains(ep.Data, w.payloads[i].Data))
		r.PlainPayloadBytes += proto.Size(w.payloads[i])
		r.EncPayloadBytes += proto.Size(ep)
		proto.Reset(p)
		proto.Merge(p, ep)
	}
	r.EncHistoryBytes = proto.Size(enc)
	return r, nil
}

// Measure is Sizes plus the time of RoundTrip with each converter, from
// testing.Benchmark, the fastest of rounds alternating runs (the machine
// is shared: the least disturbed run is the truest).
func (w *Workload) Measure(rounds int) (Result, error) {
	r, err := w.Sizes()
	if err != nil {
		return r, err
	}
	var errs []error
	time := func(dc converter.DataConverter) float64 {
		res := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				if err := w.RoundTrip(dc); err != nil {
					errs = append(errs, err)
					b.FailNow()
				}
			}
		})
		return float64(res.NsPerOp())
	}
	for i := range max(rounds, 1) {
		p, e := time(w.plain), time(w.encrypted)
		if i == 0 || p < r.PlainNs {
			r.PlainNs = p
		}
		if i == 0 || e < r.EncNs {
			r.EncNs = e
		}
	}
	if len(errs) > 0 {
		return r, errs[0]
	}
	return r, nil
}

// payloadsOf returns every Payload in m as pointers into m, in a fixed
// order (fields by number, map entries by key), so that two copies of a
// history list their payloads alike.
func payloadsOf(m proto.Message) []*commonpb.Payload {
	var out []*commonpb.Payload
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		if p, ok := m.Interface().(*commonpb.Payload); ok {
			out = append(out, p)
			return
		}
		fields := m.Descriptor().Fields()
		for i := range fields.Len() {
			fd := fields.Get(i)
			holdsMessages := fd.Message() != nil
			if fd.IsMap() {
				holdsMessages = fd.MapValue().Message() != nil
			}
			if !holdsMessages || !m.Has(fd) {
				continue
			}
			v := m.Get(fd)
			switch {
			case fd.IsList():
				for j := range v.List().Len() {
					walk(v.List().Get(j).Message())
				}
			case fd.IsMap():
				var keys []protoreflect.MapKey
				v.Map().Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
					keys = append(keys, k)
					return true
				})
				slices.SortFunc(keys, func(a, b protoreflect.MapKey) int { return strings.Compare(a.String(), b.String()) })
				for _, k := range keys {
					walk(v.Map().Get(k).Message())
				}
			default:
				walk(v.Message())
			}
		}
	}
	walk(m.ProtoReflect())
	return out
}
