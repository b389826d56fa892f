package workflows

// Test access to the trigger writer, so that tests can stand in for a
// writer that was lost (terminated, reset) or never answers.

// WriterInput is the trigger writer's input.
type WriterInput = writerInput

// TriggerWriter is the trigger writer's workflow function.
var TriggerWriter = HightouchTriggerWriter

// RedeliverEvery and ReplyGrace are the requester's clocks for a writer that
// does not answer.
const (
	RedeliverEvery = redeliverEvery
	ReplyGrace     = replyGrace
)
