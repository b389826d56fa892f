package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
	"github.com/hightouch-temporal/hightouch-temporal/internal/daemon"
)

// Authentication modes.
const (
	authToken  = "token"  // Authorization: Bearer <token>, for the CLI and scripts
	authHeader = "header" // a header set by an authenticating proxy in front, for the UI
	authNone   = "none"   // loopback only: whoever can reach the port may decode
)

// defaultAddr keeps the server off the network unless told otherwise.
const defaultAddr = "127.0.0.1:8081"

// config is the codec server's configuration: flags override the
// environment, which overrides the defaults.
type config struct {
	addr       string
	auth       string
	token      string // never logged
	authHeader string
	allow      map[string]bool // header values let in; nil lets in any
	origins    []string        // web UI origins answered with CORS
	keys       *codec.Keys
	daemon.Logging
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := daemon.NewFlags("hightouch-codec-server", `Usage: hightouch-codec-server [flags]

Serves Temporal's codec server protocol (POST .../encode and .../decode) so
that the Temporal web UI and `+"`temporal workflow show --codec-endpoint`"+` show the
payloads the worker encrypts, to the people allowed to see them.

Keys come from HIGHTOUCH_CODEC_KEYS or the file named by
HIGHTOUCH_CODEC_KEYS_FILE (id=base64key entries), the current one from
HIGHTOUCH_CODEC_KEY_ID: the same settings as the worker's.

Authentication (--auth):
  token   requests carry "Authorization: Bearer <token>"; the token comes from
          HIGHTOUCH_CODEC_SERVER_TOKEN or --token-file. For the temporal CLI:
          --codec-auth "Bearer $TOKEN".
  header  an authenticating proxy in front (oauth2-proxy, an ingress with
          OIDC) sets --auth-header to the signed-in user; --allow lists who
          may decode ("*" for anyone the proxy lets through).
  none    no check; only on a loopback address.

Flags (each defaults to the environment variable named):
`, getenv, stderr, &c.Logging)
	env := fs.Env
	fs.StringVar(&c.addr, "addr", env("HIGHTOUCH_CODEC_SERVER_ADDR", defaultAddr), "address to listen on; loopback unless you mean otherwise (HIGHTOUCH_CODEC_SERVER_ADDR)")
	fs.StringVar(&c.auth, "auth", env("HIGHTOUCH_CODEC_SERVER_AUTH", authToken), "token, header or none (HIGHTOUCH_CODEC_SERVER_AUTH)")
	tokenFile := fs.String("token-file", env("HIGHTOUCH_CODEC_SERVER_TOKEN_FILE", ""), "file holding the bearer token, if HIGHTOUCH_CODEC_SERVER_TOKEN is unset (HIGHTOUCH_CODEC_SERVER_TOKEN_FILE)")
	fs.StringVar(&c.authHeader, "auth-header", env("HIGHTOUCH_CODEC_SERVER_AUTH_HEADER", "X-Forwarded-Email"), "with --auth header: the header naming the signed-in user (HIGHTOUCH_CODEC_SERVER_AUTH_HEADER)")
	allow := fs.String("allow", env("HIGHTOUCH_CODEC_SERVER_ALLOW", ""), "with --auth header: comma-separated users who may decode, or * (HIGHTOUCH_CODEC_SERVER_ALLOW)")
	origins := fs.String("ui-origin", env("HIGHTOUCH_CODEC_SERVER_UI_ORIGIN", ""), "comma-separated origins of the Temporal web UI, e.g. http://localhost:8233; none: no CORS (HIGHTOUCH_CODEC_SERVER_UI_ORIGIN)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := fs.NoArgs("the codec server"); err != nil {
		return nil, err
	}

	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		bad("--addr: expected host:port such as %s, got %q", defaultAddr, c.addr)
	}
	switch c.auth {
	case authToken:
		if c.token, err = loadToken(getenv("HIGHTOUCH_CODEC_SERVER_TOKEN"), *tokenFile); err != nil {
			bad("%v", err)
		}
	case authHeader:
		c.authHeader = http.CanonicalHeaderKey(strings.TrimSpace(c.authHeader))
		if c.authHeader == "" || c.authHeader == "Authorization" {
			bad("--auth-header: name the header the proxy sets to the signed-in user, such as X-Forwarded-Email")
		}
		switch list := splitList(*allow); {
		case len(list) == 0:
			bad("--allow / HIGHTOUCH_CODEC_SERVER_ALLOW: list who may decode, or * for anyone the proxy lets through")
		case len(list) == 1 && list[0] == "*":
		default:
			c.allow = map[string]bool{}
			for _, u := range list {
				c.allow[u] = true
			}
		}
	case authNone:
		if err == nil && !isLoopback(host) {
			bad("--auth none is only allowed on a loopback address such as %s, not %q", defaultAddr, c.addr)
		}
	default:
		bad("--auth / HIGHTOUCH_CODEC_SERVER_AUTH: expected token, header or none, got %q", c.auth)
	}
	for _, o := range splitList(*origins) {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			bad("--ui-origin: expected an origin such as http://localhost:8233, got %q", o)
			continue
		}
		c.origins = append(c.origins, u.Scheme+"://"+u.Host)
	}
	if c.keys, err = codec.LoadKeys(getenv); err != nil {
		bad("%v", err)
	} else if c.keys == nil {
		bad("no keys: set %s or %s (the worker's keys)", codec.EnvKeys, codec.EnvKeysFile)
	}
	if err := daemon.Problems(problems); err != nil {
		return nil, err
	}
	return c, nil
}

// minTokenLength keeps out tokens short enough to guess.
const minTokenLength = 16

// loadToken reads the bearer token from the environment or a file. Errors
// say where it was looked for, never what it is.
func loadToken(fromEnv, file string) (string, error) {
	token := strings.TrimSpace(fromEnv)
	if token == "" && file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading the token file %s: %w", file, errors.Unwrap(err))
		}
		token = strings.TrimSpace(string(b))
	}
	switch {
	case token == "":
		return "", errors.New("no token: set HIGHTOUCH_CODEC_SERVER_TOKEN or --token-file (or choose --auth header or none)")
	case len(token) < minTokenLength:
		return "", fmt.Errorf("the token is shorter than %d characters; make one with: openssl rand -hex 32", minTokenLength)
	}
	return token, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// isLoopback reports whether host names only this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
