// Package catalog describes the tables and partitions of a MaxCompute
// project as localyun keeps them: the MaxCompute types and names users see,
// and how each maps onto the project's DuckDB database.
//
// The catalog itself lives in the project's DuckDB file, in the schema
// _localyun, so that a table's metadata and its data change in one DuckDB
// transaction. A table's data is the DuckDB table "t_<id>" in that file:
// every column of the MaxCompute table, then its partition columns. A
// partition exists when the catalog lists it, whether or not it has rows.
// Table ids are never reused, so a grant made on a dropped table never
// applies to a new table of the same name.
package catalog

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// Table is a table's metadata.
type Table struct {
	ID      int64
	Name    string // as created; names compare case-insensitively
	Comment string
	// Owner is the canonical principal that created the table (the
	// ObjectCreator of the security model).
	Owner         string
	Lifecycle     int
	Columns       []Column
	PartitionKeys []Column
	CreatedAt     time.Time
	LastDDLAt     time.Time
	ModifiedAt    time.Time
}

// Column is a column or a partition key.
type Column struct {
	Name    string
	Type    *sqlast.Type
	Comment string
	NotNull bool
}

// Partition is one partition of a partitioned table.
type Partition struct {
	TableID int64
	// Values are the partition key values, in key order.
	Values     []string
	CreatedAt  time.Time
	ModifiedAt time.Time
}

// Spec writes a partition as MaxCompute prints it: pt=x/region=y.
func (t *Table) Spec(values []string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = t.PartitionKeys[i].Name + "=" + v
	}
	return strings.Join(parts, "/")
}

// Column finds a column or partition key by name, case-insensitively.
func (t *Table) Column(name string) (*Column, bool) {
	for i := range t.Columns {
		if strings.EqualFold(t.Columns[i].Name, name) {
			return &t.Columns[i], false
		}
	}
	for i := range t.PartitionKeys {
		if strings.EqualFold(t.PartitionKeys[i].Name, name) {
			return &t.PartitionKeys[i], true
		}
	}
	return nil, false
}

// DataTable is the DuckDB table that holds a table's rows.
func DataTable(id int64) string { return "t_" + strconv.FormatInt(id, 10) }

// Quote quotes a DuckDB identifier.
func Quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// DataColumn is the DuckDB column of a MaxCompute column: its lower-cased
// name (MaxCompute names are case-insensitive).
func DataColumn(name string) string { return Quote(strings.ToLower(name)) }

// namePattern: MaxCompute table and column names are letters, digits and
// underscores, starting with a letter or underscore, at most 128
// characters.
var namePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

// ValidName says why a table or column name is invalid, or "".
func ValidName(name string) string {
	if !namePattern.MatchString(name) {
		return "names are 1 to 128 letters, digits and underscores, not starting with a digit"
	}
	return ""
}

// TypeString writes a type as MaxCompute does, in lower case:
// bigint, decimal(10,2), varchar(20), array<string>, map<string,bigint>,
// struct<a:bigint,b:string>.
func TypeString(t *sqlast.Type) string {
	name := strings.ToLower(t.Name)
	switch t.Name {
	case "ARRAY":
		return "array<" + TypeString(t.Elem[0]) + ">"
	case "MAP":
		return "map<" + TypeString(t.Elem[0]) + "," + TypeString(t.Elem[1]) + ">"
	case "STRUCT":
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = f.Name + ":" + TypeString(f.Type)
		}
		return "struct<" + strings.Join(parts, ",") + ">"
	}
	if len(t.Params) > 0 {
		ps := make([]string, len(t.Params))
		for i, p := range t.Params {
			ps[i] = strconv.Itoa(p)
		}
		return name + "(" + strings.Join(ps, ",") + ")"
	}
	return name
}

// DuckDBType maps a MaxCompute type to the DuckDB type that stores it.
// DATETIME (milliseconds) and TIMESTAMP (nanoseconds) keep their
// precision; VARCHAR(n) and CHAR(n) lengths are checked on write by the
// translator; JSON is stored as text (DuckDB's json extension is not
// loaded: extension loading is off).
func DuckDBType(t *sqlast.Type) (string, error) {
	switch t.Name {
	case "BIGINT":
		return "BIGINT", nil
	case "INT":
		return "INTEGER", nil
	case "SMALLINT":
		return "SMALLINT", nil
	case "TINYINT":
		return "TINYINT", nil
	case "DOUBLE":
		return "DOUBLE", nil
	case "FLOAT":
		return "FLOAT", nil
	case "BOOLEAN":
		return "BOOLEAN", nil
	case "STRING", "VARCHAR", "CHAR", "JSON":
		return "VARCHAR", nil
	case "BINARY":
		return "BLOB", nil
	case "DATE":
		return "DATE", nil
	case "DATETIME":
		return "TIMESTAMP_MS", nil
	case "TIMESTAMP", "TIMESTAMP_NTZ":
		return "TIMESTAMP_NS", nil
	case "DECIMAL":
		if len(t.Params) == 2 {
			return fmt.Sprintf("DECIMAL(%d,%d)", t.Params[0], t.Params[1]), nil
		}
		if len(t.Params) == 1 {
			return fmt.Sprintf("DECIMAL(%d,0)", t.Params[0]), nil
		}
		// The 1.0 DECIMAL has 36 integer and 18 fractional digits; DuckDB
		// holds at most 38 digits in all.
		return "DECIMAL(38,18)", nil
	case "ARRAY":
		e, err := DuckDBType(t.Elem[0])
		return e + "[]", err
	case "MAP":
		k, err := DuckDBType(t.Elem[0])
		if err != nil {
			return "", err
		}
		v, err := DuckDBType(t.Elem[1])
		return "MAP(" + k + ", " + v + ")", err
	case "STRUCT":
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			ft, err := DuckDBType(f.Type)
			if err != nil {
				return "", err
			}
			parts[i] = Quote(strings.ToLower(f.Name)) + " " + ft
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")", nil
	}
	return "", fmt.Errorf("type %s is not supported", strings.ToLower(t.Name))
}

// PartitionKeyTypes are the types a partition key may have (2.0 types).
var PartitionKeyTypes = []string{"STRING", "VARCHAR", "CHAR", "TINYINT", "SMALLINT", "INT", "BIGINT"}

// Schema creates the catalog tables in a project database. Each statement
// is run on its own (the engine runs one statement per call).
var Schema = []string{
	`CREATE SCHEMA IF NOT EXISTS _localyun`,
	`CREATE SEQUENCE IF NOT EXISTS _localyun.table_ids START 1`,
	`CREATE TABLE IF NOT EXISTS _localyun.tables (
		id BIGINT PRIMARY KEY,
		name_key VARCHAR NOT NULL UNIQUE,
		name VARCHAR NOT NULL,
		comment VARCHAR NOT NULL,
		owner VARCHAR NOT NULL,
		lifecycle INTEGER NOT NULL,
		columns VARCHAR NOT NULL,
		partition_keys VARCHAR NOT NULL,
		created TIMESTAMP NOT NULL,
		last_ddl TIMESTAMP NOT NULL,
		modified TIMESTAMP NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS _localyun.partitions (
		table_id BIGINT NOT NULL,
		spec VARCHAR NOT NULL,
		vals VARCHAR NOT NULL,
		created TIMESTAMP NOT NULL,
		modified TIMESTAMP NOT NULL,
		PRIMARY KEY (table_id, spec)
	)`,
}
