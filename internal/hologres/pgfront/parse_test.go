package pgfront

import (
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAKv4Password(t *testing.T) {
	// Computed independently (Python's hmac) from reference/hologres.md
	// §2.3: secret "password", region cn-shanghai, 2026-01-01.
	day := time.Date(2026, 1, 1, 23, 59, 0, 0, time.UTC)
	const want = "6JwdgONpjG+qMHTAYpZh0hoiJMkVUgJ8IB6uLT5kXvI="
	if got := AKv4Password("password", "cn-shanghai", day); got != want {
		t.Fatalf("AKv4Password = %s, want %s", got, want)
	}
	// The day is the UTC day, whatever the zone of the time given.
	if got := AKv4Password("password", "cn-shanghai", day.In(time.FixedZone("UTC+8", 8*3600))); got != want {
		t.Fatalf("zone changed the key: %s", got)
	}
	for _, tc := range []struct {
		now  time.Time
		want bool
	}{
		{day, true},
		{day.AddDate(0, 0, 1), true},
		{day.AddDate(0, 0, -1), true},
		{day.AddDate(0, 0, 2), false},
		{day.AddDate(0, 0, -2), false},
	} {
		if got := verifyAKv4(want, "password", "cn-shanghai", tc.now); got != tc.want {
			t.Errorf("verify at %s: %v", tc.now.Format("20060102"), got)
		}
	}
	if verifyAKv4(want, "password", "cn-hangzhou", day) || verifyAKv4(want, "Password", "cn-shanghai", day) || verifyAKv4("", "password", "cn-shanghai", day) {
		t.Fatal("a wrong region, secret or empty password verified")
	}
}

func TestVerifyPassword(t *testing.T) {
	// Verifiers computed independently (Python's hashlib).
	const scram = "SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$nQpbZ77WudtqufPwikHXGRt6g2QJ4zns8bZLw273DRM=:jn2amWP1q1h+jgjy0YTO14S6/F02SV7taipOeB7ef20="
	const md5 = "md59c89997ec35bb13be1122155ac5a93b3" // "secret" for BASIC$x
	cases := []struct {
		role, pw, stored string
		want             bool
	}{
		{"r", "pencil", scram, true},
		{"r", "pencil ", scram, false},
		{"r", "", scram, false},
		{"BASIC$x", "secret", md5, true},
		{"BASIC$y", "secret", md5, false},
		{"BASIC$x", "Secret", md5, false},
		{"r", "pencil", "pencil", false}, // plaintext is never accepted
		{"r", "pencil", "", false},
		{"r", "pencil", "SCRAM-SHA-256$999999999:MDEy$nQpb:jn2a", false}, // too many iterations
		{"r", "pencil", "SCRAM-SHA-256$4096:!!$nQpb:jn2a", false},
		{"r", "pencil", "SCRAM-SHA-256$", false},
	}
	for _, tc := range cases {
		if got := verifyPassword(tc.role, tc.pw, tc.stored); got != tc.want {
			t.Errorf("verifyPassword(%q, %q, %.20q) = %v", tc.role, tc.pw, tc.stored, got)
		}
	}
}

func startupBytes(version uint32, kv ...string) []byte {
	b := binary.BigEndian.AppendUint32(nil, version)
	for _, s := range kv {
		b = append(append(b, s...), 0)
	}
	return append(b, 0)
}

func TestParseStartupPacket(t *testing.T) {
	p, err := parseStartupPacket(startupBytes(protocol30, "user", "LTAI1", "database", "db@wh", "options", "sts_token=abc"))
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := p.get("user"); u != "LTAI1" || p.kind != packetStartup || p.version != protocol30 || len(p.params) != 3 {
		t.Fatalf("%+v", p)
	}
	bad := map[string][]byte{
		"short":              {0, 3},
		"no terminator":      startupBytes(protocol30, "user", "x")[:len(startupBytes(protocol30, "user", "x"))-1],
		"no value":           append(binary.BigEndian.AppendUint32(nil, protocol30), "user\x00"...),
		"duplicate":          startupBytes(protocol30, "user", "a", "user", "b"),
		"junk after end":     append(startupBytes(protocol30, "user", "a"), 'x', 0),
		"ssl with body":      binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, sslRequestCode), 1),
		"cancel too short":   binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, cancelRequestCode), 1),
		"cancel key too big": append(binary.BigEndian.AppendUint32(nil, cancelRequestCode), make([]byte, 4+257)...),
	}
	for name, b := range bad {
		if _, err := parseStartupPacket(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	p, err = parseStartupPacket(binary.BigEndian.AppendUint32(nil, 2<<16))
	if err != nil || p.kind != packetStartup || p.version != 2<<16 {
		t.Fatalf("protocol 2: %+v %v", p, err)
	}
	p, err = parseStartupPacket(append(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, cancelRequestCode), 77), 1, 2, 3, 4))
	if err != nil || p.kind != packetCancel || p.cancelPID != 77 || string(p.cancelKey) != "\x01\x02\x03\x04" {
		t.Fatalf("cancel: %+v %v", p, err)
	}
}

