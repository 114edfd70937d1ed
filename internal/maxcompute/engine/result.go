package engine

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Result is what Query returns: the columns and at most the requested
// number of rows. It owns its memory.
type Result struct {
	Columns []Column
	// Rows holds one []any per row, a value per column:
	//
	//	BOOLEAN                       bool
	//	TINYINT ... BIGINT            int8, int16, int32, int64
	//	UTINYINT ... UBIGINT          uint8, uint16, uint32, uint64
	//	HUGEINT, UHUGEINT             *big.Int
	//	FLOAT, DOUBLE                 float32, float64
	//	DECIMAL(w,s)                  Decimal
	//	VARCHAR, ENUM, BIT            string
	//	BLOB                          []byte
	//	UUID                          string (8-4-4-4-12 hex) at top level, []byte nested
	//	DATE, TIME, TIMESTAMP[_TZ]    time.Time (UTC)
	//	INTERVAL                      Interval
	//	LIST, ARRAY                   []any
	//	STRUCT                        map[string]any
	//	MAP                           Map
	//	UNION                         Union
	//	JSON                          the decoded JSON value
	//	NULL                          nil
	Rows [][]any
	// Truncated: the statement had more rows than maxRows, or the rows
	// read reached Options.MaxResultBytes.
	Truncated bool
}

// Column is a result column: its name and DuckDB's type name
// ("BIGINT", "DECIMAL(18,3)", "VARCHAR", "STRUCT(a INTEGER)", ...).
type Column struct {
	Name       string
	DuckDBType string
}

// Decimal is a DECIMAL(Width, Scale) value: Value / 10^Scale. It is also
// accepted as an argument.
type Decimal struct {
	Width, Scale uint8
	Value        *big.Int
}

// String formats the decimal without trailing zeros ("12.5", "-0.001").
func (d Decimal) String() string {
	return duckdb.Decimal{Width: d.Width, Scale: d.Scale, Value: d.Value}.String()
}

// Interval is an INTERVAL value. It is also accepted as an argument.
type Interval struct {
	Months int32
	Days   int32
	Micros int64
}

// Map is a MAP value, its entries in DuckDB's order.
type Map struct {
	Keys   []any
	Values []any
}

// Union is a UNION value: the member's tag and value.
type Union struct {
	Tag   string
	Value any
}

// convertValue replaces the driver's own types by the engine's, so no
// caller needs the driver.
func convertValue(v any, uuid bool) any {
	switch x := v.(type) {
	case duckdb.Decimal:
		return Decimal{Width: x.Width, Scale: x.Scale, Value: x.Value}
	case duckdb.Interval:
		return Interval{Months: x.Months, Days: x.Days, Micros: x.Micros}
	case duckdb.OrderedMap:
		m := Map{Keys: x.Keys(), Values: x.Values()}
		for i := range m.Keys {
			m.Keys[i] = convertValue(m.Keys[i], false)
			m.Values[i] = convertValue(m.Values[i], false)
		}
		return m
	case duckdb.Union:
		return Union{Tag: x.Tag, Value: convertValue(x.Value, false)}
	case duckdb.Bit:
		return x.String()
	case duckdb.UUID:
		return x.String()
	case *duckdb.UUID:
		return x.String()
	case []any:
		for i := range x {
			x[i] = convertValue(x[i], false)
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = convertValue(e, false)
		}
		return x
	case []byte:
		if uuid && len(x) == 16 {
			return formatUUID(x)
		}
		return x
	}
	return v
}

func formatUUID(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// toDriverValue turns the engine's argument types into values the driver
// binds.
func toDriverValue(v any) any {
	switch x := v.(type) {
	case Decimal:
		// The driver cannot bind its own Decimal; DuckDB casts the exact
		// text to the parameter's DECIMAL type.
		return x.String()
	case Interval:
		return duckdb.Interval{Months: x.Months, Days: x.Days, Micros: x.Micros}
	}
	return v
}

// sizeOf estimates the memory a converted value holds, for MaxResultBytes.
func sizeOf(v any) int64 {
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		return int64(len(x)) + 16
	case []byte:
		return int64(len(x)) + 24
	case []any:
		n := int64(24)
		for _, e := range x {
			n += sizeOf(e)
		}
		return n
	case map[string]any:
		n := int64(48)
		for k, e := range x {
			n += int64(len(k)) + 16 + sizeOf(e)
		}
		return n
	case Map:
		n := int64(48)
		for i := range x.Keys {
			n += sizeOf(x.Keys[i]) + sizeOf(x.Values[i])
		}
		return n
	case Union:
		return int64(len(x.Tag)) + 16 + sizeOf(x.Value)
	case *big.Int:
		return int64(len(x.Bits()))*8 + 32
	case Decimal:
		if x.Value == nil {
			return 8
		}
		return int64(len(x.Value.Bits()))*8 + 40
	}
	return 8
}

// String formats a Result as a small table, for tests and debugging.
func (r *Result) String() string {
	var b strings.Builder
	for i, c := range r.Columns {
		if i > 0 {
			b.WriteString("\t")
		}
		b.WriteString(c.Name)
	}
	for _, row := range r.Rows {
		b.WriteString("\n")
		for i, v := range row {
			if i > 0 {
				b.WriteString("\t")
			}
			fmt.Fprint(&b, v)
		}
	}
	if r.Truncated {
		b.WriteString("\n(truncated)")
	}
	return b.String()
}
