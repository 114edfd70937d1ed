package maxcompute

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute/security"
	"github.com/localyun/localyun/internal/maxcompute/sqlast"
	"github.com/localyun/localyun/internal/store"
)

// Meta is where a request came from, for conditions and the audit trail.
type Meta struct {
	RequestID string
	SourceIP  string
}

// StatementError is a statement refused by MaxCompute's own rules (not a
// transport or server error): its text is what clients print, with the ODPS
// code first.
type StatementError struct {
	Text string
}

func (e *StatementError) Error() string { return e.Text }

// statementError turns the security package's errors into the text
// clients see.
func statementError(err error) error {
	var se *security.Error
	if errors.As(err, &se) {
		return &StatementError{Text: se.Error()}
	}
	return err
}

// ApplySecurity runs a security statement in a project for a caller and
// returns its output ("" for OK). Statements that change the project's
// model are applied in one transaction; every decision is audited.
func (s *Service) ApplySecurity(ctx context.Context, caller *iam.Identity, project string, stmt sqlast.Statement, meta Meta) (string, error) {
	if !sqlast.IsSecurity(stmt) {
		return "", &StatementError{Text: "ODPS-0420411: Invalid argument - not a security statement"}
	}
	who, err := PrincipalOf(caller)
	if err != nil {
		return "", err
	}
	var out string
	changed, err := s.changeState(ctx, project, func(p store.Project, st *security.State) (changed bool, err error) {
		env := security.Env{
			Caller: who, CallerID: CallerID(caller), SourceIP: meta.SourceIP, Now: s.now().UTC(),
			ResolvePrincipal: func(text string) (security.Resolved, error) { return s.resolvePrincipal(ctx, text) },
			ResolveObject: func(objType, name string) (security.Object, string, error) {
				return s.resolveObject(ctx, p.Name, objType, name)
			},
		}
		out, changed, err = security.Apply(st, env, stmt)
		return changed, err
	})
	if changed {
		s.cache.invalidate(project)
	}
	s.auditStatement(caller, who, project, statementName(stmt), meta, err)
	if err != nil {
		if apierr.As(err) == nil {
			var se *security.Error
			if !errors.As(err, &se) {
				return "", apierr.Internal(err)
			}
		}
		return "", statementError(err)
	}
	return out, nil
}

// nextUpdate is now, or just after prev: every change moves the project's
// last-modified time, even two within one clock tick.
func (s *Service) nextUpdate(prev time.Time) time.Time {
	now := s.now().UTC()
	if !now.After(prev) {
		now = prev.Add(time.Nanosecond)
	}
	return now
}

// resolveObject finds an object of a project for a grant.
func (s *Service) resolveObject(ctx context.Context, project, objType, name string) (security.Object, string, error) {
	name = strings.Trim(name, "`")
	if p, rest, ok := strings.Cut(name, "."); ok {
		if !strings.EqualFold(p, project) {
			return security.Object{}, "", &security.Error{Code: "ODPS-0420411",
				Message: fmt.Sprintf("Invalid argument - %s is in another project: grant it in project %s", name, p)}
		}
		name = rest
	}
	switch objType {
	case "project":
		if !strings.EqualFold(name, project) {
			return security.Object{}, "", &security.Error{Code: "ODPS-0420411",
				Message: fmt.Sprintf("Invalid argument - project %s is not the current project %s", name, project)}
		}
		return security.Object{Type: "project", Name: project}, "", nil
	case "table":
		t, err := s.tableOf(ctx, project, name)
		if err != nil {
			return security.Object{}, "", err
		}
		if t == nil {
			return security.Object{}, "", &security.Error{Code: "ODPS-0130131", Message: fmt.Sprintf("Table not found - '%s.%s'.", project, name)}
		}
		return security.Object{Type: "table", Name: t.Name, ID: strconv.FormatInt(t.ID, 10)}, t.Owner, nil
	}
	return security.Object{}, "", &security.Error{Code: "ODPS-0420411",
		Message: fmt.Sprintf("Invalid argument - localyun has no %ss yet: only project and table grants are supported", objType)}
}

// statementName is the audit action of a statement: odps:AddUser, ...
func statementName(stmt sqlast.Statement) string {
	name := fmt.Sprintf("%T", stmt)
	return "odps:" + name[strings.LastIndex(name, ".")+1:]
}

func (s *Service) auditStatement(caller *iam.Identity, who, project, action string, meta Meta, err error) {
	rec := store.AuditRecord{Time: s.now(), RequestID: meta.RequestID, Event: "odps", CallerAccount: caller.Account, Caller: who,
		AccessKeyID: caller.AccessKeyID, SourceIP: meta.SourceIP, Action: action, Resource: "acs:odps:*:projects/" + project,
		Decision: "Allow"}
	if err != nil {
		rec.Decision, rec.ErrorCode = "Deny", errorCode(err)
	}
	s.iam.AuditLog().Append(rec)
}

// errorCode is the code of an error for the audit trail.
func errorCode(err error) string {
	var se *security.Error
	if errors.As(err, &se) {
		return se.Code
	}
	var st *StatementError
	if errors.As(err, &st) {
		code, _, _ := strings.Cut(st.Text, ":")
		return code
	}
	if e := apierr.As(err); e != nil {
		return e.Code
	}
	return "InternalError"
}