func TestParseOptions(t *testing.T) {
	o := parseOptions(`type=fixed  sts_token=ab+c/d=  -c search_path=a\ b --statement-timeout=5s -cDateStyle=ISO -x junk -c`)
	if !o.hasSTSToken || o.stsToken != "ab+c/d=" {
		t.Fatalf("token %q", o.stsToken)
	}
	want := []param{{"search_path", "a b"}, {"statement_timeout", "5s"}, {"datestyle", "ISO"}}
	if !reflect.DeepEqual(o.settings, want) {
		t.Fatalf("settings %+v", o.settings)
	}
	if !reflect.DeepEqual(o.ignored, []string{"-x", "junk", "-c"}) {
		t.Fatalf("ignored %q", o.ignored)
	}
	o = parseOptions("-c sts_token=xyz")
	if o.stsToken != "xyz" || len(o.settings) != 0 {
		t.Fatalf("-c sts_token: %+v", o)
	}
	if got := tokenCandidates("a%2Bb"); !reflect.DeepEqual(got, []string{"a%2Bb", "a+b"}) {
		t.Fatalf("candidates %q", got)
	}
	if got := tokenCandidates("a+b"); !reflect.DeepEqual(got, []string{"a+b"}) {
		t.Fatalf("candidates %q", got)
	}
	for in, want := range map[string][2]string{"db@wh": {"db", "wh"}, "db": {"db", ""}, "a@b@wh": {"a@b", "wh"}, "@x": {"@x", ""}} {
		if db, wh := splitDatabase(in); db != want[0] || wh != want[1] {
			t.Errorf("splitDatabase(%q) = %q, %q", in, db, wh)
		}
	}
}

func TestBackendParams(t *testing.T) {
	p, _ := parseStartupPacket(startupBytes(protocol30, "user", "u", "database", "d", "options", "x", "replication", "false",
		"application_name", "app", "DateStyle", "ISO", "role", "localyun_admin", "session_authorization", "x", "_pq_.ext", "1",
		"search_path", "explicit"))
	keep, dropped := backendParams(&p, parseOptions("-c search_path=fromoptions -c role=x -c local_preload_libraries=/tmp/x.so"))
	want := []param{{"search_path", "explicit"}, {"application_name", "app"}, {"DateStyle", "ISO"}}
	if !reflect.DeepEqual(keep, want) {
		t.Fatalf("keep %+v", keep)
	}
	if strings.Join(dropped, ",") != "role,local_preload_libraries,role,session_authorization" {
		t.Fatalf("dropped %q", dropped)
	}
}

