package connectivity

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/hologres"
	"github.com/localyun/localyun/internal/iam"
)

// Hologres is what the connector needs of package hologres and of the
// Hologres OpenAPI's authorization.
type Hologres interface {
	// Lookup finds an instance of owner in region by id or name; an
	// *apierr.Error InstanceNotFound when there is none.
	Lookup(ctx context.Context, owner, region, idOrName string) (hologres.Instance, error)
	// Authorize decides hologram:<action> on an instance for caller
	// exactly as the Hologres OpenAPI does (the same ARN, the same policy
	// engine, audited); nil or the NoPermission error.
	// Authorize audits its decision under requestID.
	Authorize(ctx context.Context, caller *iam.Identity, action string, in hologres.Instance, requestID string) error
	// Login logs in to a database of the instance through its
	// PostgreSQL-wire front end with creds. A refusal is a
	// *pgconn.PgError; any other error means the front end could not be
	// reached.
	Login(ctx context.Context, in hologres.Instance, database string, creds Credentials) (Session, error)
}

// Session is a logged-in Hologres session.
type Session interface {
	// Query runs one query; values come back as text, NULL as nil.
	Query(ctx context.Context, sql string, args ...any) ([]dataworks.Column, [][]*string, error)
	Close(ctx context.Context)
}

// readableTablesSQL lists the tables, views and foreign tables of the
// database the session may SELECT from, outside the system schemas.
const readableTablesSQL = `SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c
	JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
	  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
	  AND has_table_privilege(c.oid, 'SELECT')
	ORDER BY 1 LIMIT 21`

// holoInstance is the resolve_endpoint step of Hologres: the instance, if
// the identity may call hologram:GetInstance on it, and Running.
func (c *Connector) holoInstance(ctx context.Context, ds dataworks.DataSource, who *identity) (hologres.Instance, *failure) {
	owner, reg, name := ds.ResourceOwner(), region(ds), ds.Props.InstanceID
	if f := c.resolve(ctx, who); f != nil {
		f.step = StepResolve
		return hologres.Instance{}, f
	}
	in, lookupErr := c.holo.Lookup(ctx, owner, reg, name)
	target := in
	if lookupErr != nil {
		// Authorized on the ARN the OpenAPI would use for the id, so a
		// caller without the policy learns nothing of what exists.
		target = hologres.Instance{ID: name, Owner: owner, Region: reg}
	}
	if err := c.holo.Authorize(ctx, who.id, "hologram:GetInstance", target, "dataworks-"+sessionName(ds)); err != nil {
		e := apierr.As(err)
		if e == nil {
			return in, &failure{step: StepResolve, state: dataworks.Unreachable, msg: "the Hologres API did not answer: " + err.Error()}
		}
		return in, &failure{step: StepResolve, state: dataworks.ConfigError, err: e,
			msg: fmt.Sprintf("%s may not look up Hologres instance %s (hologram:GetInstance on %s): account %s attaches to it a policy allowing "+
				"hologram:GetInstance, hologram:ListDatabases, hologram:ListWarehouses and hologram:ListInstances (%s: %s)",
				who.what, name, target.ARN(), owner, e.Code, e.Message)}
	}
	if lookupErr != nil {
		e := apierr.As(lookupErr)
		if e == nil {
			return in, &failure{step: StepResolve, state: dataworks.Unreachable, msg: "the Hologres API did not answer: " + lookupErr.Error()}
		}
		return in, &failure{step: StepResolve, state: dataworks.ConfigError, err: e,
			msg: fmt.Sprintf("account %s has no Hologres instance %s in %s: correct instanceId (an instance id or name) and regionId (%s: %s)", owner, name, reg, e.Code, e.Message)}
	}
	if in.Status != hologres.StatusRunning {
		e := hologres.IncorrectStatus(in, hologres.StatusRunning)
		return in, &failure{step: StepResolve, state: dataworks.Unreachable, err: e,
			msg: fmt.Sprintf("Hologres instance %s of account %s is %s, not Running: account %s starts it (ResumeInstance, or localyun holo resume-instance %s), then test again (%s: %s)",
				in.ID, owner, in.Status, owner, in.ID, e.Code, e.Message)}
	}
	return in, nil
}

// dbRole is the database role the identity logs in as.
func dbRole(id *iam.Identity) string {
	r, _ := hologres.RoleName(id)
	return r
}

