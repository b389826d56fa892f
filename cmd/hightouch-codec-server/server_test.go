package main

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
)

const (
	password = "pw-correct-horse-battery-staple"
	token    = "0123456789abcdef0123456789abcdef"
	uiOrigin = "http://localhost:8233"
)

func keyList(ids ...string) string {
	var entries []string
	for _, id := range ids {
		entries = append(entries, id+"="+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte(id[:1]), codec.KeySize)))
	}
	return strings.Join(entries, ",")
}

func testEnv(kv ...string) func(string) string {
	m := map[string]string{codec.EnvKeys: keyList("a"), "HIGHTOUCH_CODEC_SERVER_TOKEN": token}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func newTestServer(t *testing.T, args []string, kv ...string) (*server, *observer.ObservedLogs) {
	t.Helper()
	cfg, err := parseConfig(append([]string{"--ui-origin", uiOrigin}, args...), testEnv(kv...), &bytes.Buffer{})
	require.NoError(t, err)
	core, logs := observer.New(zapcore.InfoLevel)
	return newServer(cfg, zap.New(core)), logs
}

// encrypted is what the worker writes to history: the password, encrypted
// with key a.
func encrypted(t *testing.T) *commonpb.Payload {
	t.Helper()
	keys, err := codec.ParseKeys(keyList("a"), "")
	require.NoError(t, err)
	p, err := codec.NewDataConverter(keys).ToPayload(map[string]string{"password": password})
	require.NoError(t, err)
	return p
}

func body(t *testing.T, payloads ...*commonpb.Payload) string {
	t.Helper()
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: payloads})
	require.NoError(t, err)
	return string(b)
}

type request struct {
	method, path, body string
	header             map[string]string
}

