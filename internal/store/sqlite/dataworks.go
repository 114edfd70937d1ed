package sqlite

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/store"
)

// --- DataWorks workspaces ---

const workspaceColumns = `id, owner, region, name, display_name, description, mode, settings, created, updated`

func scanWorkspace(s scanner) (store.Workspace, error) {
	var w store.Workspace
	var created, updated int64
	err := s.Scan(&w.ID, &w.Owner, &w.Region, &w.Name, &w.DisplayName, &w.Description, &w.Mode, &w.Settings, &created, &updated)
	w.CreatedAt, w.UpdatedAt = fromNanos(created), fromNanos(updated)
	return w, err
}

func (t *txn) GetWorkspace(id int64) (store.Workspace, error) {
	w, err := scanWorkspace(t.queryRow(`SELECT `+workspaceColumns+` FROM dw_workspaces WHERE id = ?`, id))
	return w, notFound(err, "workspace", strconv.FormatInt(id, 10))
}

func (t *txn) GetWorkspaceByName(owner, region, name string) (store.Workspace, error) {
	w, err := scanWorkspace(t.queryRow(`SELECT `+workspaceColumns+` FROM dw_workspaces WHERE owner = ? AND region = ? AND name_key = ?`,
		owner, region, nameKey(name)))
	return w, notFound(err, "workspace", name)
}

func (t *txn) ListWorkspaces(owner, region string) ([]store.Workspace, error) {
	rows, err := t.query(`SELECT `+workspaceColumns+` FROM dw_workspaces WHERE (? = '' OR owner = ?) AND (? = '' OR region = ?) ORDER BY id`,
		owner, owner, region, region)
	return collect(rows, err, scanWorkspace)
}

func (t *txn) CreateWorkspace(w store.Workspace) error {
	return t.insert("workspace", w.Name, `INSERT INTO dw_workspaces (name_key, `+workspaceColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nameKey(w.Name), w.ID, w.Owner, w.Region, w.Name, w.DisplayName, w.Description, w.Mode, w.Settings,
		toNanos(w.CreatedAt), toNanos(w.UpdatedAt))
}

// --- DataWorks data sources and compute resources ---

const dataSourceColumns = `id, kind, workspace, name, env, type, mode, properties, secrets, description, create_user, modify_user, created, updated, ` +
	`connect_state, connect_message, connect_time`

func scanDataSource(s scanner) (store.DataSource, error) {
	var d store.DataSource
	var created, updated, tested int64
	err := s.Scan(&d.ID, &d.Kind, &d.Workspace, &d.Name, &d.Env, &d.Type, &d.Mode, &d.Properties, &d.Secrets, &d.Description,
		&d.CreateUser, &d.ModifyUser, &created, &updated, &d.ConnectState, &d.ConnectMessage, &tested)
	d.CreatedAt, d.UpdatedAt = fromNanos(created), fromNanos(updated)
	if tested != 0 {
		d.ConnectTime = fromNanos(tested)
	}
	return d, err
}

func (t *txn) GetDataSource(id int64) (store.DataSource, error) {
	d, err := scanDataSource(t.queryRow(`SELECT `+dataSourceColumns+` FROM dw_data_sources WHERE id = ?`, id))
	return d, notFound(err, "data source", strconv.FormatInt(id, 10))
}

func (t *txn) GetDataSourceByName(kind string, workspace int64, name, env string) (store.DataSource, error) {
	d, err := scanDataSource(t.queryRow(`SELECT `+dataSourceColumns+` FROM dw_data_sources WHERE kind = ? AND workspace = ? AND name_key = ? AND env = ?`,
		kind, workspace, nameKey(name), env))
	return d, notFound(err, "data source", name+" ("+env+")")
}

// dataSourceFilter is the WHERE clause of a query and its arguments.
func dataSourceFilter(q store.DataSourceQuery) (string, []any) {
	where := []string{"kind = ?", "workspace = ?"}
	args := []any{q.Kind, q.Workspace}
	if q.Name != "" {
		where = append(where, "name_key = ?")
		args = append(args, nameKey(q.Name))
	}
	if q.NameContains != "" {
		where = append(where, "instr(name_key, ?) > 0")
		args = append(args, nameKey(q.NameContains))
	}
	if q.Types != nil {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(q.Types)), ", ")
		if marks == "" {
			marks = "NULL" // an empty list selects nothing
		}
		where = append(where, "type IN ("+marks+")")
		for _, typ := range q.Types {
			args = append(args, typ)
		}
	}
	if q.Env != "" {
		where = append(where, "env = ?")
		args = append(args, q.Env)
	}
	return strings.Join(where, " AND "), args
}

