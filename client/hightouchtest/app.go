package hightouchtest

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"
)

// AppPath is where the emulator serves a stand-in for Hightouch's web app:
// a page per run, so that the links the workflows make (HIGHTOUCH_APP_URL
// set to http://<emulator>/_emulator/app) lead somewhere in the demo.
const AppPath = "/_emulator/app"

var runPage = template.Must(template.New("run").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;margin:2em}td{padding:.2em 1em .2em 0}</style></head>
<body><h1>{{.Title}}</h1><p>Hightouch emulator: a stand-in for the run's page in Hightouch's web app.</p>
<table>{{range .Rows}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td></tr>{{end}}</table></body></html>
`))

type runPageData struct {
	Title string
	Rows  [][2]string
}

func (e *Emulator) appRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+AppPath+"/syncs/{id}/runs/{run}", func(w http.ResponseWriter, r *http.Request) {
		syncID, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
		runID, err2 := strconv.ParseInt(r.PathValue("run"), 10, 64)
		if err1 != nil || err2 != nil {
			http.NotFound(w, r)
			return
		}
		for _, rn := range e.Runs(syncID) {
			if rn.ID != runID {
				continue
			}
			d := runPageData{Title: fmt.Sprintf("Sync %d, run %d: %s", syncID, runID, rn.Status), Rows: [][2]string{
				{"Status", rn.Status}, {"Created", rn.CreatedAt.String()}, {"Started", timeText(rn.StartedAt)}, {"Finished", timeText(rn.FinishedAt)},
			}}
			writePage(w, d)
			return
		}
		http.NotFound(w, r)
	})
	mux.HandleFunc("GET "+AppPath+"/sequences/{id}/runs/{run}", func(w http.ResponseWriter, r *http.Request) {
		for _, rn := range e.SequenceRuns(r.PathValue("id")) {
			if rn.ID != r.PathValue("run") {
				continue
			}
			d := runPageData{Title: fmt.Sprintf("Sequence %s, run %s: %s", rn.SequenceID, rn.ID, rn.Status), Rows: [][2]string{
				{"Status", rn.Status}, {"Created", rn.CreatedAt.String()}, {"Finished", timeText(rn.FinishedAt)}, {"Member runs", fmt.Sprint(rn.SyncRunIDs)},
			}}
			writePage(w, d)
			return
		}
		http.NotFound(w, r)
	})
}

func writePage(w http.ResponseWriter, d runPageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = runPage.Execute(w, d)
}

func timeText(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.String()
}
