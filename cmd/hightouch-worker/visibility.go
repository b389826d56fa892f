package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	temporalclient "go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// Values of --search-attributes.
const (
	searchAttributesAuto = "auto" // use them when the namespace has them
	searchAttributesOn   = "on"
	searchAttributesOff  = "off"
)

// useSearchAttributes decides whether the workflows set their search
// attributes. A workflow that sets one the namespace lacks has its tasks
// fail until someone registers it, so "auto" uses them only when all are
// registered, and says how to register them when they are not.
func useSearchAttributes(ctx context.Context, mode string, tc temporalclient.Client, namespace string, zl *zap.Logger) bool {
	switch mode {
	case searchAttributesOn:
		return true
	case searchAttributesOff:
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := tc.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		zl.Warn("Could not list the namespace's search attributes; workflows run without theirs (set HIGHTOUCH_SEARCH_ATTRIBUTES=on when they are registered)",
			zap.String("namespace", namespace), zap.Error(err))
		return false
	}
	missing := missingSearchAttributes(resp.GetCustomAttributes())
	if len(missing) > 0 {
		zl.Warn("The namespace lacks the Hightouch search attributes; workflows run without them. Register them to find workflows by sync, run and status",
			zap.String("namespace", namespace), zap.Strings("missing", missing),
			zap.String("register", registerCommand(namespace, missing)))
		return false
	}
	return true
}

// missingSearchAttributes lists the workflows' search attributes that are
// not registered as Keyword.
func missingSearchAttributes(registered map[string]enums.IndexedValueType) []string {
	var missing []string
	for _, name := range workflows.SearchAttributeNames {
		if registered[name] != enums.INDEXED_VALUE_TYPE_KEYWORD {
			missing = append(missing, name)
		}
	}
	return missing
}

// registerCommand is the CLI command that registers the search attributes.
func registerCommand(namespace string, names []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "temporal operator search-attribute create --namespace %s", namespace)
	for _, n := range names {
		fmt.Fprintf(&b, " --name %s --type Keyword", n)
	}
	return b.String()
}