func (t *txn) ListDataSources(q store.DataSourceQuery) ([]store.DataSource, int, error) {
	where, args := dataSourceFilter(q)
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	limit := ""
	if q.Limit > 0 {
		limit = " LIMIT " + strconv.Itoa(q.Limit) + " OFFSET " + strconv.Itoa(max(q.Offset, 0))
	}
	if !q.GroupByName {
		var total int
		if err := t.queryRow(`SELECT COUNT(*) FROM dw_data_sources WHERE `+where, args...).Scan(&total); err != nil {
			return nil, 0, mapError(err)
		}
		order := "created " + dir + ", id " + dir
		switch q.SortBy {
		case "Id":
			order = "id " + dir
		case "Name":
			order = "name_key " + dir + ", env, id"
		}
		rows, err := t.query(`SELECT `+dataSourceColumns+` FROM dw_data_sources WHERE `+where+` ORDER BY `+order+limit, args...)
		list, err := collect(rows, err, scanDataSource)
		return list, total, err
	}
	var total int
	if err := t.queryRow(`SELECT COUNT(DISTINCT name_key) FROM dw_data_sources WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, mapError(err)
	}
	// A name's position is its first record's (group_created, group_id),
	// read in index order.
	query := `SELECT DISTINCT group_created, group_id, name_key FROM dw_data_sources WHERE ` + where +
		` ORDER BY group_created ` + dir + `, group_id ` + dir
	switch q.SortBy {
	case "Id":
		query = `SELECT DISTINCT group_created, group_id, name_key FROM dw_data_sources WHERE ` + where + ` ORDER BY group_id ` + dir
	case "Name":
		query = `SELECT DISTINCT 0, 0, name_key FROM dw_data_sources WHERE ` + where + ` ORDER BY name_key ` + dir
	}
	rows, err := t.query(query+limit, args...)
	names, err := collect(rows, err, func(s scanner) (string, error) {
		var created, id int64
		var n string
		return n, s.Scan(&created, &id, &n)
	})
	if err != nil || len(names) == 0 {
		return []store.DataSource{}, total, err
	}
	rank := make(map[string]int, len(names))
	for i, n := range names {
		rank[n] = i
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")
	for _, n := range names {
		args = append(args, n)
	}
	rows, err = t.query(`SELECT `+dataSourceColumns+` FROM dw_data_sources WHERE `+where+` AND name_key IN (`+marks+`) ORDER BY env, id`, args...)
	list, err := collect(rows, err, scanDataSource)
	if err != nil {
		return nil, 0, err
	}
	// The page's name order first, then Dev before Prod (the query's order).
	buckets := make([][]store.DataSource, len(names))
	for _, d := range list {
		i := rank[nameKey(d.Name)]
		buckets[i] = append(buckets[i], d)
	}
	out := make([]store.DataSource, 0, len(list))
	for _, b := range buckets {
		out = append(out, b...)
	}
	return out, total, nil
}

func (t *txn) CreateDataSource(d store.DataSource) error {
	// The name's position: its first record's, or this one's.
	groupCreated, groupID := toNanos(d.CreatedAt), d.ID
	// INDEXED BY: the groups index covers this query too, and without
	// statistics SQLite would scan it instead of seeking the name.
	err := t.queryRow(`SELECT group_created, group_id FROM dw_data_sources INDEXED BY dw_data_sources_name
		WHERE kind = ? AND workspace = ? AND name_key = ? LIMIT 1`,
		d.Kind, d.Workspace, nameKey(d.Name)).Scan(&groupCreated, &groupID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return mapError(err)
	}
	return t.insert("data source", d.Name+" ("+d.Env+")", `INSERT INTO dw_data_sources (name_key, group_created, group_id, `+dataSourceColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nameKey(d.Name), groupCreated, groupID, d.ID, d.Kind, d.Workspace, d.Name, d.Env, d.Type, d.Mode, d.Properties, d.Secrets,
		d.Description, d.CreateUser, d.ModifyUser, toNanos(d.CreatedAt), toNanos(d.UpdatedAt), d.ConnectState, d.ConnectMessage, connectTime(d.ConnectTime))
}

func (t *txn) UpdateDataSource(d store.DataSource) error {
	return t.execOne("data source", strconv.FormatInt(d.ID, 10), `UPDATE dw_data_sources SET mode = ?, properties = ?, secrets = ?, description = ?, modify_user = ?, updated = ?,
		connect_state = '', connect_message = '', connect_time = 0 WHERE id = ?`,
		d.Mode, d.Properties, d.Secrets, d.Description, d.ModifyUser, toNanos(d.UpdatedAt), d.ID)
}

func (t *txn) SetDataSourceConnectivity(id int64, state, message string, at time.Time) error {
	return t.execOne("data source", strconv.FormatInt(id, 10), `UPDATE dw_data_sources SET connect_state = ?, connect_message = ?, connect_time = ? WHERE id = ?`,
		state, message, connectTime(at), id)
}

// connectTime is 0 for a record never tested.
func connectTime(at time.Time) int64 {
	if at.IsZero() {
		return 0
	}
	return toNanos(at)
}

func (t *txn) DeleteDataSource(id int64) error {
	return t.execOne("data source", strconv.FormatInt(id, 10), `DELETE FROM dw_data_sources WHERE id = ?`, id)
}

// --- DataWorks resource groups ---

const resourceGroupColumns = `id, number, owner, region, name, remark, type, status, is_default, settings, create_user, created, updated`

func scanResourceGroup(s scanner) (store.ResourceGroup, error) {
	var g store.ResourceGroup
	var created, updated int64
	err := s.Scan(&g.ID, &g.Number, &g.Owner, &g.Region, &g.Name, &g.Remark, &g.Type, &g.Status, &g.Default, &g.Settings,
		&g.CreateUser, &created, &updated)
	g.CreatedAt, g.UpdatedAt = fromNanos(created), fromNanos(updated)
	return g, err
}

func (t *txn) GetResourceGroup(id string) (store.ResourceGroup, error) {
	g, err := scanResourceGroup(t.queryRow(`SELECT `+resourceGroupColumns+` FROM dw_resource_groups WHERE id = ?`, id))
	return g, notFound(err, "resource group", id)
}

func (t *txn) ListResourceGroups(owner string) ([]store.ResourceGroup, error) {
	rows, err := t.query(`SELECT `+resourceGroupColumns+` FROM dw_resource_groups WHERE ? = '' OR owner = ? ORDER BY number`, owner, owner)
	return collect(rows, err, scanResourceGroup)
}

func (t *txn) CreateResourceGroup(g store.ResourceGroup) error {
	return t.insert("resource group", g.ID, `INSERT INTO dw_resource_groups (`+resourceGroupColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID, g.Number, g.Owner, g.Region, g.Name, g.Remark, g.Type, g.Status, g.Default, g.Settings, g.CreateUser,
		toNanos(g.CreatedAt), toNanos(g.UpdatedAt))
}

func (t *txn) UpdateResourceGroup(g store.ResourceGroup) error {
	return t.execOne("resource group", g.ID, `UPDATE dw_resource_groups SET name = ?, remark = ?, status = ?, settings = ?, updated = ? WHERE id = ?`,
		g.Name, g.Remark, g.Status, g.Settings, toNanos(g.UpdatedAt), g.ID)
}

func (t *txn) ListGroupWorkspaces(group string) ([]int64, error) {
	rows, err := t.query(`SELECT workspace FROM dw_group_workspaces WHERE group_id = ? ORDER BY workspace`, group)
	return collect(rows, err, func(s scanner) (int64, error) {
		var id int64
		return id, s.Scan(&id)
	})
}

func (t *txn) ListWorkspaceGroups(workspace int64) ([]string, error) {
	rows, err := t.query(`SELECT group_id FROM dw_group_workspaces WHERE workspace = ? ORDER BY group_id`, workspace)
	return collect(rows, err, func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
}

func (t *txn) Associate(a store.ResourceGroupAssociation) error {
	key := a.Group + "/" + strconv.FormatInt(a.Workspace, 10)
	return t.insert("association", key, `INSERT INTO dw_group_workspaces (group_id, workspace, created) VALUES (?, ?, ?)`,
		a.Group, a.Workspace, toNanos(a.CreatedAt))
}

func (t *txn) Dissociate(group string, workspace int64) error {
	return t.execOne("association", group+"/"+strconv.FormatInt(workspace, 10), `DELETE FROM dw_group_workspaces WHERE group_id = ? AND workspace = ?`, group, workspace)
}