func (s *server) do(r request) *httptest.ResponseRecorder {
	req := httptest.NewRequest(r.method, "http://127.0.0.1:8081"+r.path, strings.NewReader(r.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func decoded(t *testing.T, rec *httptest.ResponseRecorder) []*commonpb.Payload {
	t.Helper()
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var out commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(rec.Body.Bytes(), &out))
	return out.Payloads
}

func TestDecodeWithToken(t *testing.T) {
	s, logs := newTestServer(t, nil)
	rec := s.do(request{method: "POST", path: "/decode", body: body(t, encrypted(t)), header: map[string]string{"Authorization": "Bearer " + token}})
	out := decoded(t, rec)
	require.Len(t, out, 1)
	require.Equal(t, "json/plain", string(out[0].Metadata[converter.MetadataEncoding]))
	require.Contains(t, string(out[0].Data), password)

	// The access log names the request, never the payload or the token.
	require.Equal(t, 1, logs.Len())
	entry := logs.All()[0]
	require.Equal(t, "default", entry.ContextMap()["namespace"])
	require.EqualValues(t, 200, entry.ContextMap()["status"])
	for _, f := range entry.Context {
		require.NotContains(t, f.String, password)
		require.NotContains(t, f.String, token)
	}
}

// The protocol looks only at the last path segment, so the endpoint can
// sit under a prefix (one per namespace, say).
func TestEncodeUnderAPrefixRoundTrips(t *testing.T) {
	s, _ := newTestServer(t, nil)
	auth := map[string]string{"Authorization": "Bearer " + token}
	plain, err := converter.GetDefaultDataConverter().ToPayload("hello")
	require.NoError(t, err)
	enc := decoded(t, s.do(request{method: "POST", path: "/default/encode", body: body(t, plain), header: auth}))
	require.Equal(t, codec.EncodingEncrypted, string(enc[0].Metadata[converter.MetadataEncoding]))
	dec := decoded(t, s.do(request{method: "POST", path: "/default/decode", body: body(t, enc...), header: auth}))
	require.Equal(t, plain.Data, dec[0].Data)
}

func TestRefusals(t *testing.T) {
	good := map[string]string{"Authorization": "Bearer " + token}
	cases := []struct {
		name   string
		args   []string
		req    request
		status int
	}{
		{"no token", nil, request{method: "POST", path: "/decode"}, http.StatusUnauthorized},
		{"wrong token", nil, request{method: "POST", path: "/decode", header: map[string]string{"Authorization": "Bearer " + strings.Repeat("x", len(token))}}, http.StatusUnauthorized},
		{"token in another scheme", nil, request{method: "POST", path: "/decode", header: map[string]string{"Authorization": "Basic " + token}}, http.StatusUnauthorized},
		{"other origin", nil, request{method: "POST", path: "/decode", header: map[string]string{"Authorization": "Bearer " + token, "Origin": "https://evil.example"}}, http.StatusForbidden},
		{"other origin's preflight", nil, request{method: "OPTIONS", path: "/decode", header: map[string]string{"Origin": "https://evil.example"}}, http.StatusForbidden},
		{"DNS rebinding", nil, request{method: "POST", path: "/decode", header: map[string]string{"Authorization": "Bearer " + token, "Host": "evil.example:8081"}}, http.StatusForbidden},
		{"GET", nil, request{method: "GET", path: "/decode", header: good}, http.StatusNotFound},
		{"other path", nil, request{method: "POST", path: "/metrics", header: good}, http.StatusNotFound},
		{"not JSON", nil, request{method: "POST", path: "/decode", body: "{", header: good}, http.StatusBadRequest},
		{"too large", nil, request{method: "POST", path: "/decode", body: strings.Repeat(" ", maxBody+1), header: good}, http.StatusRequestEntityTooLarge},
		{"header mode without the header", []string{"--auth", "header", "--allow", "ana@example.com"}, request{method: "POST", path: "/decode"}, http.StatusUnauthorized},
		{"header mode, someone else", []string{"--auth", "header", "--allow", "ana@example.com"}, request{method: "POST", path: "/decode", header: map[string]string{"X-Forwarded-Email": "bob@example.com"}}, http.StatusForbidden},
		{"header mode ignores bearer tokens", []string{"--auth", "header", "--allow", "*"}, request{method: "POST", path: "/decode", header: good}, http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := newTestServer(t, c.args)
			if c.req.header["Host"] != "" {
				req := httptest.NewRequest(c.req.method, "http://"+c.req.header["Host"]+c.req.path, strings.NewReader(c.req.body))
				req.Header.Set("Authorization", c.req.header["Authorization"])
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				require.Equal(t, c.status, rec.Code)
				return
			}
			rec := s.do(c.req)
			require.Equal(t, c.status, rec.Code, rec.Body.String())
			if c.status == http.StatusForbidden && c.req.header["Origin"] != "" {
				require.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"))
			}
		})
	}
}

func TestHeaderModeLetsTheAllowedUserIn(t *testing.T) {
	s, logs := newTestServer(t, []string{"--auth", "header", "--auth-header", "x-auth-request-email", "--allow", "ana@example.com, cy@example.com"})
	rec := s.do(request{method: "POST", path: "/decode", body: body(t, encrypted(t)), header: map[string]string{"X-Auth-Request-Email": "cy@example.com"}})
	require.Contains(t, string(decoded(t, rec)[0].Data), password)
	require.Equal(t, "cy@example.com", logs.All()[0].ContextMap()["user"])
}

func TestCORSForTheUIOnly(t *testing.T) {
	s, _ := newTestServer(t, nil)
	pre := s.do(request{method: "OPTIONS", path: "/decode", header: map[string]string{
		"Origin": uiOrigin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-namespace,authorization",
		"Access-Control-Request-Private-Network": "true",
	}})
	require.Equal(t, http.StatusNoContent, pre.Code)
	require.Equal(t, uiOrigin, pre.Header().Get("Access-Control-Allow-Origin"))
	require.Equal(t, "true", pre.Header().Get("Access-Control-Allow-Credentials"))
	require.Contains(t, pre.Header().Get("Access-Control-Allow-Headers"), "X-Namespace")
	require.Equal(t, "true", pre.Header().Get("Access-Control-Allow-Private-Network"))

	// The UI reads refusals too, so it can say what went wrong.
	denied := s.do(request{method: "POST", path: "/decode", header: map[string]string{"Origin": uiOrigin}})
	require.Equal(t, http.StatusUnauthorized, denied.Code)
	require.Equal(t, uiOrigin, denied.Header().Get("Access-Control-Allow-Origin"))

	ok := s.do(request{method: "POST", path: "/decode", body: body(t, encrypted(t)), header: map[string]string{"Origin": uiOrigin, "Authorization": "Bearer " + token}})
	require.Contains(t, string(decoded(t, ok)[0].Data), password)
}

// A payload under a key the server lacks: a 400 that names the key, with
// neither the plaintext nor a panic.
func TestWrongKeyIsAClearError(t *testing.T) {
	s, _ := newTestServer(t, nil, codec.EnvKeys, keyList("b"))
	rec := s.do(request{method: "POST", path: "/decode", body: body(t, encrypted(t)), header: map[string]string{"Authorization": "Bearer " + token}})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), `payload encrypted with key "a", which this process does not have (it has b)`)
	require.NotContains(t, rec.Body.String(), password)
}

func TestPlainPayloadsDecodeAsTheyAre(t *testing.T) {
	s, _ := newTestServer(t, nil)
	plain, err := converter.GetDefaultDataConverter().ToPayload(map[string]string{"syncId": "42"})
	require.NoError(t, err)
	out := decoded(t, s.do(request{method: "POST", path: "/decode", body: body(t, plain), header: map[string]string{"Authorization": "Bearer " + token}}))
	require.Equal(t, plain.Data, out[0].Data)
}

func TestHealthNeedsNoAuth(t *testing.T) {
	s, logs := newTestServer(t, nil)
	rec := s.do(request{method: "GET", path: healthPath})
	require.Equal(t, http.StatusOK, rec.Code)
	require.Zero(t, logs.Len(), "probes are not logged")
}
