package hightouchtest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"time"
)

// request is what a handler sees: the matched route's parameters, the query,
// the raw body (read before the lock) and the clock time of handling.
type request struct {
	op     string
	params map[string]string
	query  url.Values
	header http.Header
	body   []byte
	now    time.Time
}

// decodeBody parses a JSON object body, or a form-encoded one (Airflow's
// Hightouch provider sends those to /syncs/trigger; values then arrive as
// strings and are coerced by the schema checks). present is false for an
// empty body.
// A non-nil response is the error to answer.
func (rq *request) decodeBody() (obj map[string]any, present bool, errResp *response) {
	if len(bytes.TrimSpace(rq.body)) == 0 {
		return nil, false, nil
	}
	mediaType, _, _ := mime.ParseMediaType(rq.header.Get("Content-Type"))
	if mediaType == "application/x-www-form-urlencoded" {
		values, err := url.ParseQuery(string(rq.body))
		if err != nil {
			resp := badRequest("invalid form body: " + err.Error())
			return nil, false, &resp
		}
		obj = make(map[string]any, len(values))
		for k, vs := range values {
			obj[k] = vs[len(vs)-1]
		}
		return obj, true, nil
	}
	dec := json.NewDecoder(bytes.NewReader(rq.body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		// Express' body parser rejects malformed JSON with 400 before tsoa runs.
		resp := badRequest("request body is not valid JSON")
		return nil, false, &resp
	}
	if v == nil {
		return nil, false, nil
	}
	obj, isObject := v.(map[string]any)
	if !isObject {
		d := details{}
		d.addValue("body", "invalid object", v)
		resp := unprocessable(d)
		return nil, false, &resp
	}
	return obj, true, nil
}

// requireBody decodes a required body and checks it against s.
func (rq *request) requireBody(s *schema) (map[string]any, *response) {
	obj, present, errResp := rq.decodeBody()
	if errResp != nil {
		return nil, errResp
	}
	d := details{}
	if !present {
		d.add("body", requiredMessage("body"))
		resp := unprocessable(d)
		return nil, &resp
	}
	s.check("body", obj, d)
	if len(d) > 0 {
		resp := unprocessable(d)
		return nil, &resp
	}
	return obj, nil
}

// numericPathID parses a path parameter typed "number" in the spec.
func (rq *request) numericPathID(name string) (int64, *response) {
	raw := rq.params[name]
	id, ok := asID(raw)
	if !ok {
		d := details{}
		d.addValue("path."+name, "invalid float number", raw)
		resp := unprocessable(d)
		return 0, &resp
	}
	return id, nil
}

var digitsPattern = regexp.MustCompile(`^[0-9]+$`)

// digitPathID parses a path parameter typed "string" with pattern ^[0-9]+$
// (TriggerRun's syncId).
func (rq *request) digitPathID(name string) (int64, *response) {
	raw := rq.params[name]
	id, ok := asID(raw)
	if !digitsPattern.MatchString(raw) || !ok {
		d := details{}
		d.addValue("path."+name, "Not match in '^[0-9]+$'", raw)
		resp := unprocessable(d)
		return 0, &resp
	}
	return id, nil
}
