package odpsrest_test

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
)

func TestTables(t *testing.T) {
	e := newEnv(t)
	p := "/projects/sale_project"
	e.sqlOK(e.keyB, "CREATE TABLE sale_detail (shop_name STRING COMMENT 'shop', id BIGINT NOT NULL, price DECIMAL(10,2)) COMMENT 'sales' PARTITIONED BY (sale_date STRING, region STRING) LIFECYCLE 30;")
	e.sqlOK(e.keyB, "CREATE TABLE t2 (x BIGINT);")
	e.sqlOK(e.keyB, "ALTER TABLE sale_detail ADD PARTITION (sale_date='2013', region='china') PARTITION (sale_date='2014', region='us');")

	t.Run("list", func(t *testing.T) {
		var out struct {
			Tables []struct {
				Name, Owner, Project, Type, TableId, Schema string
			} `xml:"Table"`
			Marker   string
			MaxItems int
		}
		e.get(e.keyB, p+"/tables", "expectmarker=true").ok(t, 200).decode(t, &out)
		if len(out.Tables) != 2 || out.Tables[0].Name != "sale_detail" || out.Tables[0].Owner != "ALIYUN$"+e.b.ID ||
			out.Tables[0].Type != "MANAGED_TABLE" || out.Tables[0].Schema != "" || out.Marker != "" {
			t.Fatalf("tables: %+v", out)
		}
		out.Tables = nil
		e.get(e.keyB, p+"/tables", "name=t&extended").ok(t, 200).decode(t, &out)
		if len(out.Tables) != 1 || out.Tables[0].Name != "t2" || out.Tables[0].Schema == "" {
			t.Fatalf("prefix and extended: %+v", out)
		}
		out.Tables = nil
		e.get(e.keyB, p+"/tables", "maxitems=1").ok(t, 200).decode(t, &out)
		if len(out.Tables) != 1 || out.Marker != "sale_detail" {
			t.Fatalf("page 1: %+v", out)
		}
		marker := out.Marker
		out.Tables, out.Marker = nil, ""
		e.get(e.keyB, p+"/tables", "maxitems=1&marker="+marker).ok(t, 200).decode(t, &out)
		if len(out.Tables) != 1 || out.Tables[0].Name != "t2" || out.Marker != "" {
			t.Fatalf("page 2: %+v", out)
		}
		// List needs the List privilege.
		e.securityOK(e.keyB, "add user `"+e.rolePrincipal+"`;")
		e.get(e.role, p+"/tables", "").wantError(t, 403, "NoPermission", "ODPS-0420095: Access Denied - You have no privilege 'odps:List' on {acs:odps:*:projects/sale_project}")
		e.securityOK(e.keyB, "grant List on project sale_project to user `"+e.rolePrincipal+"`;")
		e.get(e.role, p+"/tables", "").ok(t, 200)
		e.get(e.keyA, p+"/tables", "").wantError(t, 403, "NoPermission", "You don't exist in project sale_project")
	})

	t.Run("get: schema JSON inside XML", func(t *testing.T) {
		var tb struct {
			XMLName                            xml.Name `xml:"Table"`
			Name, TableId, Schema, Owner, Type string
			Project                            string `xml:"Project"`
		}
		e.get(e.keyB, p+"/tables/sale_detail", "curr_project=sale_project").ok(t, 200).decode(t, &tb)
		if tb.Name != "sale_detail" || tb.Project != "sale_project" || tb.Type != "MANAGED_TABLE" {
			t.Fatalf("table: %+v", tb)
		}
		var schema map[string]any
		if err := json.Unmarshal([]byte(tb.Schema), &schema); err != nil {
			t.Fatalf("schema %q: %v", tb.Schema, err)
		}
		cols := schema["columns"].([]any)
		if len(cols) != 3 || schema["tableName"] != "sale_detail" || schema["comment"] != "sales" || schema["lifecycle"] != float64(30) {
			t.Fatalf("schema: %s", tb.Schema)
		}
		// isNullable is always present: the Go SDK reads a missing one as NOT NULL.
		want := []struct {
			name, typ string
			nullable  bool
		}{{"shop_name", "string", true}, {"id", "bigint", false}, {"price", "decimal(10,2)", true}}
		for i, w := range want {
			c := cols[i].(map[string]any)
			if c["name"] != w.name || c["type"] != w.typ || c["isNullable"] != w.nullable {
				t.Fatalf("column %d: %v", i, c)
			}
		}
		keys := schema["partitionKeys"].([]any)
		if len(keys) != 2 || keys[0].(map[string]any)["isNullable"] != true {
			t.Fatalf("partition keys: %v", keys)
		}
		var reserved map[string]any
		if err := json.Unmarshal([]byte(schema["Reserved"].(string)), &reserved); err != nil {
			t.Fatalf("Reserved must be JSON: %v", err)
		}
		ext := e.get(e.keyB, p+"/tables/sale_detail", "extended").ok(t, 200).Body
		contains(t, ext, "FileNum")
	})

	t.Run("get: missing table is 404 Not Found; Describe needed", func(t *testing.T) {
		r := e.get(e.keyB, p+"/tables/nope", "")
		r.wantError(t, 404, "NoSuchTable", "ODPS-0130131:Table not found - 'sale_project.nope'.")
		if r.StatusText != "404 Not Found" {
			t.Fatalf("status text %q: the Go SDK's Table.Exists compares it", r.StatusText)
		}
		e.get(e.role, p+"/tables/t2", "").wantError(t, 403, "NoPermission",
			"ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Describe' on {acs:odps:*:projects/sale_project/tables/t2}.")
		e.securityOK(e.keyB, "grant Describe on table t2 to user `"+e.rolePrincipal+"`;")
		e.get(e.role, p+"/tables/t2", "").ok(t, 200)
		// A non-member learns nothing about which tables exist.
		e.get(e.keyA, p+"/tables/nope", "").wantError(t, 403, "NoPermission", "You don't exist")
	})

	t.Run("partitions", func(t *testing.T) {
		type column struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:"Value,attr"`
		}
		var out struct {
			Partitions []struct {
				Name                 string
				Columns              []column `xml:"Column"`
				CreationTime         int64
				LastDDLTime          int64
				LastModifiedTime     int64
				PartitionSize        int
				PartitionRecordCount int
			} `xml:"Partition"`
			Marker string
		}
		e.get(e.keyB, p+"/tables/sale_detail", "partitions&expectmarker=true&maxitems=10000").ok(t, 200).decode(t, &out)
		if len(out.Partitions) != 2 || out.Partitions[0].Columns[0] != (column{"sale_date", "2013"}) ||
			out.Partitions[1].Columns[1] != (column{"region", "us"}) || out.Partitions[0].CreationTime == 0 {
			t.Fatalf("partitions: %+v", out)
		}
		out.Partitions = nil
		e.get(e.keyB, p+"/tables/sale_detail", "partitions&name=").ok(t, 200).decode(t, &out)
		if len(out.Partitions) != 2 || out.Partitions[0].Name != "sale_date=2013/region=china" {
			t.Fatalf("names: %+v", out)
		}
		out.Partitions = nil
		e.get(e.keyB, p+"/tables/sale_detail", "partitions&partition=sale_date%3D%272014%27").ok(t, 200).decode(t, &out)
		if len(out.Partitions) != 1 || out.Partitions[0].Columns[0].Value != "2014" {
			t.Fatalf("filtered: %+v", out)
		}
		e.get(e.keyB, p+"/tables/sale_detail", "partitions&partition=nokey%3D1").wantError(t, 400, "InvalidArgument", "sale_date, region")
		one := e.get(e.keyB, p+"/tables/sale_detail", "partition=sale_date%3D%272013%27%2Cregion%3D%27china%27").ok(t, 200)
		var part struct{ Schema string }
		one.decode(t, &part)
		if !strings.Contains(part.Schema, `"createTime"`) {
			t.Fatalf("partition schema: %s", one.Body)
		}
		e.get(e.keyB, p+"/tables/sale_detail", "partition=sale_date%3D%272099%27%2Cregion%3D%27x%27").wantError(t, 404, "NoSuchPartition")
		e.get(e.keyB, p+"/tables/t2", "partitions&partition=a%3D1").wantError(t, 400, "InvalidArgument", "not partitioned")
	})

	t.Run("batch load", func(t *testing.T) {
		body := `<Tables><Table><Project>sale_project</Project><Name>t2</Name></Table><Table><Project>sale_project</Project><Name>sale_detail</Name></Table></Tables>`
		var out struct {
			Table []struct{ Name, Schema string }
		}
		e.send(e.keyB, req{method: "POST", path: p + "/tables", query: "query", body: body}).ok(t, 200).decode(t, &out)
		if len(out.Table) != 2 || out.Table[1].Name != "sale_detail" || out.Table[1].Schema == "" {
			t.Fatalf("batch: %+v", out)
		}
		e.send(e.keyB, req{method: "POST", path: p + "/tables", query: "query", body: `<Tables><Table><Project>other</Project><Name>t</Name></Table></Tables>`}).
			wantError(t, 400, "InvalidArgument", "another project")
	})

	t.Run("tunnel", func(t *testing.T) {
		e.get(e.keyB, p+"/tunnel", "service").wantError(t, 501, "NotSupported", "The tunnel service is not supported by localyun yet")
		e.send(e.keyB, req{method: "POST", path: p + "/tables/t2", query: "downloads"}).wantError(t, 501, "NotSupported", "tunnel")
	})
}
