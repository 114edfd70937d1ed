package sqlite

import (
	"database/sql"
	"fmt"

	"github.com/localyun/localyun/internal/store"
)

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect reads every row with scan.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, mapError(rows.Err())
}

// --- accounts ---

const accountColumns = `id, name, created`

func scanAccount(s scanner) (store.Account, error) {
	var a store.Account
	var created int64
	err := s.Scan(&a.ID, &a.Name, &created)
	a.CreatedAt = fromNanos(created)
	return a, err
}

func (t *txn) GetAccount(id string) (store.Account, error) {
	a, err := scanAccount(t.queryRow(`SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	return a, notFound(err, "account", id)
}

func (t *txn) GetAccountByName(name string) (store.Account, error) {
	a, err := scanAccount(t.queryRow(`SELECT `+accountColumns+` FROM accounts WHERE name = ?`, name))
	return a, notFound(err, "account", name)
}

func (t *txn) ListAccounts() ([]store.Account, error) {
	rows, err := t.query(`SELECT ` + accountColumns + ` FROM accounts ORDER BY name`)
	return collect(rows, err, scanAccount)
}

func (t *txn) CreateAccount(a store.Account) error {
	if _, err := t.GetAccountByName(a.Name); err == nil {
		return &store.ExistsError{Kind: "account", Key: a.Name}
	}
	return t.insert("account", a.ID, `INSERT INTO accounts (id, name, created) VALUES (?, ?, ?)`,
		a.ID, a.Name, toNanos(a.CreatedAt))
}

// --- users ---

const userColumns = `account, id, name, display_name, mobile_phone, email, comments, created, updated`

func scanUser(s scanner) (store.User, error) {
	var u store.User
	var created, updated int64
	err := s.Scan(&u.Account, &u.ID, &u.Name, &u.DisplayName, &u.MobilePhone, &u.Email, &u.Comments, &created, &updated)
	u.CreatedAt, u.UpdatedAt = fromNanos(created), fromNanos(updated)
	return u, err
}

func (t *txn) GetUser(account, name string) (store.User, error) {
	u, err := scanUser(t.queryRow(`SELECT `+userColumns+` FROM users WHERE account = ? AND name_key = ?`, account, nameKey(name)))
	return u, notFound(err, "user", name)
}

func (t *txn) GetUserByID(account, id string) (store.User, error) {
	u, err := scanUser(t.queryRow(`SELECT `+userColumns+` FROM users WHERE account = ? AND id = ?`, account, id))
	return u, notFound(err, "user", id)
}

func (t *txn) ListUsers(account, after string, limit int) ([]store.User, error) {
	rows, err := t.query(`SELECT `+userColumns+` FROM users WHERE account = ? AND name_key > ? ORDER BY name_key LIMIT ?`,
		account, nameKey(after), limit)
	return collect(rows, err, scanUser)
}

func (t *txn) CreateUser(u store.User) error {
	return t.insert("user", u.Name, `INSERT INTO users (account, name_key, `+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Account, nameKey(u.Name), u.Account, u.ID, u.Name, u.DisplayName, u.MobilePhone, u.Email, u.Comments,
		toNanos(u.CreatedAt), toNanos(u.UpdatedAt))
}

func (t *txn) UpdateUser(u store.User) error {
	return t.execOne("user", u.Name, `UPDATE users SET display_name = ?, mobile_phone = ?, email = ?, comments = ?, updated = ?
		WHERE account = ? AND name_key = ?`,
		u.DisplayName, u.MobilePhone, u.Email, u.Comments, toNanos(u.UpdatedAt), u.Account, nameKey(u.Name))
}

func (t *txn) DeleteUser(account, name string) error {
	return t.execOne("user", name, `DELETE FROM users WHERE account = ? AND name_key = ?`, account, nameKey(name))
}

// --- access keys ---

const accessKeyColumns = `id, account, user_key, seed, status, created`

func scanAccessKey(s scanner) (store.AccessKey, error) {
	var k store.AccessKey
	var created int64
	err := s.Scan(&k.ID, &k.Account, &k.User, &k.Seed, &k.Status, &created)
	k.CreatedAt = fromNanos(created)
	return k, err
}

func (t *txn) GetAccessKey(id string) (store.AccessKey, error) {
	k, err := scanAccessKey(t.queryRow(`SELECT `+accessKeyColumns+` FROM access_keys WHERE id = ?`, id))
	return k, notFound(err, "access key", id)
}

func (t *txn) ListAccessKeys(account, user string) ([]store.AccessKey, error) {
	rows, err := t.query(`SELECT `+accessKeyColumns+` FROM access_keys WHERE account = ? AND user_key = ? ORDER BY created, id`,
		account, nameKey(user))
	return collect(rows, err, scanAccessKey)
}

// CreateAccessKey stores the key with its owner's lower-cased user name,
// so that keys follow the case-insensitive user lookup.
func (t *txn) CreateAccessKey(k store.AccessKey) error {
	return t.insert("access key", k.ID, `INSERT INTO access_keys (`+accessKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		k.ID, k.Account, nameKey(k.User), k.Seed, k.Status, toNanos(k.CreatedAt))
}

func (t *txn) UpdateAccessKey(k store.AccessKey) error {
	return t.execOne("access key", k.ID, `UPDATE access_keys SET status = ? WHERE id = ?`, k.Status, k.ID)
}

func (t *txn) DeleteAccessKey(id string) error {
	return t.execOne("access key", id, `DELETE FROM access_keys WHERE id = ?`, id)
}

// --- roles ---

const roleColumns = `account, id, name, description, trust_policy, max_session, created, updated`

func scanRole(s scanner) (store.Role, error) {
	var r store.Role
	var created, updated int64
	err := s.Scan(&r.Account, &r.ID, &r.Name, &r.Description, &r.TrustPolicy, &r.MaxSessionDuration, &created, &updated)
	r.CreatedAt, r.UpdatedAt = fromNanos(created), fromNanos(updated)
	return r, err
}

func (t *txn) GetRole(account, name string) (store.Role, error) {
	r, err := scanRole(t.queryRow(`SELECT `+roleColumns+` FROM roles WHERE account = ? AND name_key = ?`, account, nameKey(name)))
	return r, notFound(err, "role", name)
}

func (t *txn) GetRoleByID(account, id string) (store.Role, error) {
	r, err := scanRole(t.queryRow(`SELECT `+roleColumns+` FROM roles WHERE account = ? AND id = ?`, account, id))
	return r, notFound(err, "role", id)
}

func (t *txn) ListRoles(account, after string, limit int) ([]store.Role, error) {
	rows, err := t.query(`SELECT `+roleColumns+` FROM roles WHERE account = ? AND name_key > ? ORDER BY name_key LIMIT ?`,
		account, nameKey(after), limit)
	return collect(rows, err, scanRole)
}

func (t *txn) CreateRole(r store.Role) error {
	return t.insert("role", r.Name, `INSERT INTO roles (name_key, `+roleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nameKey(r.Name), r.Account, r.ID, r.Name, r.Description, r.TrustPolicy, r.MaxSessionDuration,
		toNanos(r.CreatedAt), toNanos(r.UpdatedAt))
}

func (t *txn) UpdateRole(r store.Role) error {
	return t.execOne("role", r.Name, `UPDATE roles SET description = ?, trust_policy = ?, max_session = ?, updated = ?
		WHERE account = ? AND name_key = ?`,
		r.Description, r.TrustPolicy, r.MaxSessionDuration, toNanos(r.UpdatedAt), r.Account, nameKey(r.Name))
}

func (t *txn) DeleteRole(account, name string) error {
	return t.execOne("role", name, `DELETE FROM roles WHERE account = ? AND name_key = ?`, account, nameKey(name))
}

// --- policies ---

const policyColumns = `account, type, name, description, default_version, next_version, created, updated`

func scanPolicy(s scanner) (store.Policy, error) {
	var p store.Policy
	var created, updated int64
	err := s.Scan(&p.Account, &p.Type, &p.Name, &p.Description, &p.DefaultVersion, &p.NextVersion, &created, &updated)
	p.CreatedAt, p.UpdatedAt = fromNanos(created), fromNanos(updated)
	return p, err
}

func (t *txn) GetPolicy(account string, typ store.PolicyType, name string) (store.Policy, error) {
	if typ == store.System {
		account = ""
	}
	p, err := scanPolicy(t.queryRow(`SELECT `+policyColumns+` FROM policies WHERE account = ? AND type = ? AND name_key = ?`,
		account, typ, nameKey(name)))
	return p, notFound(err, "policy", name)
}

func (t *txn) ListPolicies(account string, typ store.PolicyType, after string, limit int) ([]store.Policy, error) {
	rows, err := t.query(`SELECT `+policyColumns+` FROM policies
		WHERE ((type = 'System' AND account = '') OR (type = 'Custom' AND account = ?))
		  AND (? = '' OR type = ?)
		  AND (CASE type WHEN 'System' THEN '0' ELSE '1' END) || name_key > ?
		ORDER BY (CASE type WHEN 'System' THEN '0' ELSE '1' END) || name_key LIMIT ?`,
		account, typ, typ, after, limit)
	return collect(rows, err, scanPolicy)
}

func (t *txn) CreatePolicy(p store.Policy) error {
	return t.insert("policy", p.Name, `INSERT INTO policies (name_key, `+policyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nameKey(p.Name), p.Account, p.Type, p.Name, p.Description, p.DefaultVersion, p.NextVersion,
		toNanos(p.CreatedAt), toNanos(p.UpdatedAt))
}

func (t *txn) UpdatePolicy(p store.Policy) error {
	return t.execOne("policy", p.Name, `UPDATE policies SET description = ?, default_version = ?, next_version = ?, updated = ?
		WHERE account = ? AND type = ? AND name_key = ?`,
		p.Description, p.DefaultVersion, p.NextVersion, toNanos(p.UpdatedAt), p.Account, p.Type, nameKey(p.Name))
}

func (t *txn) DeletePolicy(account string, typ store.PolicyType, name string) error {
	if _, err := t.exec(`DELETE FROM policy_versions WHERE account = ? AND type = ? AND policy_key = ?`, account, typ, nameKey(name)); err != nil {
		return err
	}
	return t.execOne("policy", name, `DELETE FROM policies WHERE account = ? AND type = ? AND name_key = ?`, account, typ, nameKey(name))
}

const versionColumns = `account, type, policy_key, id, document, created`

func scanVersion(s scanner) (store.PolicyVersion, error) {
	var v store.PolicyVersion
	var created int64
	err := s.Scan(&v.Account, &v.Type, &v.Policy, &v.ID, &v.Document, &created)
	v.CreatedAt = fromNanos(created)
	return v, err
}

func (t *txn) GetPolicyVersion(account string, typ store.PolicyType, name, version string) (store.PolicyVersion, error) {
	if typ == store.System {
		account = ""
	}
	v, err := scanVersion(t.queryRow(`SELECT `+versionColumns+` FROM policy_versions
		WHERE account = ? AND type = ? AND policy_key = ? AND id = ?`, account, typ, nameKey(name), version))
	if err != nil {
		return v, notFound(err, "policy version", name+"/"+version)
	}
	v.Policy = name
	return v, nil
}

func (t *txn) ListPolicyVersions(account string, typ store.PolicyType, name string) ([]store.PolicyVersion, error) {
	if typ == store.System {
		account = ""
	}
	rows, err := t.query(`SELECT `+versionColumns+` FROM policy_versions
		WHERE account = ? AND type = ? AND policy_key = ? ORDER BY number`, account, typ, nameKey(name))
	vs, err := collect(rows, err, scanVersion)
	for i := range vs {
		vs[i].Policy = name
	}
	return vs, err
}

func (t *txn) CreatePolicyVersion(v store.PolicyVersion) error {
	var number int
	if _, err := fmt.Sscanf(v.ID, "v%d", &number); err != nil || fmt.Sprintf("v%d", number) != v.ID {
		return fmt.Errorf("policy version id %q is not of the form v<N>", v.ID)
	}
	return t.insert("policy version", v.Policy+"/"+v.ID, `INSERT INTO policy_versions (account, type, policy_key, id, number, document, created)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, v.Account, v.Type, nameKey(v.Policy), v.ID, number, v.Document, toNanos(v.CreatedAt))
}

func (t *txn) DeletePolicyVersion(account string, typ store.PolicyType, name, version string) error {
	return t.execOne("policy version", name+"/"+version, `DELETE FROM policy_versions WHERE account = ? AND type = ? AND policy_key = ? AND id = ?`,
		account, typ, nameKey(name), version)
}

// --- attachments ---

const attachmentColumns = `account, kind, principal, policy_type, policy, attached`

func scanAttachment(s scanner) (store.Attachment, error) {
	var a store.Attachment
	var attached int64
	err := s.Scan(&a.Account, &a.Kind, &a.Principal, &a.PolicyType, &a.Policy, &attached)
	a.AttachedAt = fromNanos(attached)
	return a, err
}

func (t *txn) ListAttachments(account string, kind store.PrincipalKind, name string) ([]store.Attachment, error) {
	rows, err := t.query(`SELECT `+attachmentColumns+` FROM attachments
		WHERE account = ? AND kind = ? AND principal_key = ? ORDER BY seq`, account, kind, nameKey(name))
	return collect(rows, err, scanAttachment)
}

func (t *txn) ListPolicyAttachments(account string, typ store.PolicyType, name string) ([]store.Attachment, error) {
	rows, err := t.query(`SELECT `+attachmentColumns+` FROM attachments
		WHERE account = ? AND policy_type = ? AND policy_key = ? ORDER BY seq`, account, typ, nameKey(name))
	return collect(rows, err, scanAttachment)
}

func (t *txn) Attach(a store.Attachment) error {
	return t.insert("attachment", string(a.Kind)+"/"+a.Principal+"/"+a.Policy, `INSERT INTO attachments
		(account, kind, principal_key, principal, policy_type, policy_key, policy, attached) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Account, a.Kind, nameKey(a.Principal), a.Principal, a.PolicyType, nameKey(a.Policy), a.Policy, toNanos(a.AttachedAt))
}

func (t *txn) Detach(account string, kind store.PrincipalKind, principal string, typ store.PolicyType, policy string) error {
	return t.execOne("attachment", string(kind)+"/"+principal+"/"+policy, `DELETE FROM attachments WHERE account = ? AND kind = ? AND principal_key = ? AND policy_type = ? AND policy_key = ?`,
		account, kind, nameKey(principal), typ, nameKey(policy))
}

// --- meta ---

func (t *txn) GetMeta(key string) ([]byte, error) {
	var v []byte
	err := t.queryRow(`SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	return v, notFound(err, "setting", key)
}

func (t *txn) SetMeta(key string, value []byte) error {
	_, err := t.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// --- MaxCompute projects ---

const projectColumns = `name, owner, region, comment, state, created, updated`

func scanProject(s scanner) (store.Project, error) {
	var p store.Project
	var created, updated int64
	err := s.Scan(&p.Name, &p.Owner, &p.Region, &p.Comment, &p.State, &created, &updated)
	p.CreatedAt, p.UpdatedAt = fromNanos(created), fromNanos(updated)
	return p, err
}

func (t *txn) GetProject(name string) (store.Project, error) {
	p, err := scanProject(t.queryRow(`SELECT `+projectColumns+` FROM odps_projects WHERE name_key = ?`, nameKey(name)))
	return p, notFound(err, "project", name)
}

func (t *txn) ListProjects(owner string) ([]store.Project, error) {
	rows, err := t.query(`SELECT `+projectColumns+` FROM odps_projects WHERE ? = '' OR owner = ? ORDER BY name_key`, owner, owner)
	return collect(rows, err, scanProject)
}

func (t *txn) CreateProject(p store.Project) error {
	return t.insert("project", p.Name, `INSERT INTO odps_projects (name_key, `+projectColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		nameKey(p.Name), p.Name, p.Owner, p.Region, p.Comment, p.State, toNanos(p.CreatedAt), toNanos(p.UpdatedAt))
}

func (t *txn) UpdateProject(p store.Project) error {
	return t.execOne("project", p.Name, `UPDATE odps_projects SET state = ?, comment = ?, updated = ? WHERE name_key = ?`,
		p.State, p.Comment, toNanos(p.UpdatedAt), nameKey(p.Name))
}

func (t *txn) DeleteProject(name string) error {
	return t.execOne("project", name, `DELETE FROM odps_projects WHERE name_key = ?`, nameKey(name))
}

// --- Hologres instances ---

const instanceColumns = `id, name, owner, region, port, state, created, updated`

func scanInstance(s scanner) (store.Instance, error) {
	var in store.Instance
	var created, updated int64
	err := s.Scan(&in.ID, &in.Name, &in.Owner, &in.Region, &in.Port, &in.State, &created, &updated)
	in.CreatedAt, in.UpdatedAt = fromNanos(created), fromNanos(updated)
	return in, err
}

func (t *txn) GetInstance(id string) (store.Instance, error) {
	in, err := scanInstance(t.queryRow(`SELECT `+instanceColumns+` FROM holo_instances WHERE id = ?`, id))
	return in, notFound(err, "instance", id)
}

func (t *txn) ListInstances(owner string) ([]store.Instance, error) {
	rows, err := t.query(`SELECT `+instanceColumns+` FROM holo_instances WHERE ? = '' OR owner = ? ORDER BY id`, owner, owner)
	return collect(rows, err, scanInstance)
}

func (t *txn) CreateInstance(in store.Instance) error {
	return t.insert("instance", in.ID, `INSERT INTO holo_instances (`+instanceColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		in.ID, in.Name, in.Owner, in.Region, in.Port, in.State, toNanos(in.CreatedAt), toNanos(in.UpdatedAt))
}

func (t *txn) UpdateInstance(in store.Instance) error {
	return t.execOne("instance", in.ID, `UPDATE holo_instances SET name = ?, state = ?, updated = ? WHERE id = ?`,
		in.Name, in.State, toNanos(in.UpdatedAt), in.ID)
}

func (t *txn) DeleteInstance(id string) error {
	return t.execOne("instance", id, `DELETE FROM holo_instances WHERE id = ?`, id)
}
