// Package e2e holds the end-to-end tests: a real Temporal dev server, the
// Hightouch emulator, the worker and the starter run as separate processes
// built from this repository, and the tests drive them the way users do
// (the starter, the temporal CLI, a parent workflow, a schedule).
//
// They need the temporal CLI (see internal/dev/devserver.FindCLI). Without it
// they are skipped locally and fail under CI=true.
package e2e
