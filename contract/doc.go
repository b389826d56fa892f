// Package contract holds the JSON value types that the workflows, their
// activities and their callers share: what a wait knows of a sync run or a
// sequence run (SyncRunSnapshot, SequenceRunSnapshot: the snapshots that the
// workflows' results, progress and failure details carry, and that the poll
// activities return), and durations written as strings such as "90s" or
// "2d" (Duration, ParseDuration).
//
// It is a leaf: besides the standard library it imports only package
// client, for the Hightouch API's types, and nothing of Temporal, so that
// the starter, the emulator and the load runs use it as well as activities
// and workflows. The workflows' own inputs, results and progress stay in
// package workflows and embed these types. Every type here is in recorded
// workflow histories: its JSON must not change.
package contract