// holoLogin is the authenticate step of Hologres. A login refused for
// want of CONNECT is reported by the caller as check_privilege: the
// credentials were accepted.
func (c *Connector) holoLogin(ctx context.Context, in hologres.Instance, db string, who identity) (Session, *pgconn.PgError, *failure) {
	role := dbRole(who.id)
	if who.creds.AccessKeyID == "" {
		return nil, nil, &failure{step: StepAuthenticate, state: dataworks.Unsupport,
			err: apierr.New(400, "Unsupported.DataSource.AuthType", "This authType cannot log in to Hologres."),
			msg: fmt.Sprintf("localyun logs in to Hologres with credentials, and %s has none: use authType RamRole (a role trusting %s) or Ak for a Hologres data source",
				who.what, ServiceName)}
	}
	s, err := c.holo.Login(ctx, in, db, who.creds)
	if err == nil {
		return s, nil, nil
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return nil, nil, &failure{step: StepAuthenticate, state: dataworks.Unreachable,
			msg: fmt.Sprintf("the resource group could not reach the front end of Hologres instance %s at %s: %v", in.ID, in.Endpoint(), err)}
	}
	e := apierr.New(403, pe.Code, pe.Message)
	under := pgText(pe)
	switch pe.Code {
	case "42501":
		return nil, pe, nil
	case "28P01", "28000":
		return nil, nil, &failure{step: StepAuthenticate, state: dataworks.ConfigError, err: e,
			msg: fmt.Sprintf("%s could not log in to Hologres instance %s as database user %q: if it is not a user of the instance, a superuser of the instance runs CREATE USER %q; "+
				"and grants it what it reads, e.g. GRANT SELECT ON <table> TO %q; (%s)", who.what, in.ID, role, role, role, under)}
	case "3D000":
		e.Status = 404
		return nil, nil, &failure{step: StepAuthenticate, state: dataworks.ConfigError, err: e,
			msg: fmt.Sprintf("database %s does not exist in Hologres instance %s: correct database, or a superuser of the instance runs CREATE DATABASE %s; (%s)", db, in.ID, db, under)}
	}
	return nil, nil, &failure{step: StepAuthenticate, state: dataworks.ConfigError, err: e,
		msg: fmt.Sprintf("Hologres instance %s refused the login of %s to database %s (%s)", in.ID, who.what, db, under)}
}

func noConnect(in hologres.Instance, db, role string, pe *pgconn.PgError) *failure {
	return &failure{step: StepPrivilege, state: dataworks.ConfigError, err: apierr.New(403, pe.Code, pe.Message),
		msg: fmt.Sprintf("database user %q has no CONNECT privilege on database %s of instance %s: a superuser of the instance runs GRANT CONNECT ON DATABASE %s TO %q; (%s)",
			role, db, in.ID, db, role, pgText(pe))}
}

// pgText is a PostgreSQL error with its SQLSTATE, detail and hint.
func pgText(pe *pgconn.PgError) string {
	out := "SQLSTATE " + pe.Code + ": " + pe.Message
	if pe.Detail != "" {
		out += " " + pe.Detail
	}
	if pe.Hint != "" {
		out += " HINT: " + pe.Hint
	}
	return out
}

func (c *Connector) testHologres(ctx context.Context, r *run, ds dataworks.DataSource, who identity) error {
	in, f := c.holoInstance(ctx, ds, &who)
	if f != nil {
		return f
	}
	r.step(StepResolve, fmt.Sprintf("Hologres instance %s (%s) of account %s in %s, Running, endpoint %s", in.ID, in.Name, in.Owner, in.Region, in.Endpoint()))
	db, role := ds.Props.Database, dbRole(who.id)
	s, noConn, f := c.holoLogin(ctx, in, db, who)
	if f != nil {
		return f
	}
	if noConn != nil {
		r.step(StepAuthenticate, fmt.Sprintf("the front end accepted the credentials of %s as database user %q", who.what, role))
		return noConnect(in, db, role, noConn)
	}
	defer s.Close(ctx)
	r.step(StepAuthenticate, fmt.Sprintf("logged in to database %s of instance %s as %q (%s)", db, in.ID, role, who.what))
	_, rows, err := s.Query(ctx, readableTablesSQL)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return &failure{step: StepPrivilege, state: dataworks.ConfigError, err: apierr.New(403, pe.Code, pe.Message),
				msg: fmt.Sprintf("listing the tables %q may read failed (%s)", role, pgText(pe))}
		}
		return &failure{step: StepPrivilege, state: dataworks.Unreachable, msg: "the session with instance " + in.ID + " ended: " + err.Error()}
	}
	var names []string
	for _, row := range rows {
		if len(row) > 0 && row[0] != nil {
			names = append(names, *row[0])
		}
	}
	msg := fmt.Sprintf("%q has CONNECT on database %s", role, db)
	if len(names) == 0 {
		msg += fmt.Sprintf("; warning: it can read no table: the table owner or a superuser runs GRANT SELECT ON <table> TO %q;", role)
	} else if len(names) > 20 {
		msg += "; SELECT on tables: " + strings.Join(names[:20], ", ") + " and more"
	} else {
		msg += "; SELECT on tables: " + strings.Join(names, ", ")
	}
	r.step(StepPrivilege, msg)
	return nil
}

