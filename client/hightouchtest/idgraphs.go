package hightouchtest

import "fmt"

// TriggerRunIDGraph. The API has no way to create identity
// graphs, so they exist only when seeded (demo data or NewIDGraph).

type idGraph struct {
	id   string
	runs []idGraphRun
}

type idGraphRun struct {
	id        string
	fullRerun bool
}

var triggerRunIDGraphInputSchema = &schema{props: []prop{{name: "fullRerun", kind: kindBool}}}

func (e *Emulator) triggerRunIDGraph(rq *request) response {
	g := e.idGraphs[rq.params["graphId"]]
	if g == nil {
		return notFound(fmt.Sprintf("identity graph %q not found", rq.params["graphId"]))
	}
	body, present, errResp := rq.decodeBody()
	if errResp != nil {
		return *errResp
	}
	if present {
		d := details{}
		triggerRunIDGraphInputSchema.check("body", body, d)
		if len(d) > 0 {
			return unprocessable(d)
		}
	}
	fullRerun, _ := body["fullRerun"].(bool)
	rn := idGraphRun{id: e.newUUID(), fullRerun: fullRerun}
	g.runs = append(g.runs, rn)
	return ok(triggerOutput{ID: rn.id})
}
