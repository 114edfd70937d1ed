package odpsrest

import "testing"

// FuzzParseJob feeds arbitrary bodies to the Job XML reader: it must never
// panic, and a job it accepts has between 1 and maxTasks named SQL tasks
// with a query.
func FuzzParseJob(f *testing.F) {
	f.Add([]byte(`<Instance><Job><Priority>9</Priority><Tasks><SQL><Name>AnonymousSQLTask</Name><Comment></Comment><Config><Property><Name>type</Name><Value>sql</Value></Property><Property><Name>settings</Name><Value>{"odps.sql.type.system.odps2":"true"}</Value></Property></Config><Query>select 1;</Query></SQL></Tasks></Job></Instance>`))
	f.Add([]byte(`<?xml version="1.0"?><Instance><Job><Tasks><SQL><Name>a</Name><Query>x</Query></SQL><SQL><Name>b</Name><Query>y</Query></SQL></Tasks></Job></Instance>`))
	f.Add([]byte(`<Instance><Job><Tasks><SQLCost><Name>a</Name></SQLCost></Tasks></Job></Instance>`))
	f.Add([]byte(`<Instance><Job><Tasks><SQL><Name>a</Name><Config><Property><Name>settings</Name><Value>{"a":[1,{"b":null}]}</Value></Property></Config><Query>q</Query></SQL></Tasks></Job></Instance>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tasks, priority, err := parseJob(body)
		if err != nil {
			return
		}
		if len(tasks) == 0 || len(tasks) > maxTasks || priority < 0 || priority > 9 {
			t.Fatalf("accepted %d tasks, priority %d", len(tasks), priority)
		}
		for _, tk := range tasks {
			if tk.name == "" || tk.query == "" || tk.typ != "SQL" {
				t.Fatalf("accepted task %+v", tk)
			}
		}
	})
}
