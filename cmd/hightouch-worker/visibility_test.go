package main

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	temporalclient "go.temporal.io/sdk/client"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// fakeOperator answers ListSearchAttributes with attrs, or err.
type fakeOperator struct {
	operatorservice.OperatorServiceClient
	attrs map[string]enums.IndexedValueType
	err   error
	calls int
}

func (f *fakeOperator) ListSearchAttributes(context.Context, *operatorservice.ListSearchAttributesRequest, ...grpc.CallOption) (*operatorservice.ListSearchAttributesResponse, error) {
	f.calls++
	return &operatorservice.ListSearchAttributesResponse{CustomAttributes: f.attrs}, f.err
}

type fakeTemporal struct {
	temporalclient.Client
	op *fakeOperator
}

func (f fakeTemporal) OperatorService() operatorservice.OperatorServiceClient { return f.op }

func allKeyword() map[string]enums.IndexedValueType {
	m := map[string]enums.IndexedValueType{}
	for _, n := range workflows.SearchAttributeNames {
		m[n] = enums.INDEXED_VALUE_TYPE_KEYWORD
	}
	return m
}

func TestUseSearchAttributes(t *testing.T) {
	logged := func() (*zap.Logger, *bytes.Buffer) {
		var b bytes.Buffer
		return zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&b), zap.DebugLevel)), &b
	}
	ctx := context.Background()

	zl, log := logged()
	op := &fakeOperator{attrs: allKeyword()}
	require.True(t, useSearchAttributes(ctx, searchAttributesAuto, fakeTemporal{op: op}, "ns", zl))
	require.Empty(t, log.String())

	missing := allKeyword()
	delete(missing, "HightouchRunId")
	missing["HightouchStatus"] = enums.INDEXED_VALUE_TYPE_TEXT // the wrong type counts as missing
	zl, log = logged()
	require.False(t, useSearchAttributes(ctx, searchAttributesAuto, fakeTemporal{op: &fakeOperator{attrs: missing}}, "ns", zl))
	require.Contains(t, log.String(), "lacks the Hightouch search attributes")
	require.Contains(t, log.String(), "temporal operator search-attribute create --namespace ns --name HightouchRunId --type Keyword --name HightouchStatus --type Keyword")

	zl, log = logged()
	require.False(t, useSearchAttributes(ctx, searchAttributesAuto, fakeTemporal{op: &fakeOperator{err: errors.New("permission denied")}}, "ns", zl))
	require.Contains(t, log.String(), "Could not list the namespace's search attributes")

	// on and off do not ask.
	op = &fakeOperator{err: errors.New("must not be called")}
	zl, _ = logged()
	require.True(t, useSearchAttributes(ctx, searchAttributesOn, fakeTemporal{op: op}, "ns", zl))
	require.False(t, useSearchAttributes(ctx, searchAttributesOff, fakeTemporal{op: op}, "ns", zl))
	require.Zero(t, op.calls)
}

func TestParseConfigVisibility(t *testing.T) {
	var stderr bytes.Buffer
	cfg, err := parseConfig(nil, envOf(map[string]string{"HIGHTOUCH_API_KEY": "k"}), &stderr)
	require.NoError(t, err)
	require.Equal(t, searchAttributesAuto, cfg.searchAttributes)
	require.Empty(t, cfg.appURL)

	cfg, err = parseConfig([]string{"--search-attributes", "off"}, envOf(map[string]string{"HIGHTOUCH_API_KEY": "k", "HIGHTOUCH_APP_URL": "https://app.hightouch.com/acme"}), &stderr)
	require.NoError(t, err)
	require.Equal(t, searchAttributesOff, cfg.searchAttributes)
	require.Equal(t, "https://app.hightouch.com/acme", cfg.appURL)

	_, err = parseConfig(nil, envOf(map[string]string{"HIGHTOUCH_API_KEY": "k", "HIGHTOUCH_SEARCH_ATTRIBUTES": "maybe"}), &stderr)
	require.ErrorContains(t, err, `--search-attributes / HIGHTOUCH_SEARCH_ATTRIBUTES: expected auto, on or off, got "maybe"`)
	_, err = parseConfig(nil, envOf(map[string]string{"HIGHTOUCH_API_KEY": "k", "HIGHTOUCH_APP_URL": "app.hightouch.com/acme"}), &stderr)
	require.ErrorContains(t, err, "--hightouch-app-url / HIGHTOUCH_APP_URL: expected the workspace's address")
}
