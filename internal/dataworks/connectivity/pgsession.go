package connectivity

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/hologres"
)

// LoginTimeout bounds a login through a Hologres front end.
const LoginTimeout = 10 * time.Second

// FrontEndLogin logs in to a database of an instance through its
// PostgreSQL-wire front end, as any client does: the AccessKeyId as the
// user, the secret as the password, the STS token in the startup options.
// The connection stays on loopback, so it does not ask for TLS.
func FrontEndLogin(ctx context.Context, in hologres.Instance, database string, creds Credentials) (Session, error) {
	cfg, err := pgx.ParseConfig("")
	if err != nil {
		return nil, err
	}
	if in.Port <= 0 || in.Port > 65535 {
		return nil, fmt.Errorf("instance %s has no front-end port", in.ID)
	}
	cfg.Host, cfg.Port = in.Host, uint16(in.Port)
	cfg.User, cfg.Password, cfg.Database = creds.AccessKeyID, creds.Secret, database
	cfg.TLSConfig, cfg.Fallbacks = nil, nil
	cfg.ConnectTimeout = LoginTimeout
	cfg.RuntimeParams = map[string]string{"application_name": "localyun-dataworks"}
	if creds.Token != "" {
		cfg.RuntimeParams["options"] = "sts_token=" + creds.Token
	}
	cfg.DialFunc = (&net.Dialer{Timeout: LoginTimeout}).DialContext
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &pgSession{conn: conn}, nil
}

type pgSession struct{ conn *pgx.Conn }

// Query runs sql with text results: every value as PostgreSQL prints it.
func (s *pgSession) Query(ctx context.Context, sql string, args ...any) ([]dataworks.Column, [][]*string, error) {
	rows, err := s.conn.Query(ctx, sql, append([]any{pgx.QueryResultFormats{pgx.TextFormatCode}}, args...)...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var cols []dataworks.Column
	for _, fd := range rows.FieldDescriptions() {
		typ := fmt.Sprintf("oid %d", fd.DataTypeOID)
		if t, ok := s.conn.TypeMap().TypeForOID(fd.DataTypeOID); ok {
			typ = t.Name
		}
		cols = append(cols, dataworks.Column{Name: fd.Name, Type: typ})
	}
	var out [][]*string
	for rows.Next() {
		raw := rows.RawValues()
		row := make([]*string, len(raw))
		for i, v := range raw {
			if v != nil {
				s := string(v) // copied: raw values live until the next row
				row[i] = &s
			}
		}
		out = append(out, row)
	}
	return cols, out, rows.Err()
}

func (s *pgSession) Close(ctx context.Context) { s.conn.Close(ctx) }