func stmtNames(t *testing.T, q string) []string {
	t.Helper()
	stmts, err := scanStatements(q, true)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out []string
	for _, s := range stmts {
		var parts []string
		for _, tok := range s {
			parts = append(parts, tok.val)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func TestScanner(t *testing.T) {
	cases := map[string][]string{
		`select 1; select 2`:                               {"select 1", "select 2"},
		`SELECT 'a;b' ; ;`:                                 {"select a;b"},
		`select $$x;y$$, $tag$ $$ ; $tag$`:                 {"select x;y ,  $$ ; "},
		`select "A;""b"`:                                   {`select A;"b`},
		`select 1 -- c;\n; select 2`:                       {"select 1"},
		"select 1 -- c;\n; select 2":                       {"select 1", "select 2"},
		"select /* a /* nested; */ ; */ 1; x":              {"select 1", "x"},
		`select E'\';', 'x'`:                               {`select '; , x`},
		`select E'\x41\101\u0042\n'`:                       {"select AAB\n"},
		`CREATE USER "BASIC$x" PASSWORD 'it''s'`:           {`create user BASIC$x password it's`},
		`select a$b$c, $1, 1.5e+3, x'ff', n'nat', b'01'`:   {"select a$b$c , $1 , 1.5e+3 , ff , nat , 01"},
		`select 1::int;;;select 'it''s';`:                  {"select 1 : : int", "select it's"},
		"SeLeCt ÄbC":                                       {"select Äbc"},
		`CREATE PROCEDURE p() BEGIN ATOMIC SELECT 1; END`:  {"create procedure p ( ) begin atomic select 1", "end"},
		`select $a$ b $a$$b$c$b$`:                          {"select  b  c"},
		`select $$$$`:                                      {"select "},
		`select U&"d\0061t\+000061"`:                       {`select u & d\0061t\+000061`},
		`select 1 /**/ + 2`:                                {"select 1 + 2"},
		`select '\'`:                                       {`select \`},
		`grant "p4_1" to "v4_2"; grant select on t to "x"`: {"grant p4_1 to v4_2", "grant select on t to x"},
		"\t\n ": nil,
	}
	for q, want := range cases {
		got := stmtNames(t, q)
		if len(want) == 0 && len(got) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", q, got, want)
		}
	}
	// Without standard_conforming_strings, backslashes escape in '...'.
	stmts, err := scanStatements(`select 'a\';b'`, false)
	if err != nil || len(stmts) != 1 || stmts[0][1].val != "a';b" {
		t.Fatalf("scs off: %v %v", stmts, err)
	}
	for _, q := range []string{`select 'abc`, `select "abc`, `select $x$ abc`, `/* abc`, `select ""`, `select E'\000'`, `select E'\x00'`, `select E'\u0000'`, `select E'\uZZZZ'`} {
		if _, err := scanStatements(q, true); err == nil {
			t.Errorf("%s: no error", q)
		}
	}
}

func TestClassify(t *testing.T) {
	type want struct {
		kind     stmtKind
		names    string
		members  string
		su, log  string // "", "t", "f"
		password string
		err      string // substring of the error message
	}
	b := func(p *bool) string {
		if p == nil {
			return ""
		}
		if *p {
			return "t"
		}
		return "f"
	}
	cases := map[string]*want{
		`CREATE USER "v4_1"`:                                {kind: stmtCreateRole, names: "v4_1"},
		`create user "p4_2" superuser login`:                {kind: stmtCreateRole, names: "p4_2", su: "t", log: "t"},
		`CREATE ROLE g_developer WITH NOLOGIN NOCREATEDB`:   {kind: stmtCreateRole, names: "g_developer", log: "f"},
		`CREATE USER "BASIC$a" ENCRYPTED PASSWORD 'p'`:      {kind: stmtCreateRole, names: "BASIC$a", password: "p"},
		`CREATE GROUP g_viewer`:                             {kind: stmtCreateRole, names: "g_viewer"},
		`CREATE USER MAPPING FOR "p4_1" SERVER s`:           nil,
		`ALTER USER MAPPING FOR "p4_1" SERVER s OPTIONS ()`: nil,
		`DROP USER MAPPING FOR "p4_1" SERVER s`:             nil,
		`ALTER USER "p4_1" SET search_path = x`:             nil,
		`ALTER ROLE "p4_1" RENAME TO "p4_2"`:                nil,
		`ALTER ROLE "p4_1" IN DATABASE d SET work_mem = 1`:  nil,
		`ALTER ROLE CURRENT_USER PASSWORD 'x'`:              nil,
		`ALTER ROLE ALL SET x = 1`:                          nil,
		`ALTER USER "p4_1" WITH NOSUPERUSER`:                {kind: stmtAlterRole, names: "p4_1", su: "f"},
		`ALTER USER "BASIC$a" PASSWORD NULL`:                {kind: stmtAlterRole, names: "BASIC$a"},
		`ALTER USER "p4_1"`:                                 {err: "syntax error at end of input"},
		`ALTER USER "p4_1" WITH`:                            {err: "syntax error at end of input"},
		`ALTER USER "p4_1" CREATEROLE`:                      {err: "CREATEROLE is not available"},
		`ALTER GROUP g ADD USER u`:                          {err: "ALTER GROUP is not supported"},
		`DROP USER IF EXISTS "p4_1", "v4_2"`:                {kind: stmtDropRole, names: "p4_1,v4_2"},
		`DROP ROLE "p4_1" CASCADE`:                          {err: `syntax error at or near "cascade"`},
		`GRANT g_developer TO "p4_1", "v4_2"`:               {kind: stmtGrantRole, names: "g_developer", members: "p4_1,v4_2"},
		`GRANT SELECT ON t TO "p4_1"`:                       nil,
		`GRANT ALL PRIVILEGES ON DATABASE d TO g`:           nil,
		`GRANT USAGE ON SCHEMA s TO x`:                      nil,
		`REVOKE g_developer FROM "p4_1" CASCADE`:            {kind: stmtRevokeRole, names: "g_developer", members: "p4_1"},
		`REVOKE SELECT ON t FROM x`:                         nil,
		`REVOKE ADMIN OPTION FOR g FROM x`:                  {err: "REVOKE ADMIN OPTION FOR is not supported"},
		`GRANT g TO x GRANTED BY y`:                         {err: "GRANTED BY is not supported"},
		`GRANT g TO x WITH ADMIN OPTION`:                    {err: "WITH ADMIN OPTION"},
		`GRANT g`:                                           {err: "syntax error at end of input"},
		`CREATE DATABASE "My DB"`:                           {kind: stmtCreateDatabase, names: "My DB"},
		`CREATE DATABASE d TEMPLATE template0`:              {err: "options of CREATE DATABASE are not supported"},
		`DROP DATABASE IF EXISTS d WITH (FORCE)`:            {kind: stmtDropDatabase, names: "d"},
		`DROP DATABASE d (FORCE)`:                           {kind: stmtDropDatabase, names: "d"},
		`DROP DATABASE d CASCADE`:                           {err: "syntax error"},
		`CREATE EXTENSION spm`:                              {kind: stmtCreateSPM},
		`create extension if not exists spm`:                {kind: stmtCreateSPM},
		`CREATE EXTENSION "spm" WITH SCHEMA public`:         {kind: stmtCreateSPM},
		`CREATE EXTENSION file_fdw`:                         nil,
		`CREATE EXTENSION IF NOT EXISTS "SPM"`:              nil,
		`SET ROLE "p4_1"`:                                   nil,
		`SELECT 'CREATE USER x'`:                            nil,
		`CREATE TABLE users (id int)`:                       nil,
		`DROP TABLE role`:                                   nil,
		`CREATE USER "p4_1" IN ROLE g`:                      {err: "role membership options"},
		`CREATE USER "p4_1" PASSWORD`:                       {err: "syntax error at end of input"},
		`CREATE USER "p4_1" PASSWORD 'a' PASSWORD 'b'`:      {err: "conflicting or redundant options"},
		`CREATE USER "p4_1" VALID UNTIL 'infinity'`:         {err: "VALID is not supported"},
		`CREATE USER "p4_1" CONNECTION LIMIT 3`:             {err: "CONNECTION is not supported"},
	}
	for q, w := range cases {
		stmts, err := scanStatements(q, true)
		if err != nil || len(stmts) != 1 {
			t.Fatalf("%s: %v", q, err)
		}
		st, perr := classify(stmts[0])
		switch {
		case w == nil:
			if st != nil || perr != nil {
				t.Errorf("%s: classified as %+v %v", q, st, perr)
			}
		case w.err != "":
			if perr == nil || !strings.Contains(perr.Message, w.err) {
				t.Errorf("%s: error %v, want %q", q, perr, w.err)
			}
		case perr != nil:
			t.Errorf("%s: %v", q, perr)
		default:
			pw := ""
			if st.password != nil {
				pw = *st.password
			}
			if st.kind != w.kind || strings.Join(st.names, ",") != w.names || strings.Join(st.members, ",") != w.members ||
				b(st.superuser) != w.su || b(st.login) != w.log || pw != w.password {
				t.Errorf("%s: got %+v", q, st)
			}
		}
	}
}

func TestAnalyzeQuery(t *testing.T) {
	if st, err := analyzeQuery(`SELECT 1; SELECT 2`, true); st != nil || err != nil {
		t.Fatal("plain queries are not role management")
	}
	if _, err := analyzeQuery(`SELECT 1; CREATE USER "p4_1"`, true); err == nil || err.Code != codeFeatureNotSupported {
		t.Fatalf("mixed: %v", err)
	}
	if _, err := analyzeQuery(`CREATE USER "p4_1"; DROP USER "p4_2"`, true); err == nil || err.Code != codeFeatureNotSupported {
		t.Fatalf("two role statements: %v", err)
	}
	if st, err := analyzeQuery(`;; CREATE USER "p4_1" ;`, true); err != nil || st == nil || st.names[0] != "p4_1" {
		t.Fatalf("empty statements around: %v %v", st, err)
	}
	// Unreadable text goes to PostgreSQL, which reports the syntax error
	// and runs none of it.
	if st, err := analyzeQuery(`CREATE USER "p4_1"; SELECT 'unterminated`, true); st != nil || err != nil {
		t.Fatalf("unreadable: %v %v", st, err)
	}
}

func TestClassifyRole(t *testing.T) {
	for n, want := range map[string]roleClass{
		"1234567890123456": classTenant, "p4_123": classTenant, "v4_123": classTenant, "BASIC$bob_1": classTenant,
		"db_admin": classGroup, "db_developer": classGroup, "my db_writer": classGroup, "x_viewer": classGroup,
		"pg_x_admin": classInvalid, "localyun_superuser": classInvalid, "localyun_admin": classInvalid, "PG_read_server_files": classInvalid,
		"basic$bob": classInvalid, "BASIC$": classInvalid, "BASIC$a-b": classInvalid, "p4_": classInvalid, "p4_12a": classInvalid,
		"postgres": classInvalid, "public": classInvalid, "_admin": classInvalid, strings.Repeat("a", 60) + "_admin": classInvalid,
		"v4_" + strings.Repeat("1", 33): classInvalid,
	} {
		if got := classifyRole(n); got != want {
			t.Errorf("classifyRole(%q) = %v, want %v", n, got, want)
		}
	}
}

func TestRaiseQuery(t *testing.T) {
	e := errorf("25001", `it's a $localyun$ \ trap`).withDetail("line\nbreak").withHint("$$")
	q := raiseQuery(e)
	if strings.Count(q, "$localyun$") != 2 || strings.Contains(q, "\n") {
		t.Fatalf("%s", q)
	}
	stmts, err := scanStatements(q, true)
	if err != nil || len(stmts) != 1 {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestMayManageRoles(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT 1": false, "select abalance from pgbench_accounts where aid = 1": false, "": false,
		"CREATE USER x": true, "cReAtE": true, "x;grant": true, "REVOKE": true, "dRoP": true, "alter": true,
		"creat": false, "gran": false, "@LTER": false,
	} {
		if got := mayManageRoles(q); got != want {
			t.Errorf("mayManageRoles(%q) = %v", q, got)
		}
		if got := mayManageRoles([]byte(q)); got != want {
			t.Errorf("mayManageRoles([]byte(%q)) = %v", q, got)
		}
	}
}
