package main

import (
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
)

// overlapPolicies maps the --overlap names to Temporal's overlap policies,
// in the order help lists them.
var overlapPolicies = []struct {
	name   string
	policy enumspb.ScheduleOverlapPolicy
	help   string
}{
	{"skip", enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, "do not start while the previous run is still going"},
	{"buffer-one", enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE, "start one more run after the running one ends"},
	{"buffer-all", enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL, "start every missed run, one after the other"},
	{"cancel-other", enumspb.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER, "cancel the running workflow, then start"},
	{"terminate-other", enumspb.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER, "terminate the running workflow, then start"},
	{"allow-all", enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, "start regardless of running workflows"},
}

// overlapNames lists the --overlap names.
func overlapNames() []string {
	names := make([]string, len(overlapPolicies))
	for i, o := range overlapPolicies {
		names[i] = o.name
	}
	return names
}

// overlapPolicy maps an --overlap name to its policy.
func overlapPolicy(name string) (enumspb.ScheduleOverlapPolicy, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, o := range overlapPolicies {
		if o.name == name {
			return o.policy, true
		}
	}
	return enumspb.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, false
}

// overlapName is the --overlap name of a policy; unspecified means skip,
// the server's default.
func overlapName(p enumspb.ScheduleOverlapPolicy) string {
	if p == enumspb.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED {
		return "skip"
	}
	for _, o := range overlapPolicies {
		if o.policy == p {
			return o.name
		}
	}
	return p.String()
}

// overlapHelp describes every policy for --overlap's help.
func overlapHelp() string {
	var b strings.Builder
	for _, o := range overlapPolicies {
		b.WriteString("\n  " + o.name + ": " + o.help)
	}
	return b.String()
}
