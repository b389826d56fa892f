package codec_test

import (
	"log"
	"os"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
)

// A Go program that starts HightouchSync, or runs it as a child of its own
// workflows, reads and writes the same payloads as the worker with the same
// keys. The failure converter needs the data converter too: it encodes
// failure details (and, as here, messages and stack traces).
func ExampleNewDataConverter() {
	keys, err := codec.LoadKeys(os.Getenv) // HIGHTOUCH_CODEC_KEYS[_FILE], HIGHTOUCH_CODEC_KEY_ID
	if err != nil {
		log.Fatal(err)
	}
	dc := codec.NewDataConverter(keys)
	c, err := client.Dial(client.Options{
		DataConverter: dc,
		FailureConverter: temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
			DataConverter: dc, EncodeCommonAttributes: true,
		}),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	// worker.New(c, ...) for a worker whose workflows call HightouchSync as
	// a child; c.ExecuteWorkflow(...) to start it directly.
}