// tableIdent quotes a table name as PostgreSQL reads it: table or
// schema.table, each part folded to lower case unless double-quoted.
func tableIdent(name string) (string, error) {
	var parts []string
	rest := strings.TrimSpace(name)
	for rest != "" {
		var part string
		if strings.HasPrefix(rest, `"`) {
			end := 1
			var b strings.Builder
			for {
				i := strings.IndexByte(rest[end:], '"')
				if i < 0 {
					return "", fmt.Errorf("an unterminated quoted name")
				}
				b.WriteString(rest[end : end+i])
				end += i + 1
				if strings.HasPrefix(rest[end:], `"`) {
					b.WriteByte('"')
					end++
					continue
				}
				break
			}
			part, rest = b.String(), rest[end:]
		} else {
			i := strings.IndexByte(rest, '.')
			if i < 0 {
				i = len(rest)
			}
			part, rest = strings.ToLower(strings.TrimSpace(rest[:i])), rest[i:]
		}
		if part == "" {
			return "", fmt.Errorf("an empty name")
		}
		if strings.IndexByte(part, 0) >= 0 {
			return "", fmt.Errorf("a name holding a NUL character")
		}
		parts = append(parts, part)
		rest = strings.TrimSpace(rest)
		if rest == "" {
			break
		}
		if !strings.HasPrefix(rest, ".") {
			return "", fmt.Errorf("text after a quoted name")
		}
		rest = strings.TrimSpace(rest[1:])
		if rest == "" {
			return "", fmt.Errorf("a name ending with a dot")
		}
	}
	if len(parts) == 0 || len(parts) > 2 {
		return "", fmt.Errorf("give table or schema.table")
	}
	return pgx.Identifier(parts).Sanitize(), nil
}

func (c *Connector) previewHologres(ctx context.Context, ds dataworks.DataSource, who identity, table string, limit int) (dataworks.Preview, error) {
	var out dataworks.Preview
	ident, err := tableIdent(table)
	if err != nil {
		return out, apierr.Newf(400, "InvalidParameter.TableName", "The parameter \"TableName\" is invalid: %v.", err).
			WithRecommend("give table or schema.table; double-quote a part to keep its case")
	}
	in, f := c.holoInstance(ctx, ds, &who)
	if f != nil {
		return out, f
	}
	db, role := ds.Props.Database, dbRole(who.id)
	s, noConn, f := c.holoLogin(ctx, in, db, who)
	if f != nil {
		return out, f
	}
	if noConn != nil {
		return out, noConnect(in, db, role, noConn)
	}
	defer s.Close(ctx)
	cols, rows, err := s.Query(ctx, fmt.Sprintf("SELECT * FROM %s LIMIT %d", ident, limit))
	if err != nil {
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			return out, &failure{step: StepPrivilege, state: dataworks.Unreachable, msg: "the session with instance " + in.ID + " ended: " + err.Error()}
		}
		e := apierr.New(403, pe.Code, pe.Message)
		switch pe.Code {
		case "42501":
			return out, e.WithRecommend("database user %q may not read %s: the table owner or a superuser of instance %s runs GRANT SELECT ON %s TO %q; (%s)",
				role, table, in.ID, ident, role, pgText(pe))
		case "42P01", "3F000":
			e.Status = 404
			return out, e.WithRecommend("there is no table %s in database %s of instance %s that %q can see (%s)", table, db, in.ID, role, pgText(pe))
		}
		e.Status = 400
		return out, e.WithRecommend("%s", pgText(pe))
	}
	out.Columns, out.Rows = cols, rows
	return out, nil
}
