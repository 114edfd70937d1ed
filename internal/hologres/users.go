package hologres

import (
	"context"
	"regexp"

	"github.com/localyun/localyun/internal/apierr"
)

// IdentityRolePattern is the database roles of cloud identities
// (reference/hologres.md §2.1): an account UID, p4_<UserId>, v4_<RoleId>;
// BasicRolePattern is the local BASIC$ users'. The front end and the SPM
// procedures check names with the same patterns.
const (
	IdentityRolePattern = `[0-9]{1,32}|p4_[0-9]{1,32}|v4_[0-9]{1,32}`
	BasicRolePattern    = `BASIC\$[A-Za-z0-9_]{1,48}`
)

var rolePattern = regexp.MustCompile(`^(` + IdentityRolePattern + `)$`)

// AddUser adds an identity to an instance as its database role (what
// HoloWeb's User Management and `CREATE USER "v4_<RoleId>"` do), optionally
// as a Hologres superuser.
func (s *Service) AddUser(ctx context.Context, id, role string, superuser bool) error {
	if !rolePattern.MatchString(role) {
		return apierr.Newf(400, "InvalidParameter.UserName", "The user name %q is invalid.", role).
			WithRecommend("users are an account UID, p4_<RAM user id> or v4_<RAM role id>")
	}
	in, err := s.GetInstance(ctx, id)
	if err != nil {
		return err
	}
	if err := requireRunning(in); err != nil {
		return err
	}
	conn, err := s.o.Clusters.AdminConn(ctx, id, "postgres")
	if err != nil {
		return apierr.Internal(err)
	}
	defer conn.Close(ctx)
	if err := createTenantRole(ctx, conn, role, superuser); err != nil {
		return apierr.Internal(err)
	}
	return nil
}

// Database is a database as ListDatabases shows it.
type Database struct {
	Name            string
	PermissionModel string // "SPM" or "Expert"
	Privilege       string // the caller's SPM group ("admin", "developer", ...), or ""
}

// ListDatabases lists an instance's databases with their permission
// models; privilege is reported for role (the caller's database role).
func (s *Service) ListDatabases(ctx context.Context, id, role string) ([]Database, error) {
	in, err := s.GetInstance(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := requireRunning(in); err != nil {
		return nil, err
	}
	conn, err := s.o.Clusters.AdminConn(ctx, id, "postgres")
	if err != nil {
		return nil, apierr.Internal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `
		SELECT d.datname,
			EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = d.datname || '_admin') AS spm,
			COALESCE((SELECT g FROM unnest(ARRAY['admin', 'developer', 'writer', 'viewer']) g
				WHERE EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = d.datname || '_' || g)
				  AND EXISTS (SELECT 1 FROM pg_roles u WHERE u.rolname = $1)
				  AND pg_has_role($1, d.datname || '_' || g, 'MEMBER') LIMIT 1), '')
		FROM pg_database d WHERE NOT d.datistemplate ORDER BY d.datname`, role)
	if err != nil {
		return nil, apierr.Internal(err)
	}
	defer rows.Close()
	var out []Database
	for rows.Next() {
		var d Database
		var spm bool
		if err := rows.Scan(&d.Name, &spm, &d.Privilege); err != nil {
			return nil, apierr.Internal(err)
		}
		d.PermissionModel = "Expert"
		if spm {
			d.PermissionModel = "SPM"
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, apierr.Internal(err)
	}
	return out, nil
}

// Warehouse is a compute group. localyun runs one per instance.
type Warehouse struct {
	ID     int
	Name   string
	Status string
	CPU    int
}

// ListWarehouses lists an instance's warehouses: the default one.
func (s *Service) ListWarehouses(ctx context.Context, id string) ([]Warehouse, error) {
	in, err := s.GetInstance(ctx, id)
	if err != nil {
		return nil, err
	}
	status := "kRunning"
	if in.Status != StatusRunning {
		status = "kSuspended"
	}
	return []Warehouse{{ID: 1, Name: "init_warehouse", Status: status, CPU: 32}}, nil
}
